package api

import "context"

// LocalPath is served only on paasd's local socket: the address of its TCP
// API listener, so that a local client can tell paasd listens there before
// it hands git the daemon's token for that address.
const LocalPath = "/local"

// Local is what LocalPath answers.
type Local struct {
	APIAddr string `json:"api_addr"` // "127.0.0.1:7070"
}

// Local asks a daemon reached through its local socket where its TCP API
// listens.
func (c *Client) Local(ctx context.Context) (Local, error) {
	var l Local
	err := c.do(ctx, "GET", LocalPath, nil, &l)
	return l, err
}
