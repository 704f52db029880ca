// Command tracevault-server is the TraceVault team server: see
// docs/server.md. With no arguments it serves; with a subcommand (org,
// apikey, repo, writer, audit, key) it administers the configured store.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/tracevault/tracevault/server"
)

func main() {
	cfg, err := server.ConfigFromEnv(os.Getenv)
	if err != nil {
		fmt.Fprintln(os.Stderr, "tracevault-server:", err)
		os.Exit(2)
	}
	flag.StringVar(&cfg.Addr, "addr", cfg.Addr, "listen address (env HOST, PORT)")
	flag.StringVar(&cfg.DataDir, "data-dir", cfg.DataDir, "data directory (env TRACEVAULT_DATA_DIR)")
	flag.StringVar(&cfg.DatabaseURL, "database-url", cfg.DatabaseURL, "postgres:// URL (env DATABASE_URL); empty for the embedded store")
	flag.StringVar(&cfg.Org, "org", cfg.Org, "org created on start (env TRACEVAULT_ORG)")
	flag.StringVar(&cfg.Origin, "origin", cfg.Origin, "log origin prefix (env TRACEVAULT_ORIGIN)")
	flag.DurationVar(&cfg.MirrorInterval, "mirror-interval", cfg.MirrorInterval, "fetch every registered repository this often (env TRACEVAULT_MIRROR_INTERVAL)")
	flag.DurationVar(&cfg.AuditInterval, "audit-interval", cfg.AuditInterval, "re-verify every org's log this often (env TRACEVAULT_AUDIT_INTERVAL)")
	flag.StringVar(&cfg.LogLevel, "log-level", cfg.LogLevel, "debug, info, warn or error (env TRACEVAULT_LOG_LEVEL)")
	flag.BoolVar(&cfg.LogJSON, "log-json", cfg.LogJSON, "JSON logs (env TRACEVAULT_LOG_JSON=1)")
	flag.Usage = func() {
		fmt.Fprintf(os.Stderr, "usage: tracevault-server [flags] [command]\n\n%s\nFlags:\n", server.AdminUsage)
		flag.PrintDefaults()
	}
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if flag.NArg() > 0 {
		err = server.Admin(ctx, cfg, flag.Args(), os.Stdout)
	} else {
		err = server.Run(ctx, cfg)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "tracevault-server:", err)
		os.Exit(1)
	}
}
