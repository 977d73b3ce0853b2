package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"time"
)

// DefaultAddr is where paasd serves the API and git unless PAAS_API_ADDR
// says otherwise, and so where paasctl looks unless PAAS_URL does.
const DefaultAddr = "127.0.0.1:7070"

// DefaultTimeout bounds a non-streaming call, from dialling to the end of the
// response body.
const DefaultTimeout = 30 * time.Second

// changeTimeout bounds a call that starts processes (config changes,
// rollbacks, scaling, restarts, new limits): the daemon answers once they
// run, which includes waiting for their health checks.
const changeTimeout = 10 * time.Minute

// maxErrorBody bounds how much of an error response is read into an Error.
const maxErrorBody = 64 << 10

// Client calls the REST API. It is safe for concurrent use.
type Client struct {
	baseURL       string
	token         string
	actor         string
	http          *http.Client
	timeout       time.Duration
	changeTimeout time.Duration
}

// NewClient returns a client for the API at baseURL (e.g.
// "http://127.0.0.1:7070") that authenticates with token.
func NewClient(baseURL, token string) *Client {
	return &Client{
		baseURL: strings.TrimRight(baseURL, "/"),
		token:   token,
		// No client-wide timeout: streaming calls must outlive it. Each
		// non-streaming call bounds itself with DefaultTimeout instead.
		http:          &http.Client{},
		timeout:       DefaultTimeout,
		changeTimeout: changeTimeout,
	}
}

// NewUnixClient returns a client for the API served on the unix socket at
// path, as a local paasd serves it in its data directory: only whoever may
// open the socket reaches it, so the token goes to paasd and nobody else.
func NewUnixClient(path, token string) *Client {
	c := NewClient("http://paasd", token)
	var d net.Dialer
	c.http = &http.Client{Transport: &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			return d.DialContext(ctx, "unix", path)
		},
	}}
	return c
}

// SetActor names who uses the client, e.g. "ada@laptop via paasctl"; the
// daemon records it on the releases the client's calls create. It keeps the
// printable ASCII of a, at most 100 characters; with none, requests name no
// actor and the daemon records "api". Call it before sharing the client.
func (c *Client) SetActor(a string) { c.actor = SanitizeActor(a) }

// SetTimeout sets how long a call that does not stream may take, from
// dialling to the end of the response (DefaultTimeout unless set). Call it
// before sharing the client.
func (c *Client) SetTimeout(d time.Duration) { c.timeout = d }

// do sends a JSON request and decodes a 2xx JSON response into out (if not
// nil). A non-2xx response is returned as *Error.
func (c *Client) do(ctx context.Context, method, path string, in, out any) error {
	return c.doWithin(ctx, c.timeout, method, path, in, out)
}

// doWithin is do with a timeout of its own.
func (c *Client) doWithin(ctx context.Context, timeout time.Duration, method, path string, in, out any) error {
	_, err := c.doResponse(ctx, timeout, method, path, nil, in, out)
	return err
}

// doResponse is doWithin with headers of the request's own (extra, may be
// nil), that also returns the response's headers.
func (c *Client) doResponse(ctx context.Context, timeout time.Duration, method, path string, extra http.Header, in, out any) (http.Header, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return nil, fmt.Errorf("encode %s %s request: %w", method, path, err)
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.baseURL+path, body)
	if err != nil {
		return nil, fmt.Errorf("build %s %s request: %w", method, path, err)
	}
	c.setHeaders(req, in != nil)
	for k, v := range extra {
		req.Header[k] = v
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, fmt.Errorf("reach the API: %w", err)
	}
	defer resp.Body.Close()

	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return nil, readError(resp)
	}
	if out == nil {
		_, _ = io.Copy(io.Discard, resp.Body)
		return resp.Header, nil
	}
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
		return nil, fmt.Errorf("%s %s: decode response: %w", method, path, err)
	}
	return resp.Header, nil
}

// stream copies the body of GET path into w: the answer must start within
// the client's timeout, and its body then has none.
func (c *Client) stream(ctx context.Context, path string, w io.Writer) error {
	parent := ctx
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	limit := time.AfterFunc(c.timeout, cancel)
	defer limit.Stop()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.baseURL+path, nil)
	if err != nil {
		return fmt.Errorf("build GET %s request: %w", path, err)
	}
	c.setHeaders(req, false)
	resp, err := c.http.Do(req)
	if err != nil {
		if parent.Err() == nil && ctx.Err() != nil {
			return fmt.Errorf("GET %s: no answer within %s: %w", path, c.timeout, err)
		}
		return fmt.Errorf("reach the API: %w", err)
	}
	defer resp.Body.Close()
	limit.Stop()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return readError(resp)
	}
	_, err = io.Copy(w, resp.Body)
	return err
}

// maxListPages bounds how many pages listAll follows, against a server
// whose Next-Range never ends.
const maxListPages = 1000

// listAll gets every item of a list route, starting with the Range header
// first and following Next-Range until the list is whole.
func listAll[T any](ctx context.Context, c *Client, path, first string) ([]T, error) {
	all := []T{} // an empty list, never nil
	next := first
	for range maxListPages {
		var page []T
		h, err := c.doResponse(ctx, c.timeout, http.MethodGet, path, http.Header{"Range": {next}}, nil, &page)
		if err != nil {
			return nil, err
		}
		all = append(all, page...)
		next = h.Get("Next-Range")
		if next == "" {
			return all, nil
		}
	}
	return nil, fmt.Errorf("GET %s: the list did not end after %d pages", path, maxListPages)
}

// setHeaders adds what every request carries: the token, the actor, and
// the JSON content types.
func (c *Client) setHeaders(req *http.Request, hasBody bool) {
	req.Header.Set("Accept", "application/json")
	if hasBody {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	if c.actor != "" {
		req.Header.Set(ActorHeader, c.actor)
	}
}

// readError turns an error response into *Error. A body that is not our JSON
// (a proxy's HTML page, a plain-text panic) still becomes a readable Error.
func readError(resp *http.Response) *Error {
	b, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
	var e Error
	if err := json.Unmarshal(b, &e); err != nil || e.Message == "" {
		e = Error{ID: IDForStatus(resp.StatusCode), Message: statusMessage(resp, b)}
	}
	if e.ID == "" {
		e.ID = IDForStatus(resp.StatusCode)
	}
	e.StatusCode = resp.StatusCode
	return &e
}

func statusMessage(resp *http.Response, body []byte) string {
	msg := fmt.Sprintf("%s %s: server answered %s", resp.Request.Method, resp.Request.URL.Path, resp.Status)
	if text := strings.TrimSpace(string(body)); text != "" {
		const maxText = 500
		if len(text) > maxText {
			text = text[:maxText] + "..."
		}
		msg += ": " + text
	}
	return msg
}

// IsNotFound reports whether err is an API error with ID not_found.
func IsNotFound(err error) bool {
	var e *Error
	return errors.As(err, &e) && e.ID == IDNotFound
}
