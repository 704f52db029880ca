// Package assemble builds a [capture.Session] from a session's spool records:
// prompts, tool calls paired by id and counted once, file edits with content
// hashes, subagents, models, token usage per model with cost, start and end.
// It is pure given its inputs (records, a price table and the author), so the
// same spool always assembles to the same session.
package assemble

import (
	"encoding/json"
	"sort"
	"time"

	"github.com/tracevault/tracevault/capture"
	"github.com/tracevault/tracevault/capture/hookrun"
	"github.com/tracevault/tracevault/capture/pricing"
	"github.com/tracevault/tracevault/capture/spool"
	"github.com/tracevault/tracevault/capture/usage"
)

// MaxToolInput caps the tool input kept per call in a session record.
const MaxToolInput = 16 << 10

// Options are the inputs besides the records.
type Options struct {
	Author capture.Identity
	Prices *pricing.Table
	// Extra usage read after the last hook (the transcript may lag).
	ExtraUsage []capture.UsageEntry
}

// Session assembles the records of one session.
func Session(recs []spool.Record, opts Options) *capture.Session {
	if opts.Prices == nil {
		opts.Prices = pricing.Embedded()
	}
	b := builder{s: &capture.Session{Version: capture.FormatVersion, Author: opts.Author, Evidence: "hooks"},
		calls: map[string]int{}, subagents: map[string]int{}, models: map[string]bool{}}
	var entries []capture.UsageEntry
	for i := range recs {
		b.add(&recs[i])
		entries = append(entries, recs[i].Usage...)
	}
	entries = append(entries, opts.ExtraUsage...)
	b.finish(entries, opts.Prices)
	return b.s
}

type builder struct {
	s         *capture.Session
	calls     map[string]int // tool_use_id -> index in s.ToolCalls
	subagents map[string]int
	models    map[string]bool
	tools     []spool.TranscriptTool // from the transcript, in record order
}

func (b *builder) add(r *spool.Record) {
	s := b.s
	if r.Head != nil && s.HeadAtStart == "" {
		s.Branch, s.HeadAtStart = r.Head.Branch, r.Head.Commit
	}
	if s.StartedAt.IsZero() || r.At.Before(s.StartedAt) {
		s.StartedAt = r.At
	}
	if r.At.After(s.EndedAt) {
		s.EndedAt = r.At
	}
	if r.Invalid != "" {
		s.Problems = append(s.Problems, r.At.Format(time.RFC3339)+": "+r.Invalid)
		if len(r.Payload) == 0 || r.Payload[0] != '{' {
			return // not an object: nothing to read (a salvaged record is)
		}
	}
	agent, ok := hookrun.Lookup(r.Agent)
	if !ok {
		s.Problems = append(s.Problems, "unknown agent "+r.Agent)
		return
	}
	ev, err := agent.Parse(r.Payload)
	if err != nil {
		s.Problems = append(s.Problems, err.Error())
		return
	}
	ev.Time = r.At
	if s.ID == "" {
		s.ID, s.Agent = ev.SessionID, r.Agent
	}
	if s.Cwd == "" {
		s.Cwd = ev.Cwd
	}
	b.model(ev.Model)
	switch ev.Kind {
	case capture.EventPrompt:
		if ev.Prompt != "" {
			s.Prompts = append(s.Prompts, capture.Prompt{Time: r.At, Text: ev.Prompt})
		}
	case capture.EventToolStart, capture.EventToolEnd, capture.EventToolFailed:
		b.tool(&ev, r)
		if ev.Kind == capture.EventToolEnd && agent.ToolKind(ev.ToolName) == capture.ToolSubagent {
			b.subagentCall(&ev)
		}
	case capture.EventSubagentStart, capture.EventSubagentStop:
		b.subagent(&ev)
	case capture.EventSessionEnd:
		s.Ended = true
	}
	if ev.AgentID != "" && ev.Kind != capture.EventSubagentStop {
		b.subagent(&ev)
	}
	for _, e := range r.Observed {
		e.Time = r.At
		s.Edits = append(s.Edits, e)
	}
	b.tools = append(b.tools, r.Tools...)
}

// subagentCall links the subagent a subagent tool call ran to that call:
// Claude Code's Agent (formerly Task) response names it as agentId.
func (b *builder) subagentCall(ev *capture.Event) {
	var resp struct {
		AgentID string `json:"agentId"`
	}
	if len(ev.ToolResponse) == 0 || ev.ToolResponse[0] != '{' || json.Unmarshal(ev.ToolResponse, &resp) != nil || resp.AgentID == "" {
		return
	}
	sub := capture.Event{AgentID: resp.AgentID}
	b.subagent(&sub)
	b.s.Subagents[b.subagents[resp.AgentID]].ToolUseID = ev.ToolUseID
}

