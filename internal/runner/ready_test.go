package runner

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"
)

// proxyLike accepts and at once closes connections, as docker-proxy does
// while the app behind it does not listen yet.
func proxyLike(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			conn.Close()
		}
	}()
	return ln.Addr().String()
}

func TestAccepting(t *testing.T) {
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusNotFound) // any response means the app is up
	}))
	t.Cleanup(app.Close)
	appAddr := app.Listener.Addr().String()
	proxy := proxyLike(t)
	refused := refusedAddr(t)

	tests := []struct {
		name string
		c    Container
		want bool
	}{
		{"bridge listens", Container{ContainerAddr: appAddr, HostAddr: proxy}, true},
		{"bridge refuses, proxy accepts", Container{ContainerAddr: refused, HostAddr: proxy}, false},
		{"no bridge, app answers through proxy", Container{HostAddr: appAddr}, true},
		{"no bridge, proxy closes", Container{HostAddr: proxy}, false},
		// Any dial error but a refusal (here: a name that never resolves,
		// RFC 6761) means the bridge cannot be reached from here.
		{"bridge unreachable, app answers", Container{ContainerAddr: "bridge.invalid:5000", HostAddr: appAddr}, true},
		{"bridge unreachable, proxy closes", Container{ContainerAddr: "bridge.invalid:5000", HostAddr: proxy}, false},
		{"nothing", Container{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := accepting(context.Background(), tt.c); got != tt.want {
				t.Errorf("accepting(%+v) = %v, want %v", tt.c, got, tt.want)
			}
		})
	}
}
