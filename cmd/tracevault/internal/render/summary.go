package render

import (
	"sort"

	"github.com/tracevault/tracevault/capture"
)

// Summary is the usage and activity of one or more sessions: the JSON shape
// shared by status and stats (field names as in usage --json).
type Summary struct {
	Sessions        int                  `json:"sessions"`
	ToolCalls       int                  `json:"tool_calls"`
	Files           int                  `json:"files"`
	Models          []capture.ModelUsage `json:"models"`
	Total           capture.ModelUsage   `json:"total"`
	UnpricedModels  []string             `json:"unpriced_models"`
	CacheSavingsUSD float64              `json:"cache_savings_usd"`
}

// Summarize sums sessions' usage per model.
func Summarize(ss []*capture.Session, files func(*capture.Session) []string) Summary {
	sum := Summary{Models: []capture.ModelUsage{}, UnpricedModels: []string{}}
	rows := map[string]*capture.ModelUsage{}
	unpriced := map[string]bool{}
	allFiles := map[string]bool{}
	for _, s := range ss {
		sum.Sessions++
		sum.ToolCalls += len(s.ToolCalls)
		for _, f := range files(s) {
			allFiles[s.Cwd+"\x00"+f] = true
		}
		for _, m := range s.Usage {
			r := rows[m.Model]
			if r == nil {
				r = &capture.ModelUsage{Model: m.Model}
				rows[m.Model] = r
			}
			addUsage(r, m)
		}
		for _, u := range s.Unpriced {
			unpriced[u] = true
		}
	}
	sum.Files = len(allFiles)
	for _, r := range rows {
		sum.Models = append(sum.Models, *r)
		addUsage(&sum.Total, *r)
	}
	sort.Slice(sum.Models, func(i, j int) bool { return sum.Models[i].Model < sum.Models[j].Model })
	for u := range unpriced {
		sum.UnpricedModels = append(sum.UnpricedModels, u)
	}
	sort.Strings(sum.UnpricedModels)
	if sum.Total.CacheSavingsUSD != nil {
		sum.CacheSavingsUSD = *sum.Total.CacheSavingsUSD
	}
	if sum.Total.CostUSD == nil {
		zero := 0.0
		sum.Total.CostUSD = &zero
	}
	return sum
}

func addUsage(dst *capture.ModelUsage, m capture.ModelUsage) {
	dst.Tokens = dst.Tokens.Add(m.Tokens)
	dst.Requests += m.Requests
	if m.CostUSD != nil {
		v := *m.CostUSD
		if dst.CostUSD != nil {
			v += *dst.CostUSD
		}
		dst.CostUSD = &v
	}
	if m.CacheSavingsUSD != nil {
		v := *m.CacheSavingsUSD
		if dst.CacheSavingsUSD != nil {
			v += *dst.CacheSavingsUSD
		}
		dst.CacheSavingsUSD = &v
	}
}
