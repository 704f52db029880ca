package policy

import "github.com/tracevault/tracevault/capture"

// ToolCallInput is what the agent hook knows when a tool call is about to
// run (PreToolUse). Every field is optional: a condition that needs a missing
// field does not judge it (see the package documentation).
type ToolCallInput struct {
	Agent     string // capture.AgentClaudeCode, ...
	Model     string // the model making the call, when the hook knows it
	SessionID string
	Tool      string // the agent's tool name: "Bash", "Edit", ...
	ToolKind  capture.ToolKind
	// Paths are the repo-relative, '/'-separated paths the call will edit.
	// Paths outside the repository must be left out by the caller.
	Paths []string
	// Command is the shell command line of a shell tool call.
	Command string
	// Branch is the checked-out branch ("" when detached or unknown).
	Branch string
	// SessionUsage is the session's usage so far (CostUSD nil if unpriced).
	SessionUsage capture.ModelUsage
	// AuthorDayCostUSD and AuthorDayTokens are the author's spend so far on
	// the current UTC day, across sessions.
	AuthorDayCostUSD float64
	AuthorDayTokens  int64
	// SecretsSeen counts secrets redacted so far in the session.
	SecretsSeen int
}

// TraceStatus says whether a commit has a valid trace.
type TraceStatus string

// Trace statuses. Any other value counts as invalid.
const (
	TraceOK      TraceStatus = "ok"
	TraceMissing TraceStatus = "missing"
	TraceInvalid TraceStatus = "invalid"
)

// CommitInput is what is known about one commit when a range is checked.
type CommitInput struct {
	SHA string
	// Branch overrides [RangeInput.Branch] for this commit when set.
	Branch string
	Author string // e-mail address
	// Trailers maps trailer keys (any case) to their values.
	Trailers     map[string][]string
	ChangedFiles []ChangedFile
	// Sessions are the agent sessions linked to the commit.
	Sessions    []*capture.Session
	TraceStatus TraceStatus
	// CostUSD is the cost attributed to the commit; nil when unpriced.
	CostUSD *float64
	Tokens  capture.Tokens
	// AuthorDayCostUSD and AuthorDayTokens are the author's spend on the
	// commit's UTC day, this commit included.
	AuthorDayCostUSD float64
	AuthorDayTokens  int64
	// SecretsSeen counts secrets redacted in the commit's sessions.
	SecretsSeen int
}

// ChangedFile is one file a commit changes, with its attribution.
type ChangedFile struct {
	Path       string // repo-relative, '/'-separated
	AddedLines int
	AILines    int // of AddedLines, how many an agent wrote
	AIBy       []Origin
}

// Origin names the agent, model and session that wrote AI lines.
type Origin struct {
	Agent, Model, SessionID string
}

// RangeInput is a range of commits (a push, a pull request, an ingest).
type RangeInput struct {
	// Branch is the branch the range lands on.
	Branch  string
	Commits []CommitInput
}
