// Package gemini turns Google Gemini CLI hook payloads and chat session
// files into TraceVault's agent-neutral [capture.Event] and
// [capture.UsageEntry] values. It is parsing only and imports nothing from
// the project but capture.
//
// # Hook payloads
//
// Gemini CLI (0.61.0 has 11 events) sends one JSON object on stdin:
// session_id, transcript_path, cwd, hook_event_name and timestamp, plus per
// event source, reason, prompt, prompt_response, llm_request{model, ...},
// llm_response, tool_name, tool_input, tool_response{llmContent,
// returnDisplay, error?}, trigger and notification fields. Tool calls carry
// no id: [ParseHook] pairs BeforeTool with AfterTool through [PairID].
//
// # Chat files
//
// <home>/.gemini/tmp/<project>/chats/session-<time>-<id8>.jsonl (0.61) is
// an upsert log:
//
//	{"sessionId":"…","projectHash":"…","startTime":"…","lastUpdated":"…","kind":"main"}
//	{"$set":{"messages":[{"id":"…","type":"user","content":[{"text":"<session_context>…"}]}]}}
//	{"id":"m1","timestamp":"…","type":"gemini","content":"","tokens":{"input":1000,"output":20,"cached":0,"thoughts":30,"tool":0,"total":1050},"model":"gemini-2.5-pro"}
//	{"id":"m1", … the same record again, now with "toolCalls":[…]}
//	{"$set":{"lastUpdated":"…"}}
//
// A later record of an id replaces the earlier one. Older CLIs wrote one
// JSON document {sessionId, projectHash, startTime, lastUpdated, messages}
// rewritten in place (session-*.json). [ParseChat] reads both.
//
// Each gemini message's tokens are one request. Like ccusage 20.0.24:
// Input = input − cached (when total = input+output+thoughts+tool shows
// cached is part of input) + tool (the tool-use prompt is input);
// CacheRead = cached; Output = output + thoughts (thoughts are billed as
// output; ccusage shows them only in its total). Key is
// "gemini:<session>:<message id>".
//
// [TailUsage] state is JSON {"format", "offset", "session_id", "model",
// "seen": {id: total}}; treat it as opaque.
package gemini
