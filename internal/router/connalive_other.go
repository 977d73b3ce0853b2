//go:build !unix

package router

import "net"

// idleConnAlive cannot peek without blocking here; a request on a connection
// the backend closed fails before any response byte and is retried if it is
// replayable.
func idleConnAlive(net.Conn) bool { return true }

// peerClosed cannot peek without blocking here: a client that left is
// noticed when its response is written.
func peerClosed(net.Conn) bool { return false }
