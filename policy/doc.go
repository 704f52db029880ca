// Package policy is TraceVault's policy engine: it compiles a policy file
// (.tracevault/policy.yaml) and judges tool calls and commit ranges against
// it, giving one [Verdict] whose canonical JSON is byte-identical wherever
// the same policy and inputs are evaluated — the agent's PreToolUse hook,
// pre-push "tracevault check", CI "tracevault verify" and server ingest.
//
// The package is pure: it imports only the standard library and capture,
// does no I/O, reads no clock and no environment. Callers pass the policy
// bytes and build the inputs. It compiles policies in their JSON form; the
// YAML front end for policy files as people write them is package
// policy/policyfile (with github.com/goccy/go-yaml), kept apart so that the
// agent hook, which compiles only a cached canonical form, links no YAML
// parser. The full reference with examples is docs/policy.md.
//
// # Use
//
//	p, err := policyfile.Compile(src)  // once; errors are an ErrorList of *ParseError{Line, Col, Msg}
//	v := p.EvaluateToolCall(in)        // PreToolUse: ToolCallInput
//	v := p.EvaluateCommits(rng)        // check, verify, ingest: RangeInput
//	os.Stdout.Write(v.JSON())          // canonical verdict
//
// If a policy does not compile, the caller decides: policyfile.FailModeOf
// reads the file's on_error setting even when the rest is invalid (default
// [FailBlock]; [FailModeOf] does the same without a YAML parser). A
// compiled [Policy] is immutable and safe for concurrent use.
// [Policy.Canonical] is a JSON form of it (defaults filled in, rules and
// lists sorted) that [Compile] reads, and [Policy.Hash] is its SHA-256: a
// hook caches the canonical form keyed by the hash of the policy file's
// bytes.
//
// # Schema
//
//	version: 1                 # optional; only 1
//	on_error: block            # block (default) | allow: what callers do when they cannot evaluate
//	rules:                     # required list
//	  - name: protect-payments # required, unique; letters, digits, - _ .; ≤ 64 chars
//	    description: "..."     # optional
//	    enabled: true          # optional, default true; disabled rules are still validated
//	    action: block          # required: block | warn
//	    severity: high         # optional: low | medium (default) | high | critical
//	    scope:                 # optional; empty means everything
//	      paths: ["services/**", "!services/legacy/**"]
//	      branches: [main, "release/*"]
//	    condition:
//	      type: sensitive_path # one of the types below, with that type's keys
//	      patterns: ["**/payments/**"]
//
// Unknown keys are errors at every level, as are keys of another condition
// type. Every error carries the line and column of the offending key or
// value. YAML anchors, aliases, tags and merge keys are rejected; JSON is
// accepted (JSON is YAML).
//
// # Conditions
//
// Where each condition is evaluated: T = [Policy.EvaluateToolCall],
// C = [Policy.EvaluateCommits].
//
//	type                T  C  keys
//	trace_completeness  -  C  human_trailers, human_paths
//	ai_percent          -  C  max_percent (0-100, required), per: commit (default) | range
//	model_allowlist     T  C  allow, deny (name globs; at least one)
//	agent_allowlist     T  C  allow, deny
//	sensitive_path      T  C  patterns (path globs, required)
//	required_tool       -  C  tools, commands (at least one), after_last_edit, must_succeed
//	conditional_tool    -  C  when_changed (required) and the required_tool keys
//	budget              T  C  per: session | commit | author_day | range (required),
//	                          max_cost_usd, max_tokens (at least one)
//	dangerous_command   T  C  checks: rm_root, pipe_to_shell, force_push (default all),
//	                          commands (extra denied patterns),
//	                          protected_branches (default [main, master])
//	secrets             T  C  max_count (default 0)
//
// At tool time budget applies for per session and author_day only; at
// commit time dangerous_command reads the shell tool calls recorded in the
// commit's sessions (calls the guard denied are skipped). A condition that
// needs a field the input leaves empty (an unknown model, an unpriced cost)
// does not judge it.
//
// # Globs
//
// Repo paths and branch names are matched by path globs: '*' and '?' never
// match '/', "**" as a whole segment matches any number of segments (as the
// last segment, at least one), [a-z] and [!a-z] are classes, {a,b} are
// alternatives and '\' escapes. Patterns are anchored at the repository root:
// "payments/**" matches payments/ledger.go but not src/payments/x.go; write
// "**/payments/**" for any depth, and "**/*.pem" for a file name anywhere.
// In scope.paths, human_paths, patterns, when_changed and protected_branches
// a leading '!' excludes. Models, agents and tool names use name globs, where
// '*' also matches '/'. Shell command patterns ("go test", "semgrep",
// "mise run test*") match the leading words of any simple command in a
// command line, after quotes, variable assignments and wrappers such as sudo,
// env and timeout are removed; "&&", ";", "|", "$(...)" and "sh -c '...'"
// are looked into.
//
// # Verdict format
//
// [Verdict.JSON] is one line of compact JSON, keys in this order:
//
//	{"v":1,"decision":"block","policy":"sha256:<hex>","violations":[
//	  {"rule":"...","condition":"sensitive_path","action":"block","severity":"medium",
//	   "commit":"<sha>","session":"<id>","path":"<repo path>","message":"..."}]}
//
// decision is block if any violation's action is block, else warn if any,
// else allow. Violations are sorted by rule, commit, session, path and
// message, and duplicates are dropped; commit, session and path are left
// out when empty. Nothing in it depends on time, host or input order. See
// the package Example for a worked example.
package policy
