// Command backend is the tiny app the load benchmark proxies to: it answers
// every request with "ok" over kept-alive connections, and prints the address
// it listens on, so callers can bind port 0 and learn the port without a race.
package main

import (
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"time"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:0", "address to listen on; port 0 picks a free one")
	flag.Parse()

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatalf("backend: listen on %s: %v", *addr, err)
	}
	// The one line a caller waits for.
	fmt.Fprintln(os.Stdout, ln.Addr().String())

	srv := &http.Server{
		Handler: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "text/plain")
			io.WriteString(w, "ok")
		}),
		ReadHeaderTimeout: 10 * time.Second,
		// Longer than the router's and nginx's idle timeouts: the proxies, not
		// the app, close idle upstream connections.
		IdleTimeout: 2 * time.Minute,
	}
	log.Fatal(srv.Serve(ln))
}
