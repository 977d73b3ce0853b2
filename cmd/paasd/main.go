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
)

func main() {
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
