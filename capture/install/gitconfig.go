package install

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
)

// Notes settings Install applies so amend and rebase carry TraceVault's
// commit notes over to the rewritten commits.
const (
	NotesRef      = "refs/notes/tracevault"
	notesRewrite  = "cat_sort_uniq"
	tracePrefix   = "refs/tracevault/"
	trackingNotes = "refs/notes/tracevault-remote/"
	trackingRefs  = "refs/tracevault-remote/"
)

// configOp is one git configuration value Install wants.
type configOp struct {
	key, value string
	add        bool // multi-valued: append if absent, never replace
}

// configOps lists the configuration for the given trace remotes. It never
// touches remote.<name>.push: a push refspec replaces git's default push
// and would stop a plain `git push` from pushing the branch.
func configOps(remotes []string) []configOp {
	ops := []configOp{
		{key: "notes.rewriteRef", value: NotesRef, add: true},
		{key: "notes.rewriteMode", value: notesRewrite},
		{key: "notes.rewrite.amend", value: "true"},
		{key: "notes.rewrite.rebase", value: "true"},
	}
	for _, r := range remotes {
		key := "remote." + r + ".fetch"
		ops = append(ops,
			configOp{key: key, value: "+" + NotesRef + ":" + trackingNotes + r, add: true},
			configOp{key: key, value: "+" + tracePrefix + "*:" + trackingRefs + r + "/*", add: true})
	}
	return ops
}

// gitStep is one configuration change and the commands that undo it.
type gitStep struct {
	desc string
	do   [][]string
	undo [][]string
}

// getAll returns the key's values in the repository's own config file.
func (r *repo) getAll(ctx context.Context, key string) ([]string, error) {
	out, err := r.run(ctx, "config", "--local", "--get-all", key)
	var ge *GitError
	if errors.As(err, &ge) && ge.ExitCode == 1 {
		return nil, nil // absent
	}
	if err != nil {
		return nil, fmt.Errorf("reading git config %s: %w", key, err)
	}
	return strings.Split(out, "\n"), nil
}

// setValues returns the commands that make key hold exactly vals.
func setValues(key string, cur, vals []string) [][]string {
	if len(cur) > 0 && len(vals) == 1 {
		// In place, so the line keeps its position in the config file.
		return [][]string{{"config", "--local", "--replace-all", key, vals[0]}}
	}
	var cmds [][]string
	if len(cur) > 0 {
		cmds = append(cmds, []string{"config", "--local", "--unset-all", key})
	}
	for _, v := range vals {
		cmds = append(cmds, []string{"config", "--local", "--add", key, v})
	}
	return cmds
}

// planConfig works out the configuration steps and records new ones in m.
func (r *repo) planConfig(ctx context.Context, ops []configOp, m *manifest) ([]gitStep, error) {
	var steps []gitStep
	for _, op := range ops {
		cur, err := r.getAll(ctx, op.key)
		if err != nil {
			return nil, err
		}
		if op.add {
			if slices.Contains(cur, op.value) {
				continue
			}
			steps = append(steps, gitStep{
				desc: "git config --add " + op.key + " " + op.value,
				do:   [][]string{{"config", "--local", "--add", op.key, op.value}},
				undo: [][]string{{"config", "--local", "--fixed-value", "--unset-all", op.key, op.value}},
			})
			if m.config(op.key, op.value, true) == nil {
				m.Config = append(m.Config, configRecord{Key: op.key, Value: op.value, Add: true})
			}
			continue
		}
		if len(cur) == 1 && cur[0] == op.value {
			continue
		}
		steps = append(steps, gitStep{
			desc: "git config " + op.key + " " + op.value,
			do:   setValues(op.key, cur, []string{op.value}),
			undo: setValues(op.key, []string{op.value}, cur),
		})
		if m.config(op.key, op.value, false) == nil {
			m.Config = append(m.Config, configRecord{Key: op.key, Value: op.value, Absent: len(cur) == 0, Original: cur})
		}
	}
	return steps, nil
}

// planConfigRestore works out the steps that take back what the manifest
// records, leaving alone any value the user changed since.
func (r *repo) planConfigRestore(ctx context.Context, m *manifest) ([]gitStep, []string, error) {
	var steps []gitStep
	var notes []string
	for _, c := range m.Config {
		cur, err := r.getAll(ctx, c.Key)
		if err != nil {
			return nil, nil, err
		}
		switch {
		case c.Add && slices.Contains(cur, c.Value):
			steps = append(steps, gitStep{
				desc: "git config --unset " + c.Key + " " + c.Value,
				do:   [][]string{{"config", "--local", "--fixed-value", "--unset-all", c.Key, c.Value}},
				undo: [][]string{{"config", "--local", "--add", c.Key, c.Value}},
			})
		case c.Add:
		case len(cur) == 1 && cur[0] == c.Value:
			steps = append(steps, gitStep{
				desc: "git config restore " + c.Key,
				do:   setValues(c.Key, cur, c.Original),
				undo: setValues(c.Key, c.Original, cur),
			})
		default:
			notes = append(notes, fmt.Sprintf("git config %s was changed after init; left as it is", c.Key))
		}
	}
	return steps, notes, nil
}

// applySteps runs every step, or on failure undoes the ones already run.
func (r *repo) applySteps(ctx context.Context, steps []gitStep) error {
	for i, s := range steps {
		if err := r.runAll(ctx, s.do); err != nil {
			var errs []error
			for j := i; j >= 0; j-- { // step i may have run in part
				if uerr := r.runAll(ctx, steps[j].undo); uerr != nil && j < i {
					errs = append(errs, fmt.Errorf("rolling back %s: %w", steps[j].desc, uerr))
				}
			}
			return errors.Join(fmt.Errorf("%s: %w", s.desc, err), errors.Join(errs...))
		}
	}
	return nil
}

func (r *repo) runAll(ctx context.Context, cmds [][]string) error {
	for _, c := range cmds {
		_, err := r.run(ctx, c...)
		var ge *GitError
		if errors.As(err, &ge) && ge.ExitCode == 5 && slices.Contains(c, "--unset-all") {
			continue // nothing left to unset (undoing a step that ran in part)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// remotes returns the configured remote names.
func (r *repo) remotes(ctx context.Context) ([]string, error) {
	out, err := r.run(ctx, "remote")
	if err != nil {
		return nil, fmt.Errorf("listing remotes: %w", err)
	}
	if out == "" {
		return nil, nil
	}
	return strings.Split(out, "\n"), nil
}
