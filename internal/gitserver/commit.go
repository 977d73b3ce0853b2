package gitserver

import (
	"github.com/paas-dev/paas/internal/builder"

	"errors"
	"fmt"

	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
)

// ErrNoCommit is Commit's answer for a commit the app's repository lacks.
var ErrNoCommit = errors.New("commit not in the app's repository")

// Commit is the app's commit hash, as a Push to read files from (it is not
// deployed): for what paas makes of a deployed tree, such as the Dockerfile
// it generates.
func (g *Server) Commit(app, hash string) (builder.Push, error) {
	if !plumbing.IsHash(hash) {
		return builder.Push{}, fmt.Errorf("read commit %q of %s: %w", hash, app, ErrNoCommit)
	}
	repo, err := g.openRepo(app)
	if errors.Is(err, git.ErrRepositoryNotExists) {
		return builder.Push{}, fmt.Errorf("read commit %s of %s: %w (nothing was pushed)", hash, app, ErrNoCommit)
	}
	if err != nil {
		return builder.Push{}, fmt.Errorf("read commit %s of %s: %w", hash, app, err)
	}
	if _, err := repo.CommitObject(plumbing.NewHash(hash)); err != nil {
		return builder.Push{}, fmt.Errorf("read commit %s of %s: %w", hash, app, ErrNoCommit)
	}
	limits := g.Limits()
	return builder.Push{App: app, Commit: hash, Repo: repo, MaxContextBytes: limits.MaxContextBytes, MaxContextFiles: limits.MaxContextFiles}, nil
}
