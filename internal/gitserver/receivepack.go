package gitserver

import (
	"github.com/paas-dev/paas/internal/builder"

	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing/protocol/packp"
	"github.com/go-git/go-git/v5/plumbing/protocol/packp/capability"
	"github.com/gorilla/mux"

	"github.com/paas-dev/paas/internal/releases"
)

// receivePack answers POST /git/{app}.git/git-receive-pack: it stores the
// pushed objects, deploys the pushed main or master, and only then moves the
// branch, so a failed deploy leaves the repository as it was.
func (g *Server) receivePack(w http.ResponseWriter, r *http.Request) {
	app := mux.Vars(r)["app"]
	if err := releases.ValidateAppName(app); err != nil {
		http.Error(w, "repository not found: "+err.Error(), http.StatusNotFound)
		return
	}
	ctx := r.Context()
	appID, err := g.apps.AppID(ctx, app)
	if err != nil {
		g.log.Error("look up app for git push", "app", app, "err", err)
		http.Error(w, "look up app: internal error", http.StatusInternalServerError)
		return
	}
	if appID == "" {
		http.Error(w, fmt.Sprintf("app not found: %s (create it with: paasctl apps:create %s)", app, app), http.StatusNotFound)
		return
	}

	limits := g.Limits()
	rawBody := r.Body
	r.Body = http.MaxBytesReader(w, rawBody, limits.MaxPushBytes)
	body, err := requestBody(r, limits.MaxPushBytes)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	defer body.Close()
	in := bufio.NewReader(body)
	if isProbe(in) {
		// git sends this before a body larger than http.postBuffer, to
		// check that it will not have to resend a streamed request.
		return
	}
	disableDeadlines(w)
	req, sideBand, err := decodeUpdateRequest(in)
	if err != nil {
		if errors.Is(err, errTooManyCommands) {
			http.Error(w, err.Error(), http.StatusRequestEntityTooLarge)
			return
		}
		if rf := pushRefusal(err, limits); rf != nil {
			http.Error(w, rf.Error(), http.StatusRequestEntityTooLarge)
			return
		}
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}

	reasons, deploy := checkCommands(req.Commands)
	unpackStatus := "ok"
	var refused *refusal
	var repo *git.Repository
	var q *quarantine
	if deploy >= 0 {
		if repo, q, err = g.receiveObjects(ctx, app, in, limits); err != nil {
			if refused = pushRefusal(err, limits); refused != nil {
				// Refused like a pre-receive hook declines: git then shows
				// the reason once, on the ref.
				g.log.Info("push refused", "app", app, "reason", refused.msg)
				reasons[deploy] = oneLine(refused.msg)
			} else {
				g.log.Warn("receive pushed objects", "app", app, "err", err)
				unpackStatus = oneLine(err.Error())
				reasons[deploy] = "unpacker error"
			}
		}
	}
	// Reading the body to its end lets the server notice a pusher that goes
	// away, which cancels ctx and with it the deploy.
	if _, err := io.Copy(io.Discard, in); pushRefusal(err, limits) != nil {
		// Past MaxPushBytes. git reads the reply only once it has sent its
		// whole request (else it shows the side-band lines, then fails on
		// the rest of the pack, sent as a new request): read on, discarding,
		// up to the limit again. Beyond that the connection is closed.
		_, _ = io.CopyN(io.Discard, rawBody, limits.MaxPushBytes)
	}

	if q != nil {
		defer q.discard() // unless the deploy accepted the push's objects
	}
	reply := newPushReply(w, sideBand, g.log)
	if refused != nil {
		reply.Rejected(refused.msg)
	}
	if deploy >= 0 && repo != nil {
		reasons[deploy] = g.deploy(ctx, app, appID, repo, q, req.Commands[deploy], reply)
	}
	if err := reply.Report(reportStatus(unpackStatus, req.Commands, reasons)); err != nil {
		g.log.Warn("send push report", "app", app, "err", err)
	}
}

// disableDeadlines lifts the server's timeouts, sized for API calls, since a
// push waits for a build that takes minutes.
func disableDeadlines(w http.ResponseWriter) {
	rc := http.NewResponseController(w)
	_ = rc.SetReadDeadline(time.Time{})
	_ = rc.SetWriteDeadline(time.Time{})
}

// errTooManyCommands refuses a push whose commands are over maxCommandBytes.
var errTooManyCommands = fmt.Errorf("the push names too many refs (over %s of commands): push fewer tags or branches at once", builder.FormatSize(maxCommandBytes))

