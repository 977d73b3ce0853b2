//go:build unix

package router

import (
	"net"
	"syscall"
)

// peek looks, without reading and without waiting, at what conn has to
// read: n > 0 bytes waiting; n == 0 and err == nil, the peer closed it;
// err EAGAIN, nothing yet. ok is false when conn has no descriptor to ask.
func peek(conn net.Conn) (n int, ok bool, err error) {
	sc, isSys := conn.(syscall.Conn)
	if !isSys {
		return 0, false, nil
	}
	rc, rerr := sc.SyscallConn()
	if rerr != nil {
		return 0, true, rerr
	}
	var b [1]byte
	rerr = rc.Read(func(fd uintptr) bool {
		n, _, err = syscall.Recvfrom(int(fd), b[:], syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
		return true // never wait for readability
	})
	if rerr != nil {
		return 0, true, rerr
	}
	return n, true, err
}

func wouldBlock(err error) bool { return err == syscall.EAGAIN || err == syscall.EWOULDBLOCK }

// idleConnAlive reports whether a pooled connection can carry a request: the
// backend has neither closed it nor sent anything since its last response.
// http.Transport learns this from a read it keeps pending on every idle
// connection; a non-blocking peek when the connection is taken costs one
// system call instead of a goroutine per connection.
func idleConnAlive(conn net.Conn) bool {
	// Nothing to read is the one good answer. A byte is an answer to no
	// request (a late body, a 408 before closing); no error and no byte
	// is the backend's close.
	_, ok, err := peek(conn)
	return !ok || wouldBlock(err)
}

// peerClosed reports whether the client at the other end of conn has closed
// or reset it, without reading from it: a waiting pipelined request is not
// that. It costs one system call, where net/http keeps a read pending on
// the client's connection during every request.
func peerClosed(conn net.Conn) bool {
	n, ok, err := peek(conn)
	switch {
	case !ok:
		return false
	case err == nil:
		return n == 0
	}
	return !wouldBlock(err) && err != syscall.EINTR
}
