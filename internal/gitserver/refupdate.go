package gitserver

import (
	"errors"
	"fmt"

	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/protocol/packp"
)

// Deploy branches: a push to either deploys.
const (
	branchMain   = plumbing.ReferenceName("refs/heads/main")
	branchMaster = plumbing.ReferenceName("refs/heads/master")
)

// checkCommands applies the push policy: exactly one update of main or master
// deploys; every other command is refused with what to do instead. It returns
// a refusal reason per command ("" for the deploying one) and the index of
// the deploying command, or -1.
func checkCommands(cmds []*packp.Command) (reasons []string, deploy int) {
	deployRefs := 0
	for _, c := range cmds {
		if isDeployBranch(c.Name) {
			deployRefs++
		}
	}
	reasons = make([]string, len(cmds))
	deploy = -1
	for i, c := range cmds {
		switch {
		case !isDeployBranch(c.Name):
			reasons[i] = "only main or master deploy: git push paas HEAD:main"
		case deployRefs > 1:
			reasons[i] = "push main or master, not both: git push paas HEAD:main"
		case c.Action() == packp.Delete:
			reasons[i] = "deleting the deploy branch is not supported: to remove the app, use paasctl apps:destroy"
		default:
			deploy = i
		}
	}
	return reasons, deploy
}

func isDeployBranch(n plumbing.ReferenceName) bool {
	return n == branchMain || n == branchMaster
}

// refMoved reports whether the ref no longer holds the old value the pusher
// saw: another push got there first.
func refMoved(repo *git.Repository, cmd *packp.Command) (bool, error) {
	ref, err := repo.Storer.Reference(cmd.Name)
	if errors.Is(err, plumbing.ErrReferenceNotFound) {
		return !cmd.Old.IsZero(), nil
	}
	if err != nil {
		return false, fmt.Errorf("read %s: %w", cmd.Name, err)
	}
	return ref.Hash() != cmd.Old, nil
}

// setDeployRef moves the branch to the deployed commit and, in a new
// repository, points HEAD at it (go-git's init points HEAD at master).
func setDeployRef(repo *git.Repository, cmd *packp.Command) error {
	var old *plumbing.Reference
	if !cmd.Old.IsZero() {
		old = plumbing.NewHashReference(cmd.Name, cmd.Old)
	}
	if err := repo.Storer.CheckAndSetReference(plumbing.NewHashReference(cmd.Name, cmd.New), old); err != nil {
		return fmt.Errorf("set %s: %w", cmd.Name, err)
	}
	head, err := repo.Storer.Reference(plumbing.HEAD)
	if err != nil || head.Type() != plumbing.SymbolicReference || head.Target() == cmd.Name {
		return nil
	}
	if _, err := repo.Storer.Reference(head.Target()); !errors.Is(err, plumbing.ErrReferenceNotFound) {
		return nil
	}
	if err := repo.Storer.SetReference(plumbing.NewSymbolicReference(plumbing.HEAD, cmd.Name)); err != nil {
		return fmt.Errorf("point HEAD at %s: %w", cmd.Name, err)
	}
	return nil
}
