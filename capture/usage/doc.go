// Package usage turns Claude Code transcripts into token and cost totals
// per model: the engine of `tracevault usage`. [ScanPaths] finds and reads
// transcripts, [Aggregate] de-duplicates their requests, sums them per
// model and prices them with a [pricing.Table].
//
// # Report format
//
// A [Report] encodes to JSON as:
//
//	{"models":[{"model":"claude-opus-4-6","input_tokens":4,"output_tokens":10,
//	    "cache_creation_5m_tokens":0,"cache_creation_1h_tokens":8055,"cache_read_tokens":44519,
//	    "cost_usd":0.1030795,"cache_savings_usd":0.2003355,"requests":2}],
//	 "total":{"model":"","input_tokens":4,…,"cost_usd":0.1030795,"cache_savings_usd":0.2003355,"requests":2},
//	 "unpriced_models":[]}
//
// Models are sorted by name. A request made in fast mode (usage.speed
// "fast") is reported under the model name with "-fast" appended, as
// ccusage does, because it is priced differently. cost_usd is null for a
// model with no known price, and that model is listed in unpriced_models:
// an unknown model is never priced at $0. total sums every model's tokens
// and requests; its model is always ""; its cost_usd and cache_savings_usd
// sum the priced models only (unpriced ones are excluded and listed), and
// are null only when there is usage and none of it is priced.
// cache_savings_usd is what the cache reads would have cost as fresh input
// minus what they cost. Amounts are rounded to a billionth of a dollar.
//
// # Counting rules
//
// These follow ccusage 20.0.24 (its Rust loader), checked against it on
// every shared fixture by this package's tests:
//
//   - Requests are de-duplicated by (message.id, requestId), the entry's
//     Key. Of two entries with the same Key the larger token total wins
//     (Claude Code writes one line per content block of a streamed message;
//     the last carries the final output count); on equal totals the one
//     with a speed wins. A main-thread entry always beats a sidechain one.
//   - A sidechain entry (a /btw side question or subagent) whose message.id
//     matches a kept entry with a different requestId is a replay of a
//     parent message and is dropped in favour of the main-thread entry
//     (ccusage issue #913).
//   - Entries missing message.id or requestId are never de-duplicated.
//     (ccusage de-duplicates an entry with a message id and no requestId
//     by the message id alone; Claude Code writes such lines only for
//     <synthetic> messages, which are skipped anyway.)
//   - "<synthetic>" entries (messages Claude Code writes itself) are
//     skipped.
//   - Subagent files are read, and a subagent's agent_progress lines in
//     the parent transcript are used only when its file is absent.
//     ccusage never reads progress lines, so its totals lack those
//     subagents.
package usage
