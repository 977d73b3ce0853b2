package gitserver

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing/format/pktline"
	"github.com/go-git/go-git/v5/plumbing/protocol/packp"
	"github.com/go-git/go-git/v5/plumbing/protocol/packp/capability"
	"github.com/go-git/go-git/v5/plumbing/storer"
	"github.com/go-git/go-git/v5/plumbing/transport"
	"github.com/go-git/go-git/v5/plumbing/transport/server"
	"github.com/go-git/go-git/v5/storage/memory"
	"github.com/gorilla/mux"

	"github.com/paas-dev/paas/internal/releases"
)

const (
	receivePackService = "git-receive-pack"
	uploadPackService  = "git-upload-pack"
	errNoFetch         = "clone and fetch are not supported: paas only receives pushes (git push paas main)"
)

// infoRefs answers GET /git/{app}.git/info/refs?service=git-receive-pack
// with the refs advertisement that starts a push.
func (g *Server) infoRefs(w http.ResponseWriter, r *http.Request) {
	app := mux.Vars(r)["app"]
	if err := releases.ValidateAppName(app); err != nil {
		http.Error(w, "repository not found: "+err.Error(), http.StatusNotFound)
		return
	}
	switch svc := r.URL.Query().Get("service"); svc {
	case receivePackService:
	case uploadPackService:
		writeServiceError(w, uploadPackService, errNoFetch)
		return
	case "":
		http.Error(w, "dumb HTTP is not supported: push with git's smart HTTP protocol (git push)", http.StatusForbidden)
		return
	default:
		http.Error(w, fmt.Sprintf("unsupported git service %q: paas only serves %s", svc, receivePackService), http.StatusForbidden)
		return
	}

	ok, err := g.apps.AppExists(r.Context(), app)
	if err != nil {
		g.log.Error("look up app for git push", "app", app, "err", err)
		http.Error(w, "look up app: internal error", http.StatusInternalServerError)
		return
	}
	if !ok {
		writeServiceError(w, receivePackService, fmt.Sprintf("app not found: %s (create it with: paasctl apps:create %s)", app, app))
		return
	}

	ar, err := g.advertise(r.Context(), app)
	if err != nil {
		g.log.Error("advertise refs", "app", app, "err", err)
		http.Error(w, "advertise refs: internal error", http.StatusInternalServerError)
		return
	}
	setServiceHeaders(w, receivePackService, "advertisement")
	if err := ar.Encode(w); err != nil {
		g.log.Warn("write refs advertisement", "app", app, "err", err)
	}
}

// uploadPack refuses fetches that skipped info/refs.
func (g *Server) uploadPack(w http.ResponseWriter, r *http.Request) {
	http.Error(w, errNoFetch, http.StatusForbidden)
}

// advertise lists the app's refs with go-git's receive-pack session and adds
// side-band-64k, which go-git does not offer but the receive flow implements,
// so git shows the deploy's progress as "remote:" lines.
func (g *Server) advertise(ctx context.Context, app string) (*packp.AdvRefs, error) {
	var sto storer.Storer
	repo, err := g.openRepo(app)
	switch {
	case errors.Is(err, git.ErrRepositoryNotExists):
		sto = memory.NewStorage() // first push: nothing to advertise yet
	case err != nil:
		return nil, fmt.Errorf("open repository of %s: %w", app, err)
	default:
		sto = repo.Storer
	}
	sess, err := server.NewServer(storerLoader{sto}).NewReceivePackSession(&transport.Endpoint{Path: "/" + app + ".git"}, nil)
	if err != nil {
		return nil, fmt.Errorf("start receive-pack session: %w", err)
	}
	ar, err := sess.AdvertisedReferencesContext(ctx)
	if err != nil {
		return nil, fmt.Errorf("list refs: %w", err)
	}
	// git's own receive-pack does not advertise HEAD; go-git does.
	ar.Head = nil
	if err := ar.Capabilities.Add(capability.Sideband64k); err != nil {
		return nil, fmt.Errorf("add side-band-64k: %w", err)
	}
	ar.Prefix = [][]byte{[]byte("# service=" + receivePackService), pktline.Flush}
	return ar, nil
}

// writeServiceError answers a smart-HTTP discovery with an ERR packet, which
// git prints as "fatal: remote error: <msg>"; an HTTP error status would only
// show as a generic "repository not found".
func writeServiceError(w http.ResponseWriter, service, msg string) {
	setServiceHeaders(w, service, "advertisement")
	e := pktline.NewEncoder(w)
	_ = e.EncodeString("# service=" + service + "\n")
	_ = e.Flush()
	_ = e.EncodeString("ERR " + msg + "\n")
}

func setServiceHeaders(w http.ResponseWriter, service, kind string) {
	w.Header().Set("Content-Type", "application/x-"+service+"-"+kind)
	w.Header().Set("Cache-Control", "no-cache")
}

// storerLoader hands go-git's server the repository the handler already
// opened, rather than letting it build a path from the URL.
type storerLoader struct{ s storer.Storer }

func (l storerLoader) Load(*transport.Endpoint) (storer.Storer, error) { return l.s, nil }
