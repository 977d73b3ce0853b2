package gitserver

import (
	"github.com/paas-dev/paas/internal/builder"

	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
)

// sourceBuildsRef prefixes the refs that keep the commits of source builds,
// one per deployed build: outside refs/heads, so that main and master stay
// the user's, and their next push still fast-forwards.
const sourceBuildsRef = "refs/paas/builds/"

// DeploySource builds and releases the files of a gzip-compressed tar archive
// (the Platform API's source blob) as a git push of that tree would. The files
// become one commit, with no parent, in a quarantine of the app's repository
// (created if the app never had a push); the deployer gets it as a Push whose
// Branch is "", under the same per-app lock as pushes. Only if the deploy
// succeeds are the objects kept, and the commit named by
// refs/paas/builds/<commit>; main and master never move.
//
// version, the blob's version as the client gave it ("" for none), goes
// into the commit message; buildRun, the deployer's id of the build, goes in
// the Push. Progress goes to out. commit is the commit made of
// the archive, "" if none could be made; it stays in the repository only when
// err is nil. An archive refused for what it holds gives an error wrapping
// ErrInvalidSource (and ErrContextTooLarge when over a limit), whose message
// says what to do; a failed deploy gives the deployer's error.
func (g *Server) DeploySource(ctx context.Context, app, appID, buildRun string, tgz io.Reader, version string, out io.Writer) (commit string, err error) {
	limits := g.Limits()
	repo, q, hash, err := g.receiveSource(ctx, app, tgz, sourceMessage(version), limits)
	if err != nil {
		if errors.Is(err, ErrInvalidSource) {
			g.log.Info("source blob refused", "app", app, "reason", err)
		}
		return "", err
	}
	defer q.discard() // unless the deploy accepted the build's objects
	commit = hash.String()

	unlock, err := g.lockApp(ctx, app, func() { fmt.Fprintf(out, "Waiting for another deploy of %s to finish...\n", app) })
	if err != nil {
		return commit, err
	}
	defer unlock()

	push := builder.Push{App: app, AppID: appID, BuildRun: buildRun, Commit: commit, Repo: repo,
		MaxContextBytes: limits.MaxContextBytes, MaxContextFiles: limits.MaxContextFiles}
	g.log.Info("deploying source blob", "app", app, "version", version, "commit", commit)
	if err := g.deployer.Deploy(ctx, push, out); err != nil {
		g.log.Warn("deploy failed", "app", app, "commit", commit, "err", err)
		return commit, fmt.Errorf("deploy the source blob: %w", err)
	}
	if err := q.accept(); err != nil {
		g.log.Error("accept the objects of a source build", "app", app, "err", err)
		return commit, fmt.Errorf("deployed, but keep the build's files on the server: %w", err)
	}
	ref := plumbing.NewHashReference(plumbing.ReferenceName(sourceBuildsRef+commit), hash)
	if err := repo.Storer.SetReference(ref); err != nil {
		g.log.Error("set the ref of a source build", "app", app, "ref", ref.Name(), "err", err)
		return commit, fmt.Errorf("deployed, but set %s on the server: %w", ref.Name(), err)
	}
	g.log.Info("source blob deployed", "app", app, "commit", commit)
	return commit, nil
}

// receiveSource writes the archive's files as a commit into a new quarantine
// of the app's repository, and returns the repository as the build sees it.
// On error nothing is left of the quarantine.
func (g *Server) receiveSource(ctx context.Context, app string, tgz io.Reader, message string, limits Options) (*git.Repository, *quarantine, plumbing.Hash, error) {
	dir, err := g.repoDir(app)
	if err != nil {
		return nil, nil, plumbing.ZeroHash, err
	}
	// Like a push's spooled pack, an archive may write MaxContextBytes to
	// disk: it counts among the pushes received at once.
	select {
	case g.spooling <- struct{}{}:
		defer func() { <-g.spooling }()
	case <-ctx.Done():
		return nil, nil, plumbing.ZeroHash, fmt.Errorf("wait for other pushes to be received: %w", ctx.Err())
	}
	// The repository is made before the archive is read, as for a first
	// push: the quarantine lives in it. An empty repository is what an app
	// without pushes has in effect, so a refused archive changes nothing.
	repo, err := g.openOrInitRepo(app)
	if err != nil {
		return nil, nil, plumbing.ZeroHash, err
	}
	q, err := newQuarantine(dir)
	if err != nil {
		return nil, nil, plumbing.ZeroHash, err
	}
	hash, err := writeSource(ctx, q, tgz, message, limits)
	if err != nil {
		q.discard()
		return nil, nil, plumbing.ZeroHash, err
	}
	seen, err := q.open(repo)
	if err != nil {
		q.discard()
		return nil, nil, plumbing.ZeroHash, fmt.Errorf("open the repository of %s: %w", app, err)
	}
	return seen, q, hash, nil
}

// sourceMessage is the commit message of a source build. The version comes
// from the client: it is kept to one printable line.
func sourceMessage(version string) string {
	version = oneLine(strings.ToValidUTF8(strings.ReplaceAll(version, "\x00", ""), "\uFFFD"))
	if version == "" {
		return "Build of source blob\n"
	}
	return "Build of source blob " + version + "\n"
}
