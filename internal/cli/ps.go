package cli

import (
	"cmp"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/paas-dev/paas/api"
)

// timeNow is the clock ps measures uptimes with; tests stop it.
var timeNow = time.Now

// oneOffType is the type of the processes paasctl run starts.
const oneOffType = "run"

type psOptions struct {
	json bool
}

func newPsCommand(g *globals) *cobra.Command {
	var opts psOptions
	cmd := &cobra.Command{
		Use:   "ps",
		Short: "List an app's processes",
		Long: `List an app's processes by type: each one's state (starting, up, crashed or
stopping) and since when, the swarm node it runs on (when paasd runs on a
swarm), its release, how often the platform restarted it, and its command.
One-off processes of paasctl run are listed as run.N.`,
		Example: "  paasctl ps -a hello\n  paasctl ps --json",
		GroupID: groupProcesses,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runPs(cmd, g, &opts)
		},
	}
	cmd.Flags().BoolVar(&opts.json, "json", false, "print the processes as JSON")
	return cmd
}

func runPs(cmd *cobra.Command, g *globals, opts *psOptions) error {
	name, client, err := g.appClient(cmd.Context())
	if err != nil {
		return err
	}
	procs, err := client.Processes(cmd.Context(), name)
	if err != nil {
		return withHint(err, api.IDNotFound, hintListApps)
	}
	out := cmd.OutOrStdout()
	if opts.json {
		if procs == nil {
			procs = []api.Process{} // an empty list, never null
		}
		return printJSON(out, procs)
	}
	if len(procs) == 0 {
		fmt.Fprintf(out, "%s has no processes: deploy it with git push %s main, or start some with paasctl scale web=1\n", name, remoteName)
		return nil
	}
	byType := map[string][]api.Process{}
	for _, p := range procs {
		t := processType(p)
		byType[t] = append(byType[t], p)
	}
	now := timeNow()
	for i, t := range typeOrder(byType) {
		group := byType[t]
		slices.SortFunc(group, func(a, b api.Process) int { return cmp.Compare(processNumber(a.Name), processNumber(b.Name)) })
		if i > 0 {
			fmt.Fprintln(out)
		}
		fmt.Fprintf(out, "=== %s (%d)\n", t, len(group))
		for _, p := range group {
			printProcess(out, p, now)
		}
	}
	return nil
}

// printProcess writes one line, as Heroku does, with the swarm node that
// runs the process (none on one engine) and what it uses once the engine
// was sampled:
// web.1: up 2026/11/26 09:00:00 (~ 3m ago) on node2, v3, 0 restarts, 1.5% CPU, 34.2 MiB of 512m: npm start
func printProcess(w io.Writer, p api.Process, now time.Time) {
	fmt.Fprintf(w, "%s: %s", p.Name, p.State)
	if !p.StartedAt.IsZero() {
		fmt.Fprintf(w, " %s (%s)", p.StartedAt.UTC().Format("2006/01/02 15:04:05"), ago(now.Sub(p.StartedAt)))
	}
	if p.Node != "" {
		fmt.Fprintf(w, " on %s", p.Node)
	}
	fmt.Fprintf(w, ", %s, %s", release(p.Release.Version), plural(p.Restarts, "restart"))
	if p.CPUPercent != nil {
		fmt.Fprintf(w, ", %.1f%% CPU", *p.CPUPercent)
	}
	if p.MemoryBytes != nil {
		fmt.Fprintf(w, ", %.1f MiB", float64(*p.MemoryBytes)/(1<<20))
		if p.Size != "" {
			fmt.Fprintf(w, " of %s", p.Size)
		}
	}
	if p.Command != "" {
		fmt.Fprintf(w, ": %s", p.Command)
	}
	fmt.Fprintln(w)
}

// processType is p's type, from its name (web.1) if the daemon did not say.
func processType(p api.Process) string {
	if p.Type != "" {
		return p.Type
	}
	t, _, _ := strings.Cut(p.Name, ".")
	return t
}

// processNumber is the N of TYPE.N, so that web.10 comes after web.9.
func processNumber(name string) int {
	_, n, _ := strings.Cut(name, ".")
	i, _ := strconv.Atoi(n)
	return i
}

// typeOrder lists the keys of a map by process type: web first, one-off
// processes last, the others by name between.
func typeOrder[V any](m map[string]V) []string {
	rank := func(t string) int {
		switch t {
		case "web":
			return 0
		case oneOffType:
			return 2
		}
		return 1
	}
	types := make([]string, 0, len(m))
	for t := range m {
		types = append(types, t)
	}
	slices.SortFunc(types, func(a, b string) int {
		return cmp.Or(cmp.Compare(rank(a), rank(b)), strings.Compare(a, b))
	})
	return types
}

// ago says roughly how long d is, as Heroku's ps does: "~ 3m ago".
func ago(d time.Duration) string {
	d = max(d, 0)
	switch {
	case d < time.Minute:
		return fmt.Sprintf("~ %ds ago", int(d/time.Second))
	case d < time.Hour:
		return fmt.Sprintf("~ %dm ago", int(d/time.Minute))
	case d < 24*time.Hour:
		return fmt.Sprintf("~ %dh ago", int(d/time.Hour))
	}
	return fmt.Sprintf("~ %dd ago", int(d/(24*time.Hour)))
}

// plural counts n things: "1 restart", "0 restarts".
func plural(n int, thing string) string {
	if n == 1 {
		return "1 " + thing
	}
	return fmt.Sprintf("%d %ss", n, thing)
}
