package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/paas-dev/paas/api"
)

type nodesOptions struct {
	json bool
}

func newNodesCommand() *cobra.Command {
	var opts nodesOptions
	cmd := &cobra.Command{
		Use:   "nodes",
		Short: "List the machines paasd runs processes on, and their state",
		Long: `List the machines paasd's Docker Engine runs processes on: the nodes of the
swarm it manages, managers first, with each one's address, role, state (a
node lost is down), availability (drain: the swarm places nothing new
there) and, for the engines given in PAAS_SWARM_NODES, whether paasd reaches
each; or, for an engine in no swarm, the engine itself.`,
		Example: "  paasctl nodes\n  paasctl nodes --json",
		GroupID: groupOther,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runNodes(cmd, &opts)
		},
	}
	cmd.Flags().BoolVar(&opts.json, "json", false, "print the nodes as JSON")
	return cmd
}

func runNodes(cmd *cobra.Command, opts *nodesOptions) error {
	srv, err := loadServer()
	if err != nil {
		return err
	}
	nodes, err := srv.client().Nodes(cmd.Context())
	if err != nil {
		return fmt.Errorf("list nodes: %w", err)
	}
	out := cmd.OutOrStdout()
	if opts.json {
		if nodes == nil {
			nodes = []api.Node{}
		}
		return printJSON(out, nodes)
	}
	tw := newTable(out)
	fmt.Fprintln(tw, "HOSTNAME\tADDRESS\tROLE\tSTATE\tAVAILABILITY\tENGINE\tENGINE API\tID")
	for _, n := range nodes {
		role := n.Role
		if n.Leader {
			role += " (leader)"
		}
		reach := "-"
		switch {
		case n.EngineHost != "" && n.EngineReachable:
			reach = "reachable"
		case n.EngineHost != "":
			reach = "UNREACHABLE at " + n.EngineHost
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", dash(n.Hostname), dash(n.Addr), role, n.State, dash(n.Availability), dash(n.Engine), reach, dash(shortID(n.ID)))
	}
	return tw.Flush()
}

// dash shows an empty field as "-".
func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// shortID is the first 12 characters of an engine's id, as docker shows it.
func shortID(id string) string {
	if len(id) > 12 {
		return id[:12]
	}
	return id
}
