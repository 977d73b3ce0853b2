package metrics

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/paas-dev/paas/internal/router"
)

type discardLines struct{}

func (discardLines) RouterLine(string, string) {}

// BenchmarkRouterFigures compares the router with its request log, as
// paasd runs it, without and with the metrics, in the same run.
func BenchmarkRouterFigures(b *testing.B) {
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		_, _ = io.WriteString(w, "ok")
	}))
	defer backend.Close()
	for _, bb := range []struct {
		name    string
		observe bool
	}{{"logged", false}, {"logged+metrics", true}} {
		b.Run(bb.name, func(b *testing.B) {
			r := router.New("localhost", slog.New(slog.DiscardHandler))
			r.SetBackendsNamed("hello", []router.Backend{{Addr: backend.Listener.Addr().String(), Name: "web.1"}})
			r.SetRequestLog(discardLines{})
			if bb.observe {
				r.SetObserver(New(&fakePlatform{}, slog.New(slog.DiscardHandler)))
			}
			front := httptest.NewServer(r)
			defer front.Close()
			client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 256}}
			defer client.CloseIdleConnections()
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					req, _ := http.NewRequest(http.MethodGet, front.URL, nil)
					req.Host = "hello.localhost"
					resp, err := client.Do(req)
					if err != nil {
						b.Error(err)
						return
					}
					_, _ = io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
				}
			})
		})
	}
}
