// Command freeport prints a TCP port on 127.0.0.1 that was free a moment ago,
// for servers that cannot bind port 0 and report it (nginx). Its caller
// retries if another process takes the port in between.
package main

import (
	"fmt"
	"log"
	"net"
)

func main() {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatalf("freeport: %v", err)
	}
	defer ln.Close()
	fmt.Println(ln.Addr().(*net.TCPAddr).Port)
}
