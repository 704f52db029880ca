package server

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"

	"github.com/tracevault/tracevault/seal/sigkey"
	"github.com/tracevault/tracevault/server/store"
)

// AdminUsage lists the administrative subcommands of tracevault-server.
const AdminUsage = `Administrative commands (they open the configured store directly):
  org create <id> [<name>]                        create an org and its signing key
  apikey create [--org O] [--role R] [--name N]   print a new API key (roles: admin, uploader, auditor)
  repo add [--org O] <git-url>                    register a repository to mirror and queue its first fetch
  repo list [--org O]
  repo fetch [--org O] <id>                       fetch and ingest now, in this process
  writer add [--org O] [--name N] [--email E] ed25519:<key>   register a writer's key
  audit [--org O]                                 re-verify the org's seal log from stored data
  key rotate [--org O] [--finish]                 rotate the org's checkpoint signing key
`

// Admin runs one administrative subcommand (see [AdminUsage]) against
// cfg's store, printing to out. It returns an error for a failed command;
// for audit, a log that does not verify is an error too.
func Admin(ctx context.Context, cfg Config, args []string, out io.Writer) error {
	if len(args) < 2 && !(len(args) == 1 && args[0] == "audit") {
		return fmt.Errorf("unknown command %q\n%s", strings.Join(args, " "), AdminUsage)
	}
	cmd := args[0]
	if cmd != "audit" {
		cmd += " " + args[1]
		args = args[2:]
	} else {
		args = args[1:]
	}
	fs := flag.NewFlagSet(cmd, flag.ContinueOnError)
	fs.SetOutput(out)
	org := fs.String("org", cfg.Org, "org")
	role := fs.String("role", string(RoleUploader), "API key role")
	name := fs.String("name", "", "name")
	email := fs.String("email", "", "email")
	finish := fs.Bool("finish", false, "finish the rotation")
	if err := fs.Parse(args); err != nil {
		return err
	}
	cfg.Org = *org
	cfg.MirrorInterval, cfg.AuditInterval = -1, -1
	s, err := New(ctx, cfg, slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})))
	if err != nil {
		return err
	}
	defer s.Close()
	rest := fs.Args()
	arg := func(i int) string {
		if i < len(rest) {
			return rest[i]
		}
		return ""
	}
	switch cmd {
	case "org create":
		if arg(0) == "" {
			return fmt.Errorf("org create: want an org id")
		}
		return s.EnsureOrg(ctx, arg(0), or(arg(1), arg(0)))
	case "apikey create":
		r := store.Role(*role)
		if r != RoleAdmin && r != RoleUploader && r != RoleAuditor {
			return fmt.Errorf("apikey create: unknown role %q", *role)
		}
		tok, _, err := s.st.CreateAPIKey(ctx, *org, or(*name, *role), r)
		if err != nil {
			return err
		}
		fmt.Fprintln(out, tok)
		return nil
	case "repo add":
		if arg(0) == "" {
			return fmt.Errorf("repo add: want a git URL")
		}
		r, err := s.st.RegisterRepo(ctx, *org, arg(0))
		if err != nil {
			return err
		}
		if _, err := s.enqueueFetch(ctx, *org, r.ID); err != nil {
			return err
		}
		fmt.Fprintf(out, "%d\t%s\n", r.ID, r.URL)
		return nil
	case "repo list":
		repos, err := s.st.Repos(ctx, *org)
		for _, r := range repos {
			fmt.Fprintf(out, "%d\t%s\n", r.ID, r.URL)
		}
		return err
	case "repo fetch":
		var id int64
		if _, err := fmt.Sscan(arg(0), &id); err != nil {
			return fmt.Errorf("repo fetch: want a repository id")
		}
		res, err := s.FetchRepo(ctx, *org, id)
		if err != nil {
			return err
		}
		return json.NewEncoder(out).Encode(res)
	case "writer add":
		k, err := sigkey.ParsePublicKey(arg(0))
		if err != nil {
			return err
		}
		err = s.st.RegisterWriter(ctx, *org, store.Writer{ID: k.WriterID(), PublicKey: k.String(), Name: *name, Email: *email})
		if err == nil {
			fmt.Fprintln(out, k.WriterID())
		}
		return err
	case "audit":
		res, err := s.Audit(ctx, *org)
		if err != nil {
			return err
		}
		if !res.OK {
			return fmt.Errorf("audit of %s: %s", *org, res.Error)
		}
		fmt.Fprintf(out, "ok: %d leaves verified\n", res.Leaves)
		return nil
	case "key rotate":
		keys, err := s.RotateKey(ctx, *org, *finish)
		for _, k := range keys {
			fmt.Fprintf(out, "%s\t%s\t%s\n", k.ID, k.State, k.VerifierKey)
		}
		return err
	}
	return fmt.Errorf("unknown command %q\n%s", cmd, AdminUsage)
}
