// Package initcmd implements "tracevault init": install agent hooks and git
// hooks in a repository, configure git for traces and trust this writer.
package initcmd

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/tracevault/tracevault/capture/install"
	capsync "github.com/tracevault/tracevault/capture/sync"
	"github.com/tracevault/tracevault/cmd/tracevault/internal/cmdutil"
	"github.com/tracevault/tracevault/gitstore/gitcli"
	"github.com/tracevault/tracevault/seal/sigkey"
)

// Options are init's inputs.
type Options struct {
	Agents    []string
	Remotes   []string
	CodexUser bool
	Dir       string
}

// NewCmdInit returns the init command.
func NewCmdInit(f *cmdutil.Factory, runF func(*Options) error) *cobra.Command {
	opts := &Options{}
	cmd := &cobra.Command{
		Use:   "init",
		Short: "Install TraceVault's agent hooks and git hooks in this repository",
		Long: `Install TraceVault in the current repository:
  - merge TraceVault's hook handlers into each agent's settings
    (.claude/settings.json, .codex/hooks.json, .gemini/settings.json),
    keeping every existing hook and setting; without --agent every agent
    found is set up, and Claude Code by default;
  - chain post-commit, post-rewrite and pre-push git hooks with any existing
    hook (core.hooksPath, husky, lefthook and pre-commit set-ups included);
  - configure notes rewriting and fetch refspecs for traces (never a push
    refspec);
  - create this user's signing key on first use (outside the repository) and
    add its public key to .tracevault/allowed_signers.
Running it again changes nothing. "tracevault uninstall" restores every file
exactly as it was.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			for _, a := range opts.Agents {
				if _, err := parseAgent(a); err != nil {
					return cmdutil.FlagErrorf("%v", err)
				}
			}
			if runF != nil {
				return runF(opts)
			}
			return initRun(cmd.Context(), f, opts)
		},
	}
	cmd.Flags().StringSliceVar(&opts.Agents, "agent", nil, "Agent to set up: claude-code, codex, gemini-cli (repeatable; default: detected)")
	cmd.Flags().StringSliceVar(&opts.Remotes, "remote", nil, "Remote that receives traces (repeatable; default: origin)")
	cmd.Flags().BoolVar(&opts.CodexUser, "codex-user", false, "Install Codex hooks in $CODEX_HOME/hooks.json instead of .codex/hooks.json")
	return cmd
}

func parseAgent(s string) (install.Agent, error) {
	switch s {
	case "claude", "claude-code":
		return install.ClaudeCode, nil
	case "codex":
		return install.Codex, nil
	case "gemini", "gemini-cli":
		return install.GeminiCLI, nil
	}
	return "", fmt.Errorf("unknown agent %q (want claude-code, codex or gemini-cli)", s)
}

// InstallOptions builds the install options shared by init and uninstall.
func InstallOptions(f *cmdutil.Factory, dir string, agents, remotes []string, codexUser bool) (install.Options, error) {
	agentHook, gitHook, err := f.HookCommands()
	if err != nil {
		return install.Options{}, err
	}
	o := install.Options{
		RepoDir: dir, HookCommand: agentHook, GitHookCommand: gitHook,
		Remotes: remotes, CodexUserConfig: codexUser, Getenv: f.Getenv,
		Files: []install.File{{Path: ".tracevault/README.md", Data: []byte(tracevaultReadme), Mode: 0o644}},
	}
	for _, a := range agents {
		ag, err := parseAgent(a)
		if err != nil {
			return o, err
		}
		o.Agents = append(o.Agents, ag)
	}
	return o, nil
}

const tracevaultReadme = `# .tracevault

This folder belongs to TraceVault (AI-code governance).

- allowed_signers: the writers (user x machine keys) whose trace records this
  repository trusts. Review changes to it like code.
- policy.yaml: optional policy rules enforced at tool-call time, at push and
  in CI.
`

func initRun(ctx context.Context, f *cmdutil.Factory, opts *Options) error {
	if ctx == nil {
		ctx = context.Background()
	}
	dir, err := f.Getwd()
	if err != nil {
		return err
	}
	if opts.Dir != "" {
		dir = opts.Dir
	}
	io := f.IOStreams
	iopts, err := InstallOptions(f, dir, opts.Agents, opts.Remotes, opts.CodexUser)
	if err != nil {
		return err
	}
	rep, err := install.Install(ctx, iopts)
	if err != nil {
		return fmt.Errorf("init: %w", err)
	}
	line, err := trustWriter(f, dir)
	if err != nil {
		if _, uerr := install.Uninstall(ctx, iopts); uerr != nil {
			return fmt.Errorf("init: %w (and rolling back: %v)", err, uerr)
		}
		return fmt.Errorf("init: %w (nothing was changed)", err)
	}
	fmt.Fprint(io.Out, rep.String())
	if line != "" {
		fmt.Fprintf(io.Out, "trusted writer %s in .tracevault/allowed_signers (commit this file)\n", strings.Fields(line)[0])
	}
	fetchTraces(ctx, f, dir)
	fmt.Fprintln(io.Out, "TraceVault is on: agent sessions in this repository are captured.")
	return nil
}

// fetchTraces gets the traces and notes of the remotes configured for them,
// so a fresh clone has every trace after init. A failure only warns: init
// itself succeeded, and "tracevault sync" can be run later.
func fetchTraces(ctx context.Context, f *cmdutil.Factory, dir string) {
	st, err := gitcli.Open(ctx, dir)
	if err != nil {
		return
	}
	defer st.Close()
	remotes, err := capsync.ConfiguredRemotes(ctx, st)
	if err != nil || len(remotes) == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	rep, err := capsync.Sync(ctx, st, capsync.Options{Remotes: remotes})
	if rep != nil {
		for _, rr := range rep.Remotes {
			fmt.Fprintf(f.IOStreams.Out, "traces: %s: fetched %d chain(s)\n", rr.Remote, len(rr.Fetched))
		}
	}
	if err != nil {
		fmt.Fprintf(f.IOStreams.ErrOut, "warning: syncing traces: %v (run \"tracevault sync\" later)\n", err)
	}
}

// trustWriter makes sure this machine's writer key exists and is listed in
// the repository's allowed_signers; it returns the line it added, if any.
func trustWriter(f *cmdutil.Factory, dir string) (string, error) {
	root, err := workTreeRoot(dir)
	if err != nil {
		return "", err
	}
	key, _, err := sigkey.LoadOrCreate(f.WriterKeyPath())
	if err != nil {
		return "", err
	}
	path := filepath.Join(root, ".tracevault", "allowed_signers")
	data, err := os.ReadFile(path)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return "", err
	}
	as, err := sigkey.ParseAllowedSigners(data)
	if err != nil {
		return "", fmt.Errorf("%s: %w", path, err)
	}
	pub := key.Public()
	if s, ok := as.Lookup(pub.WriterID()); ok && s.Key == pub {
		return "", nil
	}
	email := gitConfig(root, "user.email")
	line := sigkey.Signer{WriterID: pub.WriterID(), Identity: email, Key: pub}.Line()
	if len(data) == 0 {
		data = []byte("# Writers whose TraceVault records this repository trusts:\n# <writer-id> <identity> <public key>. Review changes like code.\n")
	} else if data[len(data)-1] != '\n' {
		data = append(data, '\n')
	}
	data = append(data, line+"\n"...)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return "", err
	}
	return line, os.WriteFile(path, data, 0o644)
}
