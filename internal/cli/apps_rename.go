package cli

import (
	"context"
	"fmt"
	"net/url"

	"github.com/spf13/cobra"

	"github.com/paas-dev/paas/api"
)

type appsRenameOptions struct {
	json bool
}

// newAppsRenameCommand renames an app, as Heroku's apps:rename does,
// updating this repository's git remote when it points at the app.
func newAppsRenameCommand(g *globals) *cobra.Command {
	var opts appsRenameOptions
	cmd := &cobra.Command{
		Use:   "apps:rename NEWNAME",
		Short: "Rename an app",
		Long: `Give an app a new name. It keeps its id, releases, config, scale, domains,
logs and drains; its host name and git URL become the new name's, and the old
ones stop answering. Its processes restart under the new name (a brief
interruption). The git remote "paas" of the current repository is updated if
it points at the app; update other checkouts with paasctl git:remote.`,
		Example: "  paasctl apps:rename world -a hello",
		GroupID: groupApps,
		Args:    exactArgs("NEWNAME"),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runAppsRename(cmd, g, args[0], &opts)
		},
	}
	cmd.Flags().BoolVar(&opts.json, "json", false, "print the renamed app as JSON")
	return cmd
}

func runAppsRename(cmd *cobra.Command, g *globals, newName string, opts *appsRenameOptions) error {
	ctx := cmd.Context()
	name, err := g.appName(ctx)
	if err != nil {
		return err
	}
	srv, err := loadServer()
	if err != nil {
		return err
	}
	out := cmd.OutOrStdout()
	if !opts.json {
		fmt.Fprintf(out, "Renaming %s to %s... ", name, newName)
	}
	app, err := srv.client().UpdateApp(ctx, name, api.AppUpdate{Name: &newName})
	if err != nil {
		if !opts.json {
			fmt.Fprintln(out, "failed")
		}
		return withHint(withHint(err, api.IDNotFound, hintListApps), api.IDConflict, "choose another name, or wait for the push under way and run this again")
	}
	remoteNote := updateRenamedRemote(ctx, name, app.Name)
	if opts.json {
		return printJSON(out, app)
	}
	fmt.Fprintln(out, "done")
	fmt.Fprintf(out, "%s | %s\n", app.WebURL, app.GitURL)
	fmt.Fprintln(out, remoteNote)
	return nil
}

// updateRenamedRemote points this repository's remote "paas" at the new
// name if it pointed at the old one, and says what it did. Only the name in
// the remote's path changes: its host is the user's choice.
func updateRenamedRemote(ctx context.Context, old, new string) string {
	remote, err := git(ctx, "remote", "get-url", remoteName)
	if err != nil {
		return "Update the git remote of each checkout with: paasctl git:remote -a " + new
	}
	u, perr := url.Parse(remote)
	if app, ok := appFromGitURL(remote); !ok || app != old || perr != nil {
		return "Update the git remote of each checkout of " + new + " with: paasctl git:remote -a " + new
	}
	u.Path = gitPathApp.ReplaceAllLiteralString(u.Path, "/git/"+new+".git")
	if err := setRemote(ctx, u.String()); err != nil {
		return fmt.Sprintf("Could not update the git remote %s (%v): run paasctl git:remote -a %s", remoteName, err, new)
	}
	return "Git remote " + remoteName + " updated; update other checkouts with: paasctl git:remote -a " + new
}
