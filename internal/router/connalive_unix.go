//go:build unix

package router

import (
	"net"
	"syscall"
)

// idleConnAlive reports whether a pooled connection can carry a request: the
// backend has neither closed it nor sent anything since its last response.
// http.Transport learns this from a read it keeps pending on every idle
// connection; a non-blocking peek when the connection is taken costs one
// system call instead of a goroutine per connection.
func idleConnAlive(conn net.Conn) bool {
	sc, ok := conn.(syscall.Conn)
	if !ok {
		return true
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return false
	}
	alive := false
	var b [1]byte
	err = rc.Read(func(fd uintptr) bool {
		_, _, err := syscall.Recvfrom(int(fd), b[:], syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
		// Nothing to read is the one good answer. A byte is an answer to
		// no request (a late body, a 408 before closing); no error and no
		// byte is the backend's close.
		alive = err == syscall.EAGAIN || err == syscall.EWOULDBLOCK
		return true // never wait for readability
	})
	return err == nil && alive
}

// peerClosed reports whether the client at the other end of conn has closed
// or reset it, without reading from it: a waiting pipelined request is not
// that. It costs one system call, where net/http keeps a read pending on
// the client's connection during every request.
func peerClosed(conn net.Conn) bool {
	sc, ok := conn.(syscall.Conn)
	if !ok {
		return false
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return false
	}
	closed := false
	var b [1]byte
	err = rc.Read(func(fd uintptr) bool {
		n, _, err := syscall.Recvfrom(int(fd), b[:], syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
		closed = (err == nil && n == 0) || (err != nil && err != syscall.EAGAIN && err != syscall.EWOULDBLOCK && err != syscall.EINTR)
		return true
	})
	return err != nil || closed
}
