// Package demo implements "tracevault demo": it makes a scratch repository,
// installs TraceVault, replays a real recorded Claude Code session through
// the hooks exactly as the agent would call them, commits, and shows what
// TraceVault captured.
package demo

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/tracevault/tracevault/cmd/tracevault/internal/cmd/initcmd"
	"github.com/tracevault/tracevault/cmd/tracevault/internal/cmd/status"
	"github.com/tracevault/tracevault/cmd/tracevault/internal/cmd/usage"
	"github.com/tracevault/tracevault/cmd/tracevault/internal/cmdutil"
	"github.com/tracevault/tracevault/cmd/tracevault/internal/render"
)

// Options are demo's inputs.
type Options struct {
	Dir string
}

// NewCmdDemo returns the demo command.
func NewCmdDemo(f *cmdutil.Factory, runF func(*Options) error) *cobra.Command {
	opts := &Options{}
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Replay a recorded Claude Code session in a scratch repository and show what TraceVault captured",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if runF != nil {
				return runF(opts)
			}
			ctx := cmd.Context()
			if ctx == nil {
				ctx = context.Background()
			}
			return demoRun(ctx, f, opts)
		},
	}
	cmd.Flags().StringVar(&opts.Dir, "dir", "", "Make the scratch repository here (default: a new temporary directory, kept)")
	return cmd
}

func demoRun(ctx context.Context, f *cmdutil.Factory, opts *Options) error {
	io := f.IOStreams
	s, err := Load()
	if err != nil {
		return err
	}
	root := opts.Dir
	if root == "" {
		if root, err = os.MkdirTemp("", "tracevault-demo-"); err != nil {
			return err
		}
	}
	// Hook payloads carry absolute paths, as agents send them.
	if root, err = filepath.Abs(root); err != nil {
		return err
	}
	repo := filepath.Join(root, "greeter")
	if err := os.MkdirAll(repo, 0o755); err != nil {
		return err
	}
	step := func(format string, args ...any) {
		fmt.Fprintln(io.Out, render.Bold(io, "==> "+fmt.Sprintf(format, args...)))
	}
	step("scratch repository %s", repo)
	git := func(args ...string) error {
		cmd := exec.CommandContext(ctx, "git", args...)
		cmd.Dir = repo
		cmd.Env = append(os.Environ(), "TRACEVAULT_POSTCOMMIT=sync", "TRACEVAULT_WATCH=off", "GIT_AUTHOR_NAME=Demo Developer", "GIT_AUTHOR_EMAIL=dev@example.com",
			"GIT_COMMITTER_NAME=Demo Developer", "GIT_COMMITTER_EMAIL=dev@example.com")
		cmd.Stdout, cmd.Stderr = io.Out, io.ErrOut
		return cmd.Run()
	}
	if err := git("init", "-q", "-b", "main"); err != nil {
		return fmt.Errorf("git init: %w", err)
	}
	for _, kv := range [][2]string{{"user.name", "Demo Developer"}, {"user.email", "dev@example.com"}} {
		if err := git("config", kv[0], kv[1]); err != nil {
			return err
		}
	}
	for p, c := range BaseFiles {
		if err := writeFile(filepath.Join(repo, p), c); err != nil {
			return err
		}
	}
	if err := git("add", "."); err != nil {
		return err
	}
	if err := git("commit", "-q", "-m", "Start the greeter"); err != nil {
		return err
	}
	sub := *f
	sub.Getwd = func() (string, error) { return repo, nil }
	step("tracevault init --agent claude-code")
	ic := initcmd.NewCmdInit(&sub, nil)
	ic.SetArgs([]string{"--agent", "claude-code"})
	if err := ic.Execute(); err != nil {
		return err
	}
	if err := git("add", "-A"); err != nil {
		return err
	}
	if err := git("commit", "-q", "-m", "Install TraceVault"); err != nil {
		return err
	}
	// The real session's transcript, where Claude Code would keep it.
	transcript := filepath.Join(root, "claude-config", "projects", "greeter", "session.jsonl")
	if err := writeFile(transcript, strings.ReplaceAll(string(s.Transcript), "{{REPO}}", repo)); err != nil {
		return err
	}
	agentHook, _, err := f.HookCommands()
	if err != nil {
		return err
	}
	step("replaying %d hook events of a real Claude Code session through %s", len(s.Events), agentHook)
	for _, e := range s.Events {
		for p, c := range e.Files {
			if err := writeFile(filepath.Join(repo, filepath.FromSlash(p)), c); err != nil {
				return err
			}
		}
		payload := strings.ReplaceAll(strings.ReplaceAll(string(e.Payload), "{{TRANSCRIPT}}", transcript), "{{REPO}}", repo)
		argv := strings.Fields(agentHook)
		cmd := exec.CommandContext(ctx, argv[0], append(argv[1:], "--agent", "claude-code")...)
		cmd.Dir = repo
		cmd.Stdin = strings.NewReader(payload)
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("hook: %w: %s", err, out.String())
		}
	}
	step("a human adds a line to README.md, then commits")
	if err := appendFile(filepath.Join(repo, "README.md"), "\nRun it with `go run .`.\n"); err != nil {
		return err
	}
	if err := git("add", "-A"); err != nil {
		return err
	}
	if err := git("commit", "-q", "-m", "Greet through the greet package"); err != nil {
		return err
	}
	step("tracevault status")
	if err := status.NewCmdStatus(&sub, nil).RunE(&cobra.Command{}, nil); err != nil {
		return err
	}
	step("git log --notes=tracevault -1")
	if err := git("--no-pager", "log", "--notes=tracevault", "-1", "--format=%h %s%n%N"); err != nil {
		return err
	}
	step("tracevault usage %s", transcript)
	u := usage.NewCmdUsage(&sub, nil)
	u.SetArgs([]string{transcript})
	u.SetOut(io.Out)
	if err := u.Execute(); err != nil {
		return err
	}
	fmt.Fprintf(io.Out, "\nThe repository stays at %s: try `git tracevault` commands there.\n", repo)
	return nil
}

func writeFile(p, c string) error {
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return err
	}
	return os.WriteFile(p, []byte(c), 0o644)
}

func appendFile(p, c string) error {
	f, err := os.OpenFile(p, os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	_, err = f.WriteString(c)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}
