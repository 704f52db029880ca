// Package capture is TraceVault's agent-neutral model of an AI coding
// session: the normalised hook [Event] every agent's payloads map to, the
// assembled [Session] (prompts, tool calls paired by id, file edits, subagents,
// models, token usage per model with cost), and token accounting types
// ([Tokens], [UsageEntry], [ModelUsage]).
//
// It imports nothing from the project and only the standard library. Agent
// specifics live in capture/hook/<agent>; the local spool in capture/spool;
// signed storage in git in capture/record. The stored byte layout of a
// session record is specified in docs/format.md.
package capture
