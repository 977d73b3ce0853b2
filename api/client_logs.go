package api

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// LogOptions select the lines Logs returns.
type LogOptions struct {
	Lines   int    // how many recent lines; 0 with Tail: only new ones
	Tail    bool   // keep streaming new lines until ctx ends
	Process string // "web" or "web.2"; empty: all
	Source  string // LogSourceApp, LogSourceRouter or LogSourcePaas; empty: all
	JSON    bool   // one JSON LogLine per line instead of text
	// Opened, if set, is called once the stream is open: from then on, a
	// tail misses no new line.
	Opened func()
}

// ErrLogStreamEnded is returned by Logs when a tail ends from the daemon's
// side: paasd stopped or the app was destroyed.
var ErrLogStreamEnded = errors.New("the log stream ended: paasd stopped or the app was destroyed")

// Logs copies app's log lines into w as they come. Without Tail it returns
// once the recent lines are written; with Tail it streams until ctx ends,
// without a time limit, and returns ctx's error.
func (c *Client) Logs(ctx context.Context, app string, opts LogOptions, w io.Writer) error {
	q := url.Values{}
	q.Set("n", strconv.Itoa(opts.Lines))
	if opts.Tail {
		q.Set("tail", "1")
	}
	if opts.Process != "" {
		q.Set("ps", opts.Process)
	}
	if opts.Source != "" {
		q.Set("source", opts.Source)
	}
	if opts.JSON {
		q.Set("format", "json")
	}
	path := AppPath(app) + "/logs"

	parent := ctx
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	// The answer must start within the timeout; a tail's body then has no
	// time limit, and a plain read of recent lines has the usual one.
	limit := time.AfterFunc(c.timeout, cancel)
	defer limit.Stop()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.baseURL+path+"?"+q.Encode(), nil)
	if err != nil {
		return fmt.Errorf("build GET %s request: %w", path, err)
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	if c.actor != "" {
		req.Header.Set(ActorHeader, c.actor)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		if parent.Err() == nil && ctx.Err() != nil {
			return fmt.Errorf("GET %s: no answer within %s: %w", path, c.timeout, err)
		}
		return fmt.Errorf("reach the API: %w", err)
	}
	defer resp.Body.Close()
	if opts.Tail {
		limit.Stop()
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return readError(resp)
	}
	if opts.Opened != nil {
		opts.Opened()
	}
	_, err = io.Copy(w, resp.Body)
	switch {
	case err != nil && parent.Err() != nil:
		return parent.Err()
	case err != nil && ctx.Err() != nil:
		return fmt.Errorf("GET %s: the log lines did not arrive within %s", path, c.timeout)
	case err != nil:
		return fmt.Errorf("GET %s: read the log lines: %w", path, err)
	case opts.Tail:
		return ErrLogStreamEnded
	}
	return nil
}
