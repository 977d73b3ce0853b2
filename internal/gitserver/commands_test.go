package gitserver

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/go-git/go-git/v5/plumbing/format/pktline"
)

// commandsBody is a receive-pack request naming n tags, or main for n = 0,
// then pack.
func commandsBody(t testing.TB, n int, pack []byte) []byte {
	var buf bytes.Buffer
	enc := pktline.NewEncoder(&buf)
	zero, one := strings.Repeat("0", 40), strings.Repeat("1", 40)
	if n == 0 {
		if err := enc.EncodeString(zero + " " + one + " refs/heads/main\x00report-status side-band-64k\n"); err != nil {
			t.Fatal(err)
		}
	}
	for i := range n {
		line := fmt.Sprintf("%s %s refs/tags/t%06d", zero, one, i)
		if i == 0 {
			line += "\x00report-status side-band-64k"
		}
		if err := enc.EncodeString(line + "\n"); err != nil {
			t.Fatal(err)
		}
	}
	if err := enc.Flush(); err != nil {
		t.Fatal(err)
	}
	buf.Write(pack)
	return buf.Bytes()
}

func postReceivePack(ts *testServer, app string, body io.Reader) (*http.Response, error) {
	req, err := http.NewRequest(http.MethodPost, ts.remote(app)+"/git-receive-pack", body)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/x-git-receive-pack-request")
	return http.DefaultClient.Do(req)
}

// A push naming a hundred thousand refs is refused once its commands pass
// the bound, before they are all read into memory.
func TestPushWithTooManyCommandsIsRefused(t *testing.T) {
	ts := newTestServer(t, fakeApps{"myapp": true})
	resp, err := postReceivePack(ts, "myapp", bytes.NewReader(commandsBody(t, 100_000, nil)))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusRequestEntityTooLarge || !strings.Contains(string(body), "names too many refs") {
		t.Errorf("100000 commands: %s %s", resp.Status, body)
	}
}

// Only so many pushes write their packs to disk at once; the others wait.
func TestPacksSpooledAtOnceAreBounded(t *testing.T) {
	ts := newTestServer(t, fakeApps{"myapp": true})
	head := commandsBody(t, 0, []byte("PACK\x00\x00\x00\x02\x00\x00\x00\x05")) // a pack that never ends
	var stalled []*io.PipeWriter
	for range maxSpooling + 1 {
		pr, pw := io.Pipe()
		stalled = append(stalled, pw)
		go func() {
			resp, err := postReceivePack(ts, "myapp", pr)
			if err == nil {
				resp.Body.Close()
			}
		}()
		go func() { _, _ = pw.Write(head) }()
	}
	defer func() {
		for _, pw := range stalled {
			pw.CloseWithError(io.ErrUnexpectedEOF)
		}
	}()
	deadline := time.Now().Add(20 * time.Second)
	for len(ts.git.spooling) < maxSpooling {
		if time.Now().After(deadline) {
			t.Fatalf("%d packs spooling, want %d", len(ts.git.spooling), maxSpooling)
		}
		time.Sleep(10 * time.Millisecond) // polling a condition, with a deadline
	}
	// The fifth waits for a place, and takes the one a finished push leaves.
	stalled[0].CloseWithError(io.ErrUnexpectedEOF)
	for ts.posts.Load() < int32(maxSpooling+1) || len(ts.git.spooling) < maxSpooling {
		if time.Now().After(deadline) {
			t.Fatalf("%d packs spooling after one push ended, want %d again", len(ts.git.spooling), maxSpooling)
		}
		time.Sleep(10 * time.Millisecond) // polling a condition, with a deadline
	}
}
