package codex

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/tracevault/tracevault/capture"
)

// DefaultModel is the model ccusage assumes for usage that no turn_context
// names (some September 2025 rollouts have none).
const DefaultModel = "gpt-5"

// rawUsage is an OpenAI-semantics token count as Codex writes it:
// cached and cache-write tokens are part of input, reasoning is part of
// output.
type rawUsage struct {
	Input      int64 `json:"input_tokens"`
	Cached     int64 `json:"cached_input_tokens"`
	CacheWrite int64 `json:"cache_write_input_tokens,omitempty"`
	Output     int64 `json:"output_tokens"`
	Reasoning  int64 `json:"reasoning_output_tokens"`
	Total      int64 `json:"total_tokens"`
}

func (u rawUsage) zero() bool {
	return u.Input == 0 && u.Cached == 0 && u.CacheWrite == 0 && u.Output == 0 && u.Reasoning == 0
}

// minus returns u − prev, or ok=false when any count went down (the
// cumulative counter was reset).
func (u rawUsage) minus(prev rawUsage) (rawUsage, bool) {
	d := rawUsage{
		Input:      u.Input - prev.Input,
		Cached:     u.Cached - prev.Cached,
		CacheWrite: u.CacheWrite - prev.CacheWrite,
		Output:     u.Output - prev.Output,
		Reasoning:  u.Reasoning - prev.Reasoning,
		Total:      u.Total - prev.Total,
	}
	ok := d.Input >= 0 && d.Cached >= 0 && d.CacheWrite >= 0 && d.Output >= 0 && d.Reasoning >= 0
	return d, ok
}

// tokens maps OpenAI semantics to [capture.Tokens]: Input excludes cached
// tokens, CacheRead is the cached tokens, Output includes reasoning. Cache
// writes stay in Input: OpenAI bills them as plain input.
func (u rawUsage) tokens() capture.Tokens {
	cached := min(max(u.Cached, 0), max(u.Input, 0))
	return capture.Tokens{
		Input:     max(u.Input-cached, 0),
		CacheRead: cached,
		Output:    max(u.Output, 0),
	}
}

// pendingRecord is a token_usage_record not yet matched by a token_count.
type pendingRecord struct {
	ID     string    `json:"id"`
	Time   time.Time `json:"time"`
	Model  string    `json:"model,omitempty"`
	Usage  rawUsage  `json:"usage"`
	Thread *rawUsage `json:"thread,omitempty"`
}

// maxPending bounds the unmatched token_usage_records kept in state.
const maxPending = 64

// usageState is the running state of usage extraction over one rollout. It
// is what [TailUsage] stores between calls (as JSON, together with the
// byte offset).
type usageState struct {
	SessionID string          `json:"session_id,omitempty"`
	Model     string          `json:"model,omitempty"`
	Totals    *rawUsage       `json:"totals,omitempty"`
	Pending   []pendingRecord `json:"pending,omitempty"`
	// Latest is the response id of the last token_usage_record, which the
	// next advancing token_count may account for.
	Latest string `json:"latest,omitempty"`
}

func (s *usageState) model() string {
	if s.Model == "" {
		return DefaultModel
	}
	return s.Model
}

// tokenCount handles an event_msg token_count payload and returns the usage
// entry it adds, if any. The delta is taken from the cumulative
// total_token_usage: a repeated total (Codex writes two events per request,
// and a resumed session repeats its last total) adds nothing. When the total
// is absent or went down (a reset), last_token_usage is used instead.
func (s *usageState) tokenCount(ts time.Time, p fields) (capture.UsageEntry, bool) {
	info := p.obj("info")
	if info == nil {
		return capture.UsageEntry{}, false
	}
	if m := info.str("model"); m != "" {
		s.Model = m
	} else if m := p.str("model"); m != "" {
		s.Model = m
	}
	var total, last *rawUsage
	decodeUsage(info.raw("total_token_usage"), &total)
	decodeUsage(info.raw("last_token_usage"), &last)
	var delta rawUsage
	switch {
	case total != nil && s.Totals != nil && *total == *s.Totals:
		return capture.UsageEntry{}, false
	case total != nil:
		var prev rawUsage
		if s.Totals != nil {
			prev = *s.Totals
		}
		d, ok := total.minus(prev)
		if !ok && last != nil {
			d = *last
		} else if !ok {
			d = *total
		}
		delta = d
		s.Totals = total
	case last != nil:
		delta = *last
	default:
		return capture.UsageEntry{}, false
	}
	s.consumePending(delta, total)
	if delta.zero() {
		return capture.UsageEntry{}, false
	}
	key := ""
	if total != nil {
		key = fmt.Sprintf("codex:%s:total:%d/%d/%d/%d", s.SessionID, total.Input, total.Cached, total.Output, total.Reasoning)
	}
	return capture.UsageEntry{Key: key, Time: ts, Model: s.model(), Tokens: delta.tokens()}, true
}

// consumePending drops the latest token_usage_record when this token_count
// accounts for it, so a compaction marker later does not count it again.
func (s *usageState) consumePending(delta rawUsage, total *rawUsage) {
	if s.Latest == "" {
		return
	}
	for i, p := range s.Pending {
		if p.ID != s.Latest {
			continue
		}
		if p.Usage == delta || (p.Thread != nil && total != nil && *p.Thread == *total) ||
			(p.Usage.tokens() == delta.tokens()) {
			s.Pending = append(s.Pending[:i], s.Pending[i+1:]...)
		}
		break
	}
	s.Latest = ""
}

// usageRecord handles a 0.169 token_usage_record line. Its usage is the
// same request a token_count line reports, so it is only held as pending:
// it counts when a "compacted" line names its response id and no
// token_count accounted for it (remote compaction writes no token_count).
func (s *usageState) usageRecord(ts time.Time, p fields) {
	id := p.str("response_id")
	var u, thread *rawUsage
	decodeUsage(p.raw("usage"), &u)
	decodeUsage(p.raw("thread_token_usage"), &thread)
	s.Latest = ""
	if id == "" || u == nil || u.zero() {
		return
	}
	s.Latest = id
	model := p.str("model")
	s.Pending = append(s.Pending, pendingRecord{ID: id, Time: ts, Model: model, Usage: *u, Thread: thread})
	if len(s.Pending) > maxPending {
		s.Pending = s.Pending[len(s.Pending)-maxPending:]
	}
}

// compacted handles a "compacted" line: a pending token_usage_record it
// names becomes a usage entry.
func (s *usageState) compacted(p fields) (capture.UsageEntry, bool) {
	id := p.str("compaction_response_id")
	for i, pr := range s.Pending {
		if pr.ID != id || id == "" {
			continue
		}
		s.Pending = append(s.Pending[:i], s.Pending[i+1:]...)
		model := pr.Model
		if model == "" {
			model = s.model()
		}
		return capture.UsageEntry{Key: "codex:" + s.SessionID + ":response:" + id, Time: pr.Time, Model: model, Tokens: pr.Usage.tokens()}, true
	}
	return capture.UsageEntry{}, false
}

func decodeUsage(raw json.RawMessage, into **rawUsage) {
	if raw == nil {
		return
	}
	var u rawUsage
	if json.Unmarshal(raw, &u) == nil {
		*into = &u
	}
}
