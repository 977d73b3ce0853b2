// Command paasd is the paas daemon: REST API, git push endpoint, builder,
// runner and router in one process, configured from the environment.
package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/paas-dev/paas/internal/daemon"
	"github.com/paas-dev/paas/internal/version"
)

const usage = `usage: paasd [--version | stacks]

paasd is configured from its environment only (PAAS_DATA_DIR, PAAS_API_ADDR,
PAAS_ROUTER_ADDR, PAAS_DOMAIN, ...); every variable is optional and the
README's "Configuration" lists them all.

paasd stacks makes the images that apps without a Dockerfile are built on
(from Debian's packages, once per machine), so that no push waits for them.
`

func main() {
	switch {
	case len(os.Args) == 2 && (os.Args[1] == "--version" || os.Args[1] == "-version" || os.Args[1] == "version"):
		fmt.Println("paasd", version.Get())
		return
	case len(os.Args) == 2 && (os.Args[1] == "--help" || os.Args[1] == "-h" || os.Args[1] == "help"):
		fmt.Print(usage)
		return
	case len(os.Args) == 2 && os.Args[1] == "stacks":
		os.Exit(prepareStacks())
	case len(os.Args) > 1:
		fmt.Fprintf(os.Stderr, "paasd: unknown argument %q\n%s", os.Args[1], usage)
		os.Exit(2)
	}
	log := slog.New(slog.NewTextHandler(os.Stdout, &slog.HandlerOptions{Level: logLevel()}))
	cfg, err := daemon.ConfigFromEnv(os.Getenv)
	if err != nil {
		fmt.Fprintln(os.Stderr, "paasd:", err)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	if err := daemon.Run(ctx, cfg, log); err != nil {
		log.Error("paasd failed", "err", err)
		fmt.Fprintln(os.Stderr, "paasd:", err)
		os.Exit(1)
	}
}

func logLevel() slog.Level {
	if os.Getenv("PAAS_DEBUG") != "" {
		return slog.LevelDebug
	}
	return slog.LevelInfo
}

// prepareStacks is paasd stacks; it returns the exit code.
func prepareStacks() int {
	cfg, err := daemon.ConfigFromEnv(os.Getenv)
	if err != nil {
		fmt.Fprintln(os.Stderr, "paasd:", err)
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	if err := daemon.PrepareStacks(ctx, cfg, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "paasd:", err)
		return 1
	}
	fmt.Println("-----> The stack images are ready")
	return 0
}
