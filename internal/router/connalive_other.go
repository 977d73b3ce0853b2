//go:build !unix

package router

import "net"

// idleConnAlive cannot peek without blocking here; a request on a connection
// the backend closed fails before any response byte and is retried if it is
// replayable.
func idleConnAlive(net.Conn) bool { return true }
