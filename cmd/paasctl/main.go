// Command paasctl is the paas command-line client: it creates and inspects
// apps and wires git repos to them, through paasd's REST API.
package main

import "github.com/paas-dev/paas/internal/cli"

func main() {
	cli.Execute()
}
