package hookrun

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/tracevault/tracevault/capture"
	"github.com/tracevault/tracevault/capture/githooks"
	"github.com/tracevault/tracevault/capture/pricing"
	"github.com/tracevault/tracevault/capture/spool"
	"github.com/tracevault/tracevault/policy"
)

// PolicyFile is the repository's policy, relative to the work tree.
const PolicyFile = ".tracevault/policy.yaml"

// guard applies the repository's policy to a tool call about to run. A
// blocked call is denied with the agent's own convention, and the denial
// and the verdict are recorded with the event. A policy file that does not
// compile denies file edits and shell commands unless it says
// on_error: allow.
func (h *hook) guard(kind capture.ToolKind) {
	if kind == capture.ToolOther || h.agent.Deny == nil {
		return
	}
	src, err := spool.ReadFile(filepath.Join(h.repo.WorkTree, PolicyFile))
	if errors.Is(err, os.ErrNotExist) {
		return
	}
	if err != nil {
		h.deny(policy.Verdict{}, "policy", fmt.Sprintf("TraceVault could not read %s: %v", PolicyFile, err))
		return
	}
	p, mode, err := h.compiled(src)
	if err != nil {
		if mode == policy.FailAllow {
			h.logf("policy %s does not compile (on_error: allow): %v", PolicyFile, err)
			return
		}
		var list policy.ErrorList
		if errors.As(err, &list) {
			h.deny(policy.Verdict{}, "policy", fmt.Sprintf("TraceVault policy %s is invalid, so edits and commands are blocked (fail closed): %v", PolicyFile, err))
		} else {
			h.deny(policy.Verdict{}, "policy", fmt.Sprintf("TraceVault could not compile policy %s, so edits and commands are blocked (fail closed): %v", PolicyFile, err))
		}
		return
	}
	in := policy.ToolCallInput{
		Agent: h.agent.Name, Model: h.ev.Model, SessionID: h.ev.SessionID, Tool: h.ev.ToolName, ToolKind: kind,
	}
	if kind == capture.ToolFileEdit {
		for _, t := range h.agent.EditTargets(&h.ev) {
			if rel, ok := h.rel(t); ok {
				in.Paths = append(in.Paths, rel)
			}
		}
	}
	if kind == capture.ToolShell {
		in.Command = shellCommand(h.ev.ToolInput)
	}
	in.Branch, _, _ = readHead(h.repo)
	h.sessionFacts(&in)
	v := p.EvaluateToolCall(in)
	h.rec.Verdict = v.JSON()
	if v.Blocked() {
		rule, msg := "", ""
		for _, vi := range v.Violations {
			if vi.Action == "block" {
				rule, msg = vi.Rule, vi.Message
				break
			}
		}
		h.deny(v, rule, fmt.Sprintf("TraceVault policy rule %q blocks this %s call: %s", rule, h.ev.ToolName, msg))
	}
}

func (h *hook) deny(v policy.Verdict, rule, reason string) {
	h.rec.Denial = &capture.Denial{Time: h.rec.At, ToolUseID: h.ev.ToolUseID, Tool: h.ev.ToolName, Rule: rule, Reason: reason}
	h.out, h.code = h.agent.Deny(&h.ev, reason)
}

// compiled returns the compiled policy, caching its canonical form by the
// hash of the source so that later hooks compile only that JSON. The hook
// links no YAML parser: a source not in the cache goes to the policy
// compiler (by default the full tracevault binary). On failure it returns
// the policy's on_error setting with the error.
func (h *hook) compiled(src []byte) (*policy.Policy, policy.FailMode, error) {
	sum := sha256.Sum256(src)
	cache := h.dir.Path("state", "policy-"+hex.EncodeToString(sum[:12])+".json")
	if b, err := spool.ReadFile(cache); err == nil {
		if p, err := policy.Compile(b); err == nil {
			return p, p.FailMode(), nil
		}
	}
	compile := h.opts.CompilePolicy
	if compile == nil {
		compile = ExecPolicyCompiler
	}
	canonical, mode, err := compile(src)
	if err != nil {
		return nil, mode, err
	}
	p, err := policy.Compile(canonical)
	if err != nil {
		return nil, policy.FailBlock, fmt.Errorf("the policy compiler's canonical form does not compile: %w", err)
	}
	tmp := cache + ".tmp"
	if os.MkdirAll(filepath.Dir(cache), 0o700) == nil && spool.WriteFile(tmp, p.Canonical(), 0o600) == nil {
		_ = os.Rename(tmp, cache)
	}
	return p, p.FailMode(), nil
}

// A PolicyCompiler compiles a policy file's source into its canonical form
// ([policy.Policy.Canonical]). For a policy that does not compile it
// returns the file's on_error setting and an error: a [policy.ErrorList]
// when the policy itself is at fault, any other error when it could not be
// compiled at all (the setting then is what could be read without YAML).
type PolicyCompiler func(src []byte) (canonical []byte, onError policy.FailMode, err error)

// CompiledPolicy is the JSON object "tracevault policy compile" prints:
// the canonical form of a policy, or its problems and on_error setting.
type CompiledPolicy struct {
	Canonical json.RawMessage  `json:"canonical,omitempty"`
	OnError   policy.FailMode  `json:"on_error,omitempty"`
	Errors    policy.ErrorList `json:"errors,omitempty"`
}

// policyCompileTimeout bounds the run of the full binary, well inside the
// hook's own budget.
const policyCompileTimeout = 10 * time.Second

