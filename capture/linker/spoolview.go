package linker

import (
	"slices"
	"sort"
	"time"

	"github.com/tracevault/tracevault/capture"
	"github.com/tracevault/tracevault/capture/assemble"
	"github.com/tracevault/tracevault/capture/attribute"
	"github.com/tracevault/tracevault/capture/hookrun"
	"github.com/tracevault/tracevault/capture/pricing"
	"github.com/tracevault/tracevault/capture/spool"
	"github.com/tracevault/tracevault/gitstore"
)

// observation is one observed file change with its session.
type observation struct {
	At      time.Time
	Order   int // position in the spool, to keep same-time order
	Session string
	SessID  string
	Agent   string
	Edit    capture.FileEdit
}

// spoolView is the part of the spool post-commit looks at.
type spoolView struct {
	dir      spool.Dir
	records  map[string][]spool.Record // spool name -> records
	ids      map[string]string         // spool name -> session id
	obs      []observation
	sessions map[string]*capture.Session
	// committed holds file contents earlier commits recorded.
	committed map[committedKey][]gitstore.Hash
	// commit collects the contents of the commit being attributed, for
	// recordCommitted.
	commit []committedEntry
	blobs  map[string]*string // read by blob
}

// loadSpool reads every session's spool and collects every observed edit,
// in time order. Which of them matter to a file is decided per file (see
// relevant), not by a time cutoff: a partially staged commit leaves edits
// made before it for the next commit, and a commit's date says nothing
// about when its edits were made.
func (l *Linker) loadSpool() (*spoolView, error) {
	v := &spoolView{dir: l.Spool, records: map[string][]spool.Record{}, ids: map[string]string{}, sessions: map[string]*capture.Session{}}
	names, err := l.Spool.Sessions()
	if err != nil {
		return nil, err
	}
	n := 0
	for _, name := range names {
		res, err := l.Spool.Read(name)
		if err != nil {
			return nil, err
		}
		v.records[name] = res.Records
		id := name
		for _, r := range res.Records {
			if a, ok := hookrun.Lookup(r.Agent); ok && r.Invalid == "" {
				if ev, err := a.Parse(r.Payload); err == nil && ev.SessionID != "" {
					id = ev.SessionID
					break
				}
			}
		}
		v.ids[name] = id
		for _, r := range res.Records {
			n++
			for _, e := range r.Observed {
				v.obs = append(v.obs, observation{At: r.At, Order: n, Session: name, SessID: id, Agent: canonicalAgent(r.Agent), Edit: e})
			}
		}
	}
	sort.SliceStable(v.obs, func(i, j int) bool {
		if !v.obs[i].At.Equal(v.obs[j].At) {
			return v.obs[i].At.Before(v.obs[j].At)
		}
		return v.obs[i].Order < v.obs[j].Order
	})
	committed, err := loadCommitted(l.Spool)
	if err != nil {
		return nil, err
	}
	v.committed = committed
	return v, nil
}

func canonicalAgent(a string) string {
	if ag, ok := hookrun.Lookup(a); ok {
		return ag.Name
	}
	return a
}

// forPath returns the observations of a path in time order, following
// renames back: an edit that renamed X to path brings in the edits of X made
// before it. oldPath is the name git's rename detection gives the file in
// the parent commit.
func (v *spoolView) forPath(path, oldPath string) []observation {
	names := map[string]bool{path: true}
	if oldPath != "" {
		names[oldPath] = true
	}
	var out []observation
	for i := len(v.obs) - 1; i >= 0; i-- {
		o := v.obs[i]
		if !names[o.Edit.Path] {
			continue
		}
		out = append(out, o)
		if o.Edit.OldPath != "" {
			names[o.Edit.OldPath] = true
		}
	}
	slices.Reverse(out)
	return out
}

// relevant drops the observations that happened before the file was last
// seen in a committed state: the base content (baseHash, "" when the file
// did not exist), or content an earlier commit in this commit's history
// recorded (see recordCommitted; inHistory says whether a commit is an
// ancestor). Replaying from there starts from a committed state, so edits
// already accounted for are not replayed, while edits left unstaged by an
// earlier partial commit, or committed only on another branch (rebase,
// cherry-pick, merge --squash), are.
func (v *spoolView) relevant(obs []observation, baseHash string, inHistory func(gitstore.Hash) bool) []observation {
	for i := len(obs) - 1; i >= 0; i-- {
		e := obs[i].Edit
		var state string
		switch {
		case e.Op == capture.OpDelete:
			state = ""
		case e.After == "":
			continue // content unknown
		default:
			state = e.After
		}
		if state == baseHash {
			return obs[i+1:]
		}
		if state == "" {
			continue
		}
		for _, c := range v.committed[committedKey{e.Path, state}] {
			if inHistory(c) {
				return obs[i+1:]
			}
		}
	}
	return obs
}

// steps turns observations into attribution steps; it also returns a map
// from session id to spool name.
func (v *spoolView) steps(obs []observation) ([]attribute.Step, map[string]string) {
	names := map[string]string{}
	var steps []attribute.Step
	for _, o := range obs {
		e := o.Edit
		st := attribute.Step{}
		if e.Before != "" {
			st.Before = v.blob(e.Before)
		}
		if e.Op != capture.OpDelete {
			// Content unknown (too large, or damaged): the step cannot
			// be replayed.
			if st.After = v.blob(e.After); st.After == nil {
				continue
			}
		}
		if e.Human {
			st.Origin = attribute.Origin{Kind: attribute.Human}
		} else {
			st.Origin = attribute.Origin{Kind: attribute.AI, SessionID: o.SessID, Agent: o.Agent, ToolUseID: e.ToolUseID,
				Model: v.modelAt(o.Session, e.AgentID, o.At)}
			names[o.SessID] = o.Session
		}
		steps = append(steps, st)
	}
	return steps, names
}

// blob returns the spool blob with content hash h, or nil when it cannot
// be read. Blobs are read once per spoolView: one edit's after is the next
// one's before.
func (v *spoolView) blob(h string) *string {
	if s, ok := v.blobs[h]; ok {
		return s
	}
	var s *string
	if b, err := v.dir.Blob(h); err == nil {
		str := string(b)
		s = &str
	}
	if v.blobs == nil {
		v.blobs = map[string]*string{}
	}
	v.blobs[h] = s
	return s
}

// modelAt finds the model that was answering when an edit happened: the
// latest usage entry of the same (sub)agent at or before t.
func (v *spoolView) modelAt(name, agentID string, t time.Time) string {
	var best, first string
	var bestAt time.Time
	for _, r := range v.records[name] {
		for _, u := range r.Usage {
			if u.Model == "" || u.Model == "<synthetic>" || u.AgentID != agentID {
				continue
			}
			if first == "" {
				first = u.Model
			}
			if !u.Time.After(t) && !u.Time.Before(bestAt) {
				best, bestAt = u.Model, u.Time
			}
		}
	}
	if best == "" {
		best = first
	}
	if best == "" {
		// Usage is read at Stop; before that, the payloads may name it.
		if s := v.sessions[name]; s != nil && len(s.Models) > 0 {
			return s.Models[0]
		}
	}
	return best
}

// session assembles the session stored under a spool name.
func (v *spoolView) session(name string, author capture.Identity, prices *pricing.Table) *capture.Session {
	if s := v.sessions[name]; s != nil {
		return s
	}
	s := assemble.Session(v.records[name], assemble.Options{Author: author, Prices: prices})
	if s.ID == "" {
		s.ID = v.ids[name]
	}
	v.sessions[name] = s
	return s
}
