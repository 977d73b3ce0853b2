package connguard

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// dialFrom connects to addr from the loopback address src (127.0.0.2, ...),
// so that one machine plays several clients.
func dialFrom(t *testing.T, src, addr string) net.Conn {
	t.Helper()
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(src)}, Timeout: 5 * time.Second}
	c, err := d.Dial("tcp", addr)
	if err != nil {
		t.Fatalf("dial %s from %s: %v", addr, src, err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// closedByServer reports whether the server closes c within d.
func closedByServer(c net.Conn, d time.Duration) bool {
	_ = c.SetReadDeadline(time.Now().Add(d))
	_, err := io.Copy(io.Discard, c)
	var ne net.Error
	return !(errors.As(err, &ne) && ne.Timeout())
}

// echoServer echoes lines on every connection ln accepts.
func echoServer(t *testing.T, ln net.Listener) {
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				_, _ = io.Copy(c, c)
			}()
		}
	}()
}

func TestLimitCapsEachClientAddress(t *testing.T) {
	raw, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ln := Limit(raw, 3)
	echoServer(t, ln)
	addr := raw.Addr().String()
	echoes := func(c net.Conn) bool {
		_ = c.SetDeadline(time.Now().Add(5 * time.Second))
		if _, err := c.Write([]byte("ping\n")); err != nil {
			return false
		}
		line, err := bufio.NewReader(c).ReadString('\n')
		return err == nil && line == "ping\n"
	}
	var held []net.Conn
	for range 3 {
		c := dialFrom(t, "127.0.0.2", addr)
		if !echoes(c) {
			t.Fatal("a connection under the cap is not served")
		}
		held = append(held, c)
	}
	if over := dialFrom(t, "127.0.0.2", addr); !closedByServer(over, 5*time.Second) {
		t.Error("a fourth connection from one address was kept open")
	}
	if other := dialFrom(t, "127.0.0.1", addr); !echoes(other) {
		t.Error("another address is refused because of the first one's connections")
	}
	// A closed connection gives its place back.
	held[0].Close()
	deadline := time.Now().Add(5 * time.Second)
	for {
		c := dialFrom(t, "127.0.0.2", addr)
		if echoes(c) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the place of a closed connection was not given back")
		}
	}
}

// serve runs h on a fresh loopback server and returns its address.
func serve(t *testing.T, h http.Handler) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { srv.Close() })
	return ln.Addr().String()
}

// trickle sends n bytes of a body, one every interval, until the server
// closes the connection or n are sent.
func trickle(c net.Conn, n int, interval time.Duration) {
	for range n {
		if _, err := c.Write([]byte("x")); err != nil {
			return
		}
		time.Sleep(interval) // the pace of a slow client, not synchronisation
	}
}

func TestDeadlineEndsASlowAnonymousBody(t *testing.T) {
	refuse := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		http.Error(w, "no token", http.StatusUnauthorized) // the body is left unread
	})
	addr := serve(t, Deadline(300*time.Millisecond, refuse))
	c := dialFrom(t, "127.0.0.1", addr)
	// Small enough that the server waits to read it all before the next
	// request, as it does for bodies under 256 KiB.
	fmt.Fprintf(c, "POST / HTTP/1.1\r\nHost: paas\r\nContent-Length: 1000\r\n\r\n")
	go trickle(c, 1000, 20*time.Millisecond)
	if !closedByServer(c, 10*time.Second) {
		t.Error("a client trickling an unread body still holds its connection")
	}
}

func TestIdleBodyLetsASteadyBodyThroughAndEndsAStalledOne(t *testing.T) {
	count := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n, err := io.Copy(io.Discard, r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusRequestTimeout)
			return
		}
		fmt.Fprint(w, n)
	})
	addr := serve(t, IdleBody(300*time.Millisecond, count))

	// 20 bytes over about two seconds: longer in all than the idle bound,
	// but never idle that long.
	c := dialFrom(t, "127.0.0.1", addr)
	fmt.Fprintf(c, "POST / HTTP/1.1\r\nHost: paas\r\nContent-Length: 20\r\n\r\n")
	trickle(c, 20, 100*time.Millisecond)
	_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK || string(body) != "20" {
		t.Errorf("a steady body: %s %q, want 200 and all 20 bytes", resp.Status, body)
	}

	stalled := dialFrom(t, "127.0.0.1", addr)
	fmt.Fprintf(stalled, "POST / HTTP/1.1\r\nHost: paas\r\nContent-Length: 20\r\n\r\nhalf")
	if !closedByServer(stalled, 10*time.Second) {
		t.Error("a stalled body still holds its connection")
	}
}

func TestIdleBodyLeavesLongResponsesAlone(t *testing.T) {
	stream := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rc := http.NewResponseController(w)
		for i := range 8 {
			select {
			case <-r.Context().Done():
				return // the server took the client for gone
			case <-time.After(100 * time.Millisecond):
			}
			fmt.Fprintf(w, "%d\n", i)
			_ = rc.Flush()
		}
	})
	addr := serve(t, IdleBody(150*time.Millisecond, stream))
	for _, req := range []string{
		"GET /logs HTTP/1.1\r\nHost: paas\r\n\r\n",
		"POST /logs HTTP/1.1\r\nHost: paas\r\nContent-Length: 2\r\n\r\n{}",
	} {
		c := dialFrom(t, "127.0.0.1", addr)
		fmt.Fprint(c, req)
		_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
		resp, err := http.ReadResponse(bufio.NewReader(c), nil)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		if lines := strings.Count(string(body), "\n"); lines != 8 {
			t.Errorf("%s: the stream ended after %d of 8 lines: %q", strings.Fields(req)[0], lines, body)
		}
	}
}
