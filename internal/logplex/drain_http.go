package logplex

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"sync/atomic"
)

// httpContentType is the body's type: the stream's lines as paasctl logs
// prints them, one per line. (Heroku's application/logplex-1 is syslog
// frames instead.)
const httpContentType = "text/plain; charset=utf-8"

// httpSink POSTs batches of lines to an https:// (or local http://)
// destination. Heroku's Logplex-* headers tell the receiver how many lines
// a batch holds, which drain sent it, and which batch it is: a batch sent
// again after a failure keeps its frame ID, so receivers can drop repeats.
type httpSink struct {
	drainID string
	target  string        // the URL without its user and password
	user    *url.Userinfo // sent as basic auth
	shown   string
	client  *http.Client
	scratch bytes.Buffer
	ok      atomic.Bool // the last POST succeeded
}

func newHTTPSink(id string, u drainURL, cfg drainConfig) *httpSink {
	target := *u.u
	target.User = nil
	tr := http.DefaultTransport.(*http.Transport).Clone()
	if cfg.tlsConfig != nil {
		tr.TLSClientConfig = cfg.tlsConfig.Clone()
	}
	tr.MaxIdleConnsPerHost = 2
	// The drain dialer refuses addresses drains may not reach; a proxy
	// would reach them on the drain's behalf.
	tr.Proxy = nil
	tr.DialContext = drainDialer(cfg).DialContext
	return &httpSink{
		drainID: id,
		target:  target.String(),
		user:    u.u.User,
		shown:   u.shown,
		client: &http.Client{
			Transport: tr,
			Timeout:   cfg.writeTimeout,
			// A redirect would send the logs, and their credentials,
			// somewhere the user did not name.
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		},
	}
}

// connect does nothing: each batch is a request of its own.
func (s *httpSink) connect(context.Context) error { return nil }

func (s *httpSink) send(ctx context.Context, b *batch) error {
	s.scratch.Reset()
	for _, l := range b.lines {
		s.scratch.WriteString(l.String())
		s.scratch.WriteByte('\n')
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.target, bytes.NewReader(s.scratch.Bytes()))
	if err != nil {
		s.ok.Store(false)
		return fmt.Errorf("POST %s: %w", s.shown, err)
	}
	req.Header.Set("Content-Type", httpContentType)
	req.Header.Set("User-Agent", "paas-logplex")
	req.Header.Set("Logplex-Msg-Count", strconv.Itoa(len(b.lines)))
	req.Header.Set("Logplex-Frame-Id", b.id)
	req.Header.Set("Logplex-Drain-Token", s.drainID)
	if s.user != nil {
		pass, _ := s.user.Password()
		req.SetBasicAuth(s.user.Username(), pass)
	}
	resp, err := s.client.Do(req)
	if err != nil {
		s.ok.Store(false)
		// url.Error repeats the URL, query and all.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return fmt.Errorf("POST %s: %w", s.shown, err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10)) // lets the connection be reused
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		s.ok.Store(false)
		// Only the status code, never the body or the reason phrase: they
		// are the destination's words, and a drain pointed at an internal
		// page would copy its secrets into last_error and the logs.
		msg := fmt.Sprintf("POST %s: the collector answered %d", s.shown, resp.StatusCode)
		if text := http.StatusText(resp.StatusCode); text != "" {
			msg += " " + text
		}
		if resp.StatusCode >= 300 && resp.StatusCode < 400 {
			msg += " (drains do not follow redirects: use the URL it redirects to)"
		}
		return errors.New(msg)
	}
	s.ok.Store(true)
	return nil
}

func (s *httpSink) connected() bool { return s.ok.Load() }

func (s *httpSink) close() { s.client.CloseIdleConnections() }
