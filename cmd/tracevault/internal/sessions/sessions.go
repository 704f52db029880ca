// Package sessions finds and assembles the sessions recorded in a
// repository's spool, for status and stats.
package sessions

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"sort"
	"strings"

	"github.com/tracevault/tracevault/capture"
	"github.com/tracevault/tracevault/capture/assemble"
	"github.com/tracevault/tracevault/capture/hookrun"
	"github.com/tracevault/tracevault/capture/pricing"
	"github.com/tracevault/tracevault/capture/spool"
	"github.com/tracevault/tracevault/capture/worktree"
)

// Repo is a repository's capture data.
type Repo struct {
	Repo   worktree.Repo
	Spool  spool.Dir
	Author capture.Identity
	Prices *pricing.Table
}

// Open finds the repository containing dir.
func Open(dir string) (*Repo, error) {
	repo, err := worktree.FindRepo(dir)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", dir, err)
	}
	prices, err := pricing.Default()
	if err != nil {
		return nil, err
	}
	r := &Repo{Repo: repo, Spool: spool.ForGitDir(repo.CommonDir), Prices: prices}
	r.Author = capture.Identity{Name: gitConfig(repo.WorkTree, "user.name"), Email: gitConfig(repo.WorkTree, "user.email")}
	return r, nil
}

func gitConfig(dir, key string) string {
	out, _ := exec.Command("git", "-C", dir, "config", key).Output()
	return strings.TrimSpace(string(out))
}

// Loaded is an assembled session with its spool name and the spool file's
// modification time.
type Loaded struct {
	Name    string
	Session *capture.Session
	Records []spool.Record
}

// Load assembles one session by spool name. Usage the transcript gained
// since the last hook is read too (without moving the hook's offsets).
func (r *Repo) Load(name string) (*Loaded, error) {
	res, err := r.Spool.Read(name)
	if err != nil {
		return nil, err
	}
	extra := r.catchUp(name, res.Records)
	s := assemble.Session(res.Records, assemble.Options{Author: r.Author, Prices: r.Prices, ExtraUsage: extra})
	if s.ID == "" {
		s.ID = name
	}
	return &Loaded{Name: name, Session: s, Records: res.Records}, nil
}

// catchUp reads transcript usage written after the hook's saved offsets.
func (r *Repo) catchUp(name string, recs []spool.Record) []capture.UsageEntry {
	var st spool.State
	if b, err := os.ReadFile(r.Spool.Path("state", name+".json")); err == nil {
		_ = json.Unmarshal(b, &st)
	}
	paths := map[string]string{} // transcript path -> agent
	for _, rec := range recs {
		a, ok := hookrun.Lookup(rec.Agent)
		if !ok || rec.Invalid != "" {
			continue
		}
		ev, err := a.Parse(rec.Payload)
		if err != nil {
			continue
		}
		for _, p := range []string{ev.TranscriptPath, ev.AgentTranscriptPath} {
			if p != "" {
				paths[p] = rec.Agent
			}
		}
	}
	var out []capture.UsageEntry
	for p, agent := range paths {
		a, _ := hookrun.Lookup(agent)
		if a.Tail == nil {
			continue
		}
		entries, _, err := a.Tail(p, st.AgentState[p])
		if err == nil {
			out = append(out, entries...)
		}
	}
	return out
}

// All assembles every session in the spool, most recent first.
func (r *Repo) All() ([]*Loaded, error) {
	names, err := r.Spool.Sessions()
	if err != nil {
		return nil, err
	}
	var out []*Loaded
	for _, n := range names {
		if n == "_unknown" {
			continue
		}
		l, err := r.Load(n)
		if err != nil {
			return nil, err
		}
		out = append(out, l)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Session.EndedAt.After(out[j].Session.EndedAt) })
	return out, nil
}

// FilesTouched returns the distinct paths a session edited.
func FilesTouched(s *capture.Session) []string {
	seen := map[string]bool{}
	var out []string
	for _, e := range s.Edits {
		if e.Human || seen[e.Path] {
			continue
		}
		seen[e.Path] = true
		out = append(out, e.Path)
	}
	sort.Strings(out)
	return out
}
