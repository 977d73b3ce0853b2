package cli

import (
	"context"
	"strings"
	"time"

	"github.com/spf13/cobra"
)

// completionTimeout keeps a shell's tab key from hanging on a daemon that
// does not answer: no suggestions is better than a frozen prompt.
const completionTimeout = 2 * time.Second

// enableCompletion adds `paasctl completion bash|zsh|fish|powershell`
// (cobra's scripts, which call paasctl's hidden __complete command) and
// completes -a/--app with the daemon's app names.
func enableCompletion(root *cobra.Command) {
	root.CompletionOptions = cobra.CompletionOptions{}
	root.SetCompletionCommandGroupID(groupOther)
	_ = root.RegisterFlagCompletionFunc("app", completeAppNames)
}

// completeAppNames lists the apps whose names start with what was typed.
// Errors mean no suggestions: the shell has nowhere to show them.
func completeAppNames(cmd *cobra.Command, _ []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
	srv, err := loadServer()
	if err != nil {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	ctx, cancel := context.WithTimeout(cmd.Context(), completionTimeout)
	defer cancel()
	apps, err := srv.client().Apps(ctx)
	if err != nil {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	var names []cobra.Completion
	for _, a := range apps {
		if strings.HasPrefix(a.Name, toComplete) {
			names = append(names, cobra.CompletionWithDesc(a.Name, a.WebURL))
		}
	}
	return names, cobra.ShellCompDirectiveNoFileComp
}
