package router

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// Clients speak HTTP/2 to the router on its TLS listener, as paasd serves
// it; the router speaks HTTP/1.1 to the app. What the app and the client see
// is as over HTTP/1.1: headers the router owns, bodies of unknown length
// both ways, large ones, and a stream flushed as it is written.
func TestHTTP2FromClients(t *testing.T) {
	r := newTestRouter(t)
	backend := startBackend(t, http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		switch req.URL.Path {
		case "/echo":
			h := sha256.New()
			n, _ := io.Copy(h, req.Body)
			fmt.Fprintf(w, "%s %s %d %x te=%q", req.Proto, req.Header.Get("X-Forwarded-Proto"), n, h.Sum(nil), req.TransferEncoding)
		case "/big":
			w.Header().Set("Connection", "keep-alive") // connection-specific: never sent over HTTP/2
			_, _ = io.Copy(w, io.LimitReader(zeros{}, 8<<20))
		case "/stream":
			w.Header().Set("Content-Type", "text/event-stream")
			fmt.Fprint(w, "data: first\n\n")
			w.(http.Flusher).Flush()
			<-req.Context().Done() // until the client has read the first event and leaves
		}
	}))
	r.SetBackends("hello", []string{backend})
	srv := httptest.NewUnstartedServer(r)
	srv.EnableHTTP2 = true
	srv.StartTLS()
	t.Cleanup(srv.Close)
	client := srv.Client()
	do := func(req *http.Request) *http.Response {
		t.Helper()
		req.Host = "hello.localhost"
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		if resp.ProtoMajor != 2 {
			t.Fatalf("%s %s over %s, want HTTP/2", req.Method, req.URL.Path, resp.Proto)
		}
		return resp
	}

	// A body of unknown length (no Content-Length, as HTTP/2 allows).
	payload := bytes.Repeat([]byte("0123456789"), 600_000)
	req, _ := http.NewRequest(http.MethodPost, srv.URL+"/echo", io.MultiReader(bytes.NewReader(payload)))
	req.ContentLength = -1
	resp := do(req)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	want := fmt.Sprintf("HTTP/1.1 https %d %x", len(payload), sha256.Sum256(payload))
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(string(body), want) {
		t.Errorf("POST /echo: %d %q, want %q", resp.StatusCode, body, want)
	}

	req, _ = http.NewRequest(http.MethodGet, srv.URL+"/big", nil)
	resp = do(req)
	n, err := io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if err != nil || n != 8<<20 || resp.Header.Get("X-Request-Id") == "" {
		t.Errorf("GET /big: %d bytes, %v, headers %v", n, err, resp.Header)
	}

	req, _ = http.NewRequest(http.MethodGet, srv.URL+"/stream", nil)
	resp = do(req)
	first := make(chan string, 1)
	go func() {
		line, _ := bufio.NewReader(resp.Body).ReadString('\n')
		first <- line
	}()
	select {
	case line := <-first:
		if line != "data: first\n" {
			t.Errorf("first event %q", line)
		}
	case <-time.After(10 * time.Second):
		t.Error("the stream's first event did not arrive while the stream stayed open")
	}
	resp.Body.Close()
}

type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}
