package install

import (
	"bytes"
	"context"
	"fmt"
	"strings"
)

// Uninstall takes back what Install recorded in the manifest. A file nobody
// changed since Install gets its original bytes and mode back exactly (or is
// removed if it did not exist); a file changed since keeps the changes and
// loses only TraceVault's handlers or hook block. Configuration values are
// restored unless changed since. Like Install it plans everything first and
// changes nothing on error. Without a manifest it returns ErrNotInstalled.
func Uninstall(ctx context.Context, opts Options) (Report, error) {
	r, err := openRepo(ctx, opts.RepoDir, opts.GitEnv)
	if err != nil {
		return Report{}, err
	}
	m, mstate, err := r.loadManifest()
	if err != nil {
		return Report{}, err
	}
	if m == nil {
		return Report{}, fmt.Errorf("%s: %w", r.top, ErrNotInstalled)
	}
	p := &plan{r: r, m: m}
	for i := range m.Files {
		if err := p.planRestore(&m.Files[i]); err != nil {
			return Report{}, err
		}
	}
	steps, notes, err := r.planConfigRestore(ctx, m)
	if err != nil {
		return Report{}, err
	}
	p.steps, p.report.Notes = steps, append(p.report.Notes, notes...)
	mpath := r.manifestPath()
	if err := checkWritable(mpath); err != nil {
		return Report{}, err
	}
	p.changes = append(p.changes, change{path: mpath, before: mstate})
	rep, err := p.apply(ctx)
	if err != nil {
		return Report{}, err
	}
	dirs := make([]string, len(m.Dirs))
	for i, d := range m.Dirs {
		dirs[i] = r.abs(d)
	}
	removeDirs(dirs)
	return rep, nil
}

// planRestore plans putting one recorded file back.
func (p *plan) planRestore(rec *fileRecord) error {
	target, err := resolve(p.r.abs(rec.Path))
	if err != nil {
		return err
	}
	cur, err := readState(target)
	if err != nil {
		return err
	}
	if !cur.exists {
		p.note(rec.Path + " was removed after init; left absent")
		return nil
	}
	after, err := rec.originalState()
	if err != nil {
		return err
	}
	action := "restored"
	if rec.Edited || hashHex(cur.data) != rec.Installed {
		action = "updated"
		after, err = removeOurPart(rec, target, cur)
		if err != nil {
			return err
		}
		if after.exists && bytes.Equal(after.data, cur.data) {
			return nil
		}
	}
	if !after.exists {
		action = "removed"
	}
	if err := checkWritable(target); err != nil {
		return err
	}
	p.changes = append(p.changes, change{path: target, before: cur, after: after})
	p.report.Changes = append(p.report.Changes, Change{Target: rec.Path, Action: action})
	return nil
}

// removeOurPart is the surgical path for a file the user changed after
// Install: it drops only TraceVault's handlers or hook block, and removes
// the file if nothing else is left in a file Install had created.
func removeOurPart(rec *fileRecord, path string, cur fileState) (fileState, error) {
	kind, arg, _ := strings.Cut(rec.Kind, ":")
	switch kind {
	case "agent":
		spec, ok := specs[Agent(arg)]
		if !ok {
			return fileState{}, fmt.Errorf("manifest entry %s: %q: %w", rec.Path, arg, ErrUnknownAgent)
		}
		root, err := decodeObject(path, cur.data)
		if err != nil {
			return fileState{}, err
		}
		changed, err := spec.removeHandlers(root)
		if err != nil {
			return fileState{}, fmt.Errorf("%s: %w", path, err)
		}
		if !changed {
			return cur, nil
		}
		if len(root.members) == 0 && rec.Absent {
			return fileState{}, nil
		}
		return fileState{exists: true, data: encodeJSON(root), mode: cur.mode}, nil
	case "git-hook":
		rest, had, err := removeBlock(path, cur.data)
		if err != nil || !had {
			return cur, err
		}
		if rec.Absent && (len(bytes.TrimSpace(rest)) == 0 || string(rest) == newHookHeader) {
			return fileState{}, nil
		}
		return fileState{exists: true, data: rest, mode: cur.mode}, nil
	case "file":
		return cur, nil // the user changed a file we created: it is theirs now
	}
	return fileState{}, fmt.Errorf("manifest entry %s: unknown kind %q", rec.Path, rec.Kind)
}
