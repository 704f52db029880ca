package usage

import (
	"maps"
	"math"
	"slices"
	"strings"

	"github.com/tracevault/tracevault/capture"
	"github.com/tracevault/tracevault/capture/hook/claude"
	"github.com/tracevault/tracevault/capture/pricing"
)

// Report is the usage of a set of requests per model, with totals.
type Report struct {
	// Models holds one row per model, sorted by name.
	Models []capture.ModelUsage `json:"models"`
	// Total sums every row; its Model is "". Its cost sums the priced rows.
	Total capture.ModelUsage `json:"total"`
	// UnpricedModels lists, sorted, the models with no known price.
	UnpricedModels []string `json:"unpriced_models"`
}

// FastSuffix is appended to the model name of requests made in fast mode.
const FastSuffix = "-fast"

// Aggregate de-duplicates entries (see the package doc for the rules),
// sums them per model and prices them with t.
func Aggregate(entries []capture.UsageEntry, t *pricing.Table) Report {
	rows := map[string]*capture.ModelUsage{}
	for _, e := range Dedupe(entries) {
		name := e.Model
		if e.Speed == "fast" {
			name += FastSuffix
		}
		r := rows[name]
		if r == nil {
			r = &capture.ModelUsage{Model: name}
			if _, ok := t.Lookup(e.Model); ok {
				r.CostUSD, r.CacheSavingsUSD = new(float64), new(float64)
			}
			rows[name] = r
		}
		r.Tokens = r.Tokens.Add(e.Tokens)
		r.Requests++
		if p, ok := t.Lookup(e.Model); ok && r.CostUSD != nil {
			*r.CostUSD += pricing.Cost(p, e)
			*r.CacheSavingsUSD += pricing.CacheSavings(p, e)
		}
	}
	rep := Report{Models: []capture.ModelUsage{}, UnpricedModels: []string{}}
	var cost, savings float64
	priced := false
	for _, name := range slices.Sorted(maps.Keys(rows)) {
		r := rows[name]
		if r.CostUSD != nil {
			*r.CostUSD, *r.CacheSavingsUSD = nanoUSD(*r.CostUSD), nanoUSD(*r.CacheSavingsUSD)
		}
		rep.Models = append(rep.Models, *r)
		rep.Total.Tokens = rep.Total.Tokens.Add(r.Tokens)
		rep.Total.Requests += r.Requests
		if r.CostUSD == nil {
			rep.UnpricedModels = append(rep.UnpricedModels, name)
			continue
		}
		priced = true
		cost += *r.CostUSD
		savings += *r.CacheSavingsUSD
	}
	if priced || len(rows) == 0 {
		cost, savings = nanoUSD(cost), nanoUSD(savings)
		rep.Total.CostUSD, rep.Total.CacheSavingsUSD = &cost, &savings
	}
	return rep
}

// nanoUSD rounds to a billionth of a dollar, so that reports do not carry
// floating-point noise (0.10307950000000002).
func nanoUSD(x float64) float64 { return math.Round(x*1e9) / 1e9 }

// Dedupe returns entries without <synthetic> ones and with each request
// counted once, in first-seen order (see the package doc for the rules).
func Dedupe(entries []capture.UsageEntry) []capture.UsageEntry {
	out := make([]capture.UsageEntry, 0, len(entries))
	byKey := map[string]int{}
	byMsg := map[string][]int{}
	for _, e := range entries {
		if e.Model == claude.SyntheticModel {
			continue
		}
		if e.Key == "" {
			out = append(out, e)
			continue
		}
		msg, _, _ := strings.Cut(e.Key, ":")
		i, ok := byKey[e.Key]
		if !ok {
			i, ok = replayOf(out, byMsg[msg], e)
		}
		if !ok {
			byKey[e.Key] = len(out)
			byMsg[msg] = append(byMsg[msg], len(out))
			out = append(out, e)
			continue
		}
		if replaces(e, out[i]) {
			if byKey[out[i].Key] == i {
				delete(byKey, out[i].Key)
			}
			out[i] = e
			byKey[e.Key] = i
		}
	}
	return out
}

// replayOf finds, among the kept entries with the same message id, one
// that e replays or that replays e: a pair where either is a sidechain.
func replayOf(out []capture.UsageEntry, same []int, e capture.UsageEntry) (int, bool) {
	for _, i := range same {
		if e.Sidechain || out[i].Sidechain {
			return i, true
		}
	}
	return 0, false
}

// replaces reports whether candidate should replace the kept entry of the
// same request: a main-thread entry beats a sidechain one, then the larger
// token total wins, then one with a speed.
func replaces(candidate, kept capture.UsageEntry) bool {
	if candidate.Sidechain != kept.Sidechain {
		return kept.Sidechain
	}
	if c, k := candidate.Total(), kept.Total(); c != k {
		return c > k
	}
	return candidate.Speed != "" && kept.Speed == ""
}