// decodeUpdateRequest reads the push commands, at most maxCommandBytes of
// them, leaving in at the packfile, and reports whether the client asked for
// side-band-64k.
func decodeUpdateRequest(in io.Reader) (*packp.ReferenceUpdateRequest, bool, error) {
	req := packp.NewReferenceUpdateRequest()
	bounded := &boundedReader{r: in, left: maxCommandBytes}
	if err := req.Decode(bounded); err != nil {
		if bounded.left <= 0 {
			return nil, false, errTooManyCommands
		}
		return nil, false, fmt.Errorf("read push commands: %w", err)
	}
	// advertise offers side-band-64k; pushReply implements it.
	return req, req.Capabilities.Supports(capability.Sideband64k), nil
}

// reportStatus tells git the fate of each command: "ok", or the reason it was
// refused.
func reportStatus(unpackStatus string, cmds []*packp.Command, reasons []string) *packp.ReportStatus {
	rs := packp.NewReportStatus()
	rs.UnpackStatus = unpackStatus
	for i, cmd := range cmds {
		status := "ok"
		if reasons[i] != "" {
			status = reasons[i]
		}
		rs.CommandStatuses = append(rs.CommandStatuses, &packp.CommandStatus{ReferenceName: cmd.Name, Status: status})
	}
	return rs
}

// deploy runs the deployer for cmd and moves the branch when it succeeds. It
// returns the reason the ref was not updated, "" when it was.
func (g *Server) deploy(ctx context.Context, app, appID string, repo *git.Repository, q *quarantine, cmd *packp.Command, reply *pushReply) string {
	unlock, err := g.lockApp(ctx, app, func() { reply.Printf("Waiting for another push to %s to finish...", app) })
	if err != nil {
		return "push cancelled while waiting for another push"
	}
	defer unlock()

	branch := cmd.Name.Short()
	if moved, err := refMoved(repo, cmd); err != nil {
		g.log.Error("read ref", "app", app, "ref", cmd.Name, "err", err)
		return "cannot read " + branch + " on the server (see the paasd log)"
	} else if moved {
		return "fetch first: another push updated " + branch + " meanwhile; push again"
	}
	if _, err := repo.CommitObject(cmd.New); err != nil {
		return fmt.Sprintf("%s is not a commit: only commits deploy", cmd.New)
	}

	limits := g.Limits()
	push := builder.Push{App: app, AppID: appID, Branch: branch, Commit: cmd.New.String(), Repo: repo,
		MaxContextBytes: limits.MaxContextBytes, MaxContextFiles: limits.MaxContextFiles}
	g.log.Info("deploying push", "app", app, "branch", branch, "commit", push.Commit)
	if err := g.deployer.Deploy(ctx, push, reply); err != nil {
		g.log.Warn("deploy failed", "app", app, "commit", push.Commit, "err", err)
		reply.Rejected(err.Error())
		reply.Rejected("Push rejected: " + branch + " was not updated.")
		return oneLine(err.Error())
	}
	if q != nil {
		if err := q.accept(); err != nil {
			g.log.Error("accept pushed objects", "app", app, "err", err)
			return "deployed, but the pushed objects could not be kept on the server (see the paasd log)"
		}
	}
	if err := setDeployRef(repo, cmd); err != nil {
		g.log.Error("update ref after deploy", "app", app, "ref", cmd.Name, "err", err)
		return "deployed, but " + branch + " could not be updated on the server (see the paasd log)"
	}
	g.log.Info("push deployed", "app", app, "branch", branch, "commit", push.Commit)
	return ""
}

// boundedReader reads at most left bytes from r, then reports EOF.
type boundedReader struct {
	r    io.Reader
	left int64
}

func (b *boundedReader) Read(p []byte) (int, error) {
	if b.left <= 0 {
		return 0, io.EOF
	}
	if int64(len(p)) > b.left {
		p = p[:b.left]
	}
	n, err := b.r.Read(p)
	b.left -= int64(n)
	return n, err
}

// requestBody undoes the gzip git applies to request bodies that fit its
// post buffer, capping what it inflates to limit bytes: a small gzip body can
// inflate to far more.
func requestBody(r *http.Request, limit int64) (io.ReadCloser, error) {
	if r.Header.Get("Content-Encoding") != "gzip" {
		return r.Body, nil
	}
	zr, err := gzip.NewReader(r.Body)
	if err != nil {
		return nil, fmt.Errorf("read gzip request body: %w", err)
	}
	return struct {
		io.Reader
		io.Closer
	}{&cappedReader{r: zr, left: limit}, zr}, nil
}

// isProbe reports whether the body is only a flush-pkt.
func isProbe(in *bufio.Reader) bool {
	b, err := in.Peek(5)
	return errors.Is(err, io.EOF) && bytes.Equal(b, []byte("0000"))
}

// oneLine fits a message into one report-status line.
func oneLine(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	const limit = 300
	if r := []rune(s); len(r) > limit {
		s = string(r[:limit]) + "..."
	}
	return s
}
