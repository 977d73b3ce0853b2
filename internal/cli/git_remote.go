package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/paas-dev/paas/api"
)

// gitUsername is the user name git sends; the daemon only checks the password.
const gitUsername = "paas"

func newGitRemoteCommand(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "git:remote",
		Short: `Point the git remote "paas" of this repo at an app`,
		Long: `Add or update the git remote "paas" of the current repository so that
"git push paas main" deploys the app, and let git get the API token from
paasctl when it pushes. The token is never written into .git/config.`,
		Example: "  paasctl git:remote -a hello\n  git push paas main",
		GroupID: groupGit,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runGitRemote(cmd, g)
		},
	}
}

func runGitRemote(cmd *cobra.Command, g *globals) error {
	ctx := cmd.Context()
	if _, err := git(ctx, "rev-parse", "--git-dir"); err != nil {
		if errors.Is(err, errGitNotFound) {
			return err
		}
		return errors.New("not inside a git repository: cd into your app's repository, or create one with git init")
	}
	name, err := g.appName(ctx)
	if err != nil {
		return err
	}
	srv, err := loadServer()
	if err != nil {
		return err
	}
	// Checking first gives a clear error now instead of a failed push later.
	if _, err := srv.client().App(ctx, name); err != nil {
		return withHint(err, api.IDNotFound, "create it with paasctl apps:create "+name)
	}

	remoteURL := srv.url + "/git/" + name + ".git"
	if err := setRemote(ctx, remoteURL); err != nil {
		return err
	}
	if err := configureCredentialHelper(ctx, srv.url); err != nil {
		return err
	}
	fmt.Fprintf(cmd.OutOrStdout(), "Set git remote %s to %s\n", remoteName, remoteURL)
	return nil
}

func setRemote(ctx context.Context, remoteURL string) error {
	verb := "set-url"
	if _, err := git(ctx, "remote", "get-url", remoteName); err != nil {
		verb = "add"
	}
	if _, err := git(ctx, "remote", verb, remoteName, remoteURL); err != nil {
		return fmt.Errorf("set the git remote %s: %w", remoteName, err)
	}
	return nil
}

// configureCredentialHelper makes git ask this paasctl for the password of
// serverURL. The empty helper first drops helpers from the user's global
// config for this server, so a stale token a keychain stored cannot win.
func configureCredentialHelper(ctx context.Context, serverURL string) error {
	exe, err := os.Executable()
	if err != nil {
		return fmt.Errorf("configure git credentials: find paasctl's own path: %w", err)
	}
	if exe, err = filepath.Abs(exe); err != nil {
		return fmt.Errorf("configure git credentials: %w", err)
	}
	section := "credential." + serverURL
	// git runs a helper starting with "!" through the shell, hence the quoting.
	helper := "!" + shellQuote(exe) + " git:credential"

	var unset *gitError
	if _, err := git(ctx, "config", "--local", "--unset-all", section+".helper"); err != nil &&
		!(errors.As(err, &unset) && unset.exitCode == 5) { // 5: there was none
		return fmt.Errorf("configure git credentials: %w", err)
	}
	for _, args := range [][]string{
		{"config", "--local", "--add", section + ".helper", ""},
		{"config", "--local", "--add", section + ".helper", helper},
		{"config", "--local", section + ".username", gitUsername},
	} {
		if _, err := git(ctx, args...); err != nil {
			return fmt.Errorf("configure git credentials: %w", err)
		}
	}
	return nil
}

// shellQuote quotes s as one POSIX shell word.
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
