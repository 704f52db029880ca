// Package linediff computes line diffs (Myers' O(ND) algorithm, as git's
// default) and renders unified diffs. Attribution uses the matched lines to
// carry authorship from one version of a file to the next.
package linediff

import (
	"fmt"
	"strings"
)

// MaxEditDistance bounds the work on two very different inputs: past it the
// remaining middle is reported as replaced wholesale (correct, not minimal).
const MaxEditDistance = 4000

// Lines splits text into lines, each keeping no terminator; a final line
// without '\n' is a line too.
func Lines(text string) []string {
	if text == "" {
		return nil
	}
	ls := strings.SplitAfter(text, "\n")
	if ls[len(ls)-1] == "" {
		ls = ls[:len(ls)-1]
	}
	for i, l := range ls {
		ls[i] = strings.TrimSuffix(l, "\n")
	}
	return ls
}

// Match reports, for each line of b, the index of the line of a it is
// unchanged from, or -1 when the line was inserted or changed.
func Match(a, b []string) []int {
	m := make([]int, len(b))
	for i := range m {
		m[i] = -1
	}
	pre := 0
	for pre < len(a) && pre < len(b) && a[pre] == b[pre] {
		m[pre] = pre
		pre++
	}
	suf := 0
	for suf < len(a)-pre && suf < len(b)-pre && a[len(a)-1-suf] == b[len(b)-1-suf] {
		m[len(b)-1-suf] = len(a) - 1 - suf
		suf++
	}
	ai, bi := intern(a[pre:len(a)-suf], b[pre:len(b)-suf])
	for _, p := range myers(ai, bi) {
		m[pre+p[1]] = pre + p[0]
	}
	return m
}

// intern maps lines to small integers so comparisons are cheap.
func intern(a, b []string) ([]int32, []int32) {
	ids := map[string]int32{}
	conv := func(ls []string) []int32 {
		out := make([]int32, len(ls))
		for i, l := range ls {
			id, ok := ids[l]
			if !ok {
				id = int32(len(ids))
				ids[l] = id
			}
			out[i] = id
		}
		return out
	}
	return conv(a), conv(b)
}

// myers returns the matched (i, j) pairs of a longest common subsequence
// found by Myers' greedy algorithm.
func myers(a, b []int32) [][2]int {
	n, m := len(a), len(b)
	if n == 0 || m == 0 {
		return nil
	}
	max := n + m
	if max > MaxEditDistance {
		max = MaxEditDistance
	}
	off := max + 1
	v := make([]int32, 2*max+3)
	var trace [][]int32
	for d := 0; d <= max; d++ {
		snap := make([]int32, 2*d+3)
		copy(snap, v[off-d-1:off+d+2])
		trace = append(trace, snap)
		for k := -d; k <= d; k += 2 {
			var x int
			if k == -d || (k != d && v[off+k-1] < v[off+k+1]) {
				x = int(v[off+k+1])
			} else {
				x = int(v[off+k-1]) + 1
			}
			y := x - k
			for x < n && y < m && a[x] == b[y] {
				x++
				y++
			}
			v[off+k] = int32(x)
			if x >= n && y >= m {
				return backtrack(trace, a, b, d, k)
			}
		}
	}
	return nil // too different: everything replaced
}

func backtrack(trace [][]int32, a, b []int32, d, _ int) [][2]int {
	var pairs [][2]int
	x, y := len(a), len(b)
	for ; d > 0; d-- {
		v := trace[d] // V at the start of step d, indexed by k+d+1
		get := func(k int) int { return int(v[k+d+1]) }
		k := x - y
		pk := k - 1
		if k == -d || (k != d && get(k-1) < get(k+1)) {
			pk = k + 1
		}
		px := get(pk)
		py := px - pk
		for x > px && y > py {
			x--
			y--
			pairs = append(pairs, [2]int{x, y})
		}
		x, y = px, py
	}
	for x > 0 && y > 0 {
		x--
		y--
		pairs = append(pairs, [2]int{x, y})
	}
	for i, j := 0, len(pairs)-1; i < j; i, j = i+1, j-1 {
		pairs[i], pairs[j] = pairs[j], pairs[i]
	}
	return pairs
}

// Unified renders a unified diff of a→b with n lines of context, "" when
// they are equal.
func Unified(path string, a, b []string, n int) string {
	m := Match(a, b)
	type op struct {
		kind byte // ' ', '-', '+'
		ai   int
		bi   int
	}
	var ops []op
	ai := 0
	for bi := 0; bi <= len(b); {
		bj := bi
		for bj < len(b) && m[bj] < 0 {
			bj++
		}
		next := len(a)
		if bj < len(b) {
			next = m[bj]
		}
		for ; ai < next; ai++ {
			ops = append(ops, op{'-', ai, bi})
		}
		for ; bi < bj; bi++ {
			ops = append(ops, op{'+', ai, bi})
		}
		if bi == len(b) {
			break
		}
		ops = append(ops, op{' ', ai, bi})
		ai++
		bi++
	}
	var sb strings.Builder
	for i := 0; i < len(ops); {
		if ops[i].kind == ' ' {
			i++
			continue
		}
		start := max(0, i-n)
		end := i
		for end < len(ops) {
			if ops[end].kind != ' ' {
				end++
				continue
			}
			run := end
			for run < len(ops) && ops[run].kind == ' ' {
				run++
			}
			if run == len(ops) || run-end > 2*n {
				end = min(len(ops), end+n)
				break
			}
			end = run
		}
		if sb.Len() == 0 {
			fmt.Fprintf(&sb, "--- a/%s\n+++ b/%s\n", path, path)
		}
		var na, nb int
		for _, o := range ops[start:end] {
			if o.kind != '+' {
				na++
			}
			if o.kind != '-' {
				nb++
			}
		}
		as, bs := ops[start].ai+1, ops[start].bi+1
		if na == 0 {
			as--
		}
		if nb == 0 {
			bs--
		}
		fmt.Fprintf(&sb, "@@ -%d,%d +%d,%d @@\n", as, na, bs, nb)
		for _, o := range ops[start:end] {
			sb.WriteByte(o.kind)
			if o.kind == '+' {
				sb.WriteString(b[o.bi])
			} else {
				sb.WriteString(a[o.ai])
			}
			sb.WriteByte('\n')
		}
		i = end
	}
	return sb.String()
}