// transcriptTools adds the tool calls only the transcript recorded (no hook
// fired for them) and settles calls hooks left pending. A call hooks saw
// keeps what the hooks said.
func (b *builder) transcriptTools() {
	s := b.s
	fromHooks := map[string]bool{}
	for id := range b.calls {
		fromHooks[id] = true
	}
	for _, t := range b.tools {
		if t.ID == "" {
			continue
		}
		i, seen := b.calls[t.ID]
		if !seen {
			s.ToolCalls = append(s.ToolCalls, capture.ToolCall{ID: t.ID, Status: capture.ToolPending})
			i = len(s.ToolCalls) - 1
			b.calls[t.ID] = i
		}
		c := &s.ToolCalls[i]
		if fromHooks[t.ID] && c.Status != capture.ToolPending {
			continue
		}
		if t.Name != "" {
			c.Name, c.StartedAt = t.Name, t.Time
			if len(c.Input) == 0 {
				c.Input = capInput(t.Input)
			}
		}
		if c.AgentID == "" {
			c.AgentID = t.AgentID
		}
		if t.Status != "" {
			c.Status, c.Error, c.EndedAt = t.Status, t.Error, t.Time
			if !c.StartedAt.IsZero() && c.DurationMS == 0 {
				c.DurationMS = c.EndedAt.Sub(c.StartedAt).Milliseconds()
			}
		}
	}
}

func (b *builder) model(m string) {
	if m != "" && m != "<synthetic>" && !b.models[m] {
		b.models[m] = true
		b.s.Models = append(b.s.Models, m)
	}
}

// tool pairs Pre and Post events by tool_use_id so each call counts once.
func (b *builder) tool(ev *capture.Event, r *spool.Record) {
	s := b.s
	id := ev.ToolUseID
	i, seen := b.calls[id]
	if id == "" || !seen {
		s.ToolCalls = append(s.ToolCalls, capture.ToolCall{ID: id, Name: ev.ToolName, Status: capture.ToolPending, AgentID: ev.AgentID})
		i = len(s.ToolCalls) - 1
		if id != "" {
			b.calls[id] = i
		}
	}
	c := &s.ToolCalls[i]
	if c.Name == "" {
		c.Name = ev.ToolName
	}
	if len(c.Input) == 0 && len(ev.ToolInput) > 0 {
		c.Input = capInput(ev.ToolInput)
	}
	switch ev.Kind {
	case capture.EventToolStart:
		c.StartedAt = ev.Time
		if r.Denial != nil {
			c.Status, c.Error, c.EndedAt = capture.ToolDenied, r.Denial.Reason, ev.Time
			d := *r.Denial
			s.Denials = append(s.Denials, d)
		}
	case capture.EventToolEnd:
		if c.Status != capture.ToolDenied {
			c.Status = capture.ToolOK
		}
		c.EndedAt = ev.Time
	case capture.EventToolFailed:
		c.Status, c.Error, c.EndedAt = capture.ToolFailed, ev.Error, ev.Time
	}
	if ev.DurationMS > 0 {
		c.DurationMS = ev.DurationMS
	} else if !c.StartedAt.IsZero() && !c.EndedAt.IsZero() {
		c.DurationMS = c.EndedAt.Sub(c.StartedAt).Milliseconds()
	}
}

func capInput(in json.RawMessage) json.RawMessage {
	if len(in) <= MaxToolInput {
		return in
	}
	out, _ := json.Marshal(map[string]any{"truncated": true, "bytes": len(in), "head": string(in[:MaxToolInput])})
	return out
}

func (b *builder) subagent(ev *capture.Event) {
	if ev.AgentID == "" {
		return
	}
	i, ok := b.subagents[ev.AgentID]
	if !ok {
		b.s.Subagents = append(b.s.Subagents, capture.Subagent{ID: ev.AgentID})
		i = len(b.s.Subagents) - 1
		b.subagents[ev.AgentID] = i
	}
	sa := &b.s.Subagents[i]
	if sa.Type == "" {
		sa.Type = ev.AgentType
	}
	if ev.AgentTranscriptPath != "" {
		sa.TranscriptPath = ev.AgentTranscriptPath
	}
}

func (b *builder) finish(entries []capture.UsageEntry, prices *pricing.Table) {
	s := b.s
	b.transcriptTools()
	rep := usage.Aggregate(entries, prices)
	s.Usage, s.Total, s.Unpriced = rep.Models, rep.Total, rep.UnpricedModels
	for _, m := range rep.Models {
		b.model(m.Model)
	}
	perAgent := map[string]map[string]bool{}
	for _, e := range entries {
		if e.AgentID != "" && e.Model != "" && e.Model != "<synthetic>" {
			if perAgent[e.AgentID] == nil {
				perAgent[e.AgentID] = map[string]bool{}
			}
			perAgent[e.AgentID][e.Model] = true
		}
	}
	for i := range s.Subagents {
		for m := range perAgent[s.Subagents[i].ID] {
			s.Subagents[i].Models = append(s.Subagents[i].Models, m)
		}
		sort.Strings(s.Subagents[i].Models)
	}
	for i := range s.ToolCalls {
		if s.ToolCalls[i].Status == capture.ToolPending && s.Ended {
			s.ToolCalls[i].Status = capture.ToolFailed
			s.ToolCalls[i].Error = "no result recorded before the session ended"
		}
	}
	if s.Models == nil {
		s.Models = []string{}
	}
	if s.Prompts == nil {
		s.Prompts = []capture.Prompt{}
	}
	if s.ToolCalls == nil {
		s.ToolCalls = []capture.ToolCall{}
	}
	if s.Edits == nil {
		s.Edits = []capture.FileEdit{}
	}
}
