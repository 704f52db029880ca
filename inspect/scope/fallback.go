package scope

import "strconv"

// MaxBlock is the most lines a [Fallback] block spans.
const MaxBlock = 50

// Fallback splits src into blocks of lines for files without a grammar:
// each run of non-blank lines is a block (a paragraph), and a run longer
// than [MaxBlock] lines is cut into consecutive blocks of MaxBlock lines.
// Blank lines (empty or whitespace only) belong to no block. Each block is
// a [KindLines] scope named by its range, so [Label] prints "lines 10-42".
// The result is indexed like that of [Lines].
func Fallback(src []byte) [][]Scope {
	out := make([][]Scope, countLines(src))
	start := -1 // 0-based first line of the current run, or -1
	flush := func(end int) {
		for s := start; s < end; s += MaxBlock {
			e := min(s+MaxBlock, end) // exclusive
			path := []Scope{{
				Kind:      KindLines,
				Name:      strconv.Itoa(s+1) + "-" + strconv.Itoa(e),
				StartLine: s + 1,
				EndLine:   e,
			}}
			for i := s; i < e; i++ {
				out[i] = path
			}
		}
		start = -1
	}
	line, blank := 0, true
	for i, c := range src {
		switch c {
		case '\n':
			endLine(&start, line, blank, flush)
			line, blank = line+1, true
		case ' ', '\t', '\r', '\f', '\v':
		default:
			blank = false
		}
		if i == len(src)-1 && c != '\n' {
			endLine(&start, line, blank, flush)
			line++
		}
	}
	if start >= 0 {
		flush(line)
	}
	return out
}

// endLine records the end of 0-based line, extending or closing the run.
func endLine(start *int, line int, blank bool, flush func(int)) {
	switch {
	case !blank && *start < 0:
		*start = line
	case blank && *start >= 0:
		flush(line)
	}
}