// ExecPolicyCompiler is the default [PolicyCompiler]: it runs "tracevault
// policy compile" (the full binary, beside tracevault-hook or on PATH) with
// the source on stdin.
func ExecPolicyCompiler(src []byte) ([]byte, policy.FailMode, error) {
	full, err := githooks.FullBinary()
	if err != nil {
		return nil, policy.FailModeOf(src), err
	}
	ctx, cancel := context.WithTimeout(context.Background(), policyCompileTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, full, "policy", "compile")
	cmd.Stdin = bytes.NewReader(src)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return nil, policy.FailModeOf(src), fmt.Errorf("running %s policy compile: %w: %s", full, err, bytes.TrimSpace(stderr.Bytes()))
	}
	var res CompiledPolicy
	if err := json.Unmarshal(stdout.Bytes(), &res); err != nil {
		return nil, policy.FailModeOf(src), fmt.Errorf("reading the output of %s policy compile: %w", full, err)
	}
	switch {
	case len(res.Errors) > 0:
		mode := policy.FailBlock
		if res.OnError == policy.FailAllow {
			mode = policy.FailAllow
		}
		return nil, mode, res.Errors
	case len(res.Canonical) == 0:
		return nil, policy.FailModeOf(src), fmt.Errorf("%s policy compile printed neither a policy nor errors", full)
	}
	return res.Canonical, res.OnError, nil
}

// sessionFacts fills the model, usage and budget facts the hook tracks in
// the session state.
func (h *hook) sessionFacts(in *policy.ToolCallInput) {
	if h.ev.SessionID == "" {
		return
	}
	_ = h.dir.WithState(h.ev.SessionID, func(st *spool.State) error {
		if in.Model == "" {
			in.Model = st.Model
		}
		in.SessionUsage = st.Usage
		in.SecretsSeen = st.Secrets
		return nil
	})
	day := readDay(h.dir, h.rec.At)
	in.AuthorDayCostUSD, in.AuthorDayTokens = day.CostUSD, day.Tokens
}

// dayLedger is the spend of this clone's user on one UTC day.
type dayLedger struct {
	CostUSD float64 `json:"cost_usd"`
	Tokens  int64   `json:"tokens"`
}

func dayPath(d spool.Dir, t time.Time) string {
	return d.Path("state", "day-"+t.UTC().Format("2006-01-02")+".json")
}

// readDay reads the day's ledger under its lock held shared (it is written
// in place under the lock held exclusively: a lock-free read could see it
// half written and under-count the spend).
func readDay(d spool.Dir, t time.Time) dayLedger {
	var l dayLedger
	if b, err := spool.ReadShared(dayPath(d, t)); err == nil {
		_ = json.Unmarshal(b, &l)
	}
	return l
}

// shellCommand returns the command line of a shell tool call's input
// (Claude and Codex "command", Codex exec "cmd").
func shellCommand(input []byte) string {
	var in struct {
		Command json.RawMessage `json:"command"`
		Cmd     json.RawMessage `json:"cmd"`
	}
	if json.Unmarshal(input, &in) != nil {
		return ""
	}
	for _, raw := range []json.RawMessage{in.Command, in.Cmd} {
		var s string
		if json.Unmarshal(raw, &s) == nil && s != "" {
			return s
		}
		var argv []string
		if json.Unmarshal(raw, &argv) == nil && len(argv) > 0 {
			return strings.Join(argv, " ")
		}
	}
	return ""
}

// addUsage folds new usage entries into the session state and the day
// ledger: the model last seen, and token and cost totals (a request seen
// again with more tokens adds only the difference).
func (h *hook) addUsage(st *spool.State, entries []capture.UsageEntry) {
	if len(entries) == 0 {
		return
	}
	if st.Requests == nil {
		st.Requests = map[string]capture.Tokens{}
	}
	prices := h.prices()
	var dayCost float64
	var dayTokens int64
	for _, e := range entries {
		if e.Model == "" || e.Model == "<synthetic>" {
			continue
		}
		st.Model = e.Model
		delta := e.Tokens
		if e.Key != "" {
			prev, seen := st.Requests[e.Key]
			if seen && prev.Total() >= e.Tokens.Total() {
				continue
			}
			delta = sub(e.Tokens, prev)
			st.Requests[e.Key] = e.Tokens
			if !seen {
				st.Usage.Requests++
			}
		} else {
			st.Usage.Requests++
		}
		st.Usage.Tokens = st.Usage.Tokens.Add(delta)
		dayTokens += delta.Total()
		if prices != nil {
			if p, ok := prices.Lookup(e.Model); ok {
				d := e
				d.Tokens = delta
				c := pricing.Cost(p, d)
				v := c
				if st.Usage.CostUSD != nil {
					v += *st.Usage.CostUSD
				}
				st.Usage.CostUSD = &v
				dayCost += c
			}
		}
	}
	if dayCost == 0 && dayTokens == 0 {
		return
	}
	_ = spool.Update(dayPath(h.dir, h.rec.At), func(b []byte) ([]byte, bool) {
		var l dayLedger
		_ = json.Unmarshal(b, &l) // missing or damaged: from zero
		l.CostUSD += dayCost
		l.Tokens += dayTokens
		out, err := json.Marshal(l)
		return out, err == nil
	})
}

func sub(a, b capture.Tokens) capture.Tokens {
	return capture.Tokens{Input: a.Input - b.Input, Output: a.Output - b.Output, CacheWrite5m: a.CacheWrite5m - b.CacheWrite5m,
		CacheWrite1h: a.CacheWrite1h - b.CacheWrite1h, CacheRead: a.CacheRead - b.CacheRead}
}

// prices returns the price table (nil when it cannot be loaded).
func (h *hook) prices() *pricing.Table {
	t, err := pricing.Default()
	if err != nil {
		h.logf("prices: %v", err)
		return nil
	}
	return t
}
