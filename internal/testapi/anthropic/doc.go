// Package anthropic is a scripted local stand-in for the Anthropic Messages
// API, good enough for the real Claude Code CLI to run offline against it.
// It is imported by tests only.
//
// # Scripting
//
// A [Script] is a list of [Step]s; each step is one assistant response (text,
// thinking and tool_use blocks, the model to report and the exact [Usage] to
// report). Step k answers a request whose messages already hold the
// tool results of k responses (k user messages with tool_result blocks; the
// CLI puts the results of parallel tool calls in one message), so the answer
// does not depend on how many side requests the CLI makes or in which order,
// nor on retries. Past the last step the script
// answers with its Final step (by default a short end_turn text).
//
// One server holds a main script and any number of subagent scripts. A
// request belongs to a subagent script when the text of its first user
// message contains that script's Marker; put the marker in the prompt of the
// scripted Agent tool call. Requests that offer no tools are side requests
// (titles, summaries, quota probes); they get a fixed short answer with
// [SideUsage].
//
// Every request is recorded as an [Exchange], together with the usage the
// stand-in reported for it, so tests can compute the exact token totals a
// transcript should hold.
//
// # Wire format
//
// POST /v1/messages with "stream": true is answered with server-sent
// events, in the order the real API sends them:
//
//	event: message_start
//	data: {"type":"message_start","message":{"id":"msg_tv000001","type":"message","role":"assistant",
//	       "model":"claude-sonnet-4-5","content":[],"stop_reason":null,"stop_sequence":null,
//	       "usage":{"input_tokens":12,"cache_creation_input_tokens":300,"cache_read_input_tokens":40,
//	       "cache_creation":{"ephemeral_5m_input_tokens":100,"ephemeral_1h_input_tokens":200},
//	       "output_tokens":1,"service_tier":"standard"}}}
//
//	event: ping
//	data: {"type":"ping"}
//
//	event: content_block_start
//	data: {"type":"content_block_start","index":0,"content_block":{"type":"tool_use","id":"toolu_tv000001","name":"Write","input":{}}}
//
//	event: content_block_delta
//	data: {"type":"content_block_delta","index":0,"delta":{"type":"input_json_delta","partial_json":"{\"file_path\":..."}}
//
//	event: content_block_stop
//	data: {"type":"content_block_stop","index":0}
//
//	event: message_delta
//	data: {"type":"message_delta","delta":{"stop_reason":"tool_use","stop_sequence":null},
//	       "usage":{"input_tokens":12,"cache_creation_input_tokens":300,"cache_read_input_tokens":40,"output_tokens":57}}
//
//	event: message_stop
//	data: {"type":"message_stop"}
//
// Text blocks stream as text_delta, thinking blocks as thinking_delta plus
// signature_delta. message_start reports output_tokens 1, as the real API
// does; message_delta carries the final count. The stop reason is tool_use
// when the step has a tool_use block, else end_turn. Every response carries
// a request-id header ("req_tv…"), which Claude Code records as requestId.
//
// With "stream": false the same message is returned as one JSON object.
// POST /v1/messages/count_tokens answers {"input_tokens":N} with N derived
// from the body size. HEAD or GET /api/hello (the CLI's connectivity check
// when nonessential traffic is allowed) answers 200. Any other path gets a
// 404 JSON error and is recorded.
package anthropic
