// Package codex turns OpenAI Codex CLI hook payloads and rollout files into
// TraceVault's agent-neutral [capture.Event] and [capture.UsageEntry]
// values. It is parsing only and imports nothing from the project but
// capture.
//
// # Hook payloads
//
// Codex (0.169.0 has 13 events, plus StopFailure in the schemas) sends one
// JSON object on stdin: session_id, transcript_path (may be null), cwd,
// hook_event_name, usually model, permission_mode and turn_id, and per
// event prompt, source, reason, trigger, tool_name, tool_input,
// tool_use_id, tool_response (a string for Bash, an object for MCP),
// agent_id, agent_type, agent_transcript_path and last_assistant_message.
// [ParseHook] reads every member leniently. Codex reports exec_command as
// "Bash"; apply_patch arrives as tool_input {"command": "<patch>"} and is
// parsed into Edits.
//
// # apply_patch
//
//	*** Begin Patch
//	*** Add File: <path>          followed by "+" lines
//	*** Delete File: <path>
//	*** Update File: <path>
//	*** Move to: <new path>       optional, right after Update File
//	@@ [anchor line]              hunks of " ", "-", "+" lines
//	*** End of File               optional, pins the hunk to the end
//	*** End Patch
//
// [ParsePatch] reads it, [ApplyPatch] applies hunks like Codex does, and
// [Edits] turns it into [capture.FileEdit] values.
//
// # Rollouts
//
// $CODEX_HOME/sessions/YYYY/MM/DD/rollout-<time>-<uuid>.jsonl holds one
// {"timestamp", "ordinal"?, "type", "payload"} object per line. Token usage
// comes from event_msg token_count lines, whose info.total_token_usage is
// cumulative for the session: each entry is the difference from the
// previous total, so the repeated events Codex writes (and the repeated
// total a resumed session starts with) add nothing; a total that went down
// is a reset and last_token_usage is used. 0.169.0 also writes a
// token_usage_record line per response; it is the same request as the next
// token_count and is counted only for a compaction (a "compacted" line
// naming its response id) that no token_count accounted for, as ccusage
// 20.0.24 does. The model is the latest turn_context.model, or
// [DefaultModel]. OpenAI semantics map to [capture.Tokens] as Input =
// input − cached (cache writes stay in Input), CacheRead = cached, Output
// = output (reasoning included). Keys are "codex:<session>:total:<cumulative
// input/cached/output/reasoning>", identical from [ParseRollout] and
// [TailUsage].
//
// [TailUsage] state is JSON {"offset", "usage": {"session_id", "model",
// "totals", "pending", "latest"}}; treat it as opaque.
package codex
