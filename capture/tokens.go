package capture

import "time"

// Tokens counts the tokens of one or more model requests, split the way
// providers bill them. Input excludes cached tokens (Anthropic semantics):
// readers of providers whose cached tokens are a subset of input (OpenAI,
// Gemini) subtract them before filling Input. Reasoning or "thought" tokens
// are billed as output and are included in Output.
type Tokens struct {
	Input        int64 `json:"input_tokens"`
	Output       int64 `json:"output_tokens"`
	CacheWrite5m int64 `json:"cache_creation_5m_tokens"`
	CacheWrite1h int64 `json:"cache_creation_1h_tokens"`
	CacheRead    int64 `json:"cache_read_tokens"`
}

// Total returns the sum of every kind of token.
func (t Tokens) Total() int64 {
	return t.Input + t.Output + t.CacheWrite5m + t.CacheWrite1h + t.CacheRead
}

// Add returns the element-wise sum of t and u.
func (t Tokens) Add(u Tokens) Tokens {
	return Tokens{
		Input:        t.Input + u.Input,
		Output:       t.Output + u.Output,
		CacheWrite5m: t.CacheWrite5m + u.CacheWrite5m,
		CacheWrite1h: t.CacheWrite1h + u.CacheWrite1h,
		CacheRead:    t.CacheRead + u.CacheRead,
	}
}

// UsageEntry is the usage of one model request as read from an agent's
// transcript or session file.
type UsageEntry struct {
	// Key identifies the request for de-duplication: entries with the same
	// non-empty Key are one request, and the one with the largest total wins.
	// Empty keys are never de-duplicated.
	Key   string    `json:"key,omitempty"`
	Time  time.Time `json:"time"`
	Model string    `json:"model"`
	Tokens
	// Speed is the provider's speed tier ("fast" for Opus fast mode); empty
	// means standard.
	Speed string `json:"speed,omitempty"`
	// Sidechain marks a request made by a subagent or side conversation.
	Sidechain bool `json:"sidechain,omitempty"`
	// AgentID names the subagent that made the request, if any.
	AgentID string `json:"agent_id,omitempty"`
}

// ModelUsage is the usage of one model summed over requests, with its cost.
// CostUSD is nil when the model has no known price: an unknown model is
// reported as unpriced, never priced at $0.
type ModelUsage struct {
	Model string `json:"model"`
	Tokens
	CostUSD *float64 `json:"cost_usd"`
	// CacheSavingsUSD is what the cache reads would have cost as fresh input
	// minus what they cost; nil when unpriced.
	CacheSavingsUSD *float64 `json:"cache_savings_usd,omitempty"`
	Requests        int64    `json:"requests"`
}
