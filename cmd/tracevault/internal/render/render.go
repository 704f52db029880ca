// Package render draws the CLI's tables and numbers with lipgloss, with
// colour only when the streams allow it.
package render

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/lipgloss/table"

	"github.com/tracevault/tracevault/capture"
	"github.com/tracevault/tracevault/cmd/tracevault/internal/iostreams"
)

// Table renders rows under headers.
func Table(io *iostreams.IOStreams, headers []string, rows [][]string) string {
	r := io.Renderer()
	head := r.NewStyle().Bold(true).Padding(0, 1)
	cell := r.NewStyle().Padding(0, 1)
	t := table.New().Headers(headers...).Rows(rows...).
		Border(lipgloss.NormalBorder()).
		BorderStyle(r.NewStyle().Foreground(lipgloss.Color("8"))).
		StyleFunc(func(row, col int) lipgloss.Style {
			s := cell
			if row == table.HeaderRow {
				s = head
			}
			if col > 0 {
				s = s.Align(lipgloss.Right)
			}
			return s
		})
	return t.Render() + "\n"
}

// Int formats n with thousands separators.
func Int(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

// USD formats a cost; nil is "unpriced".
func USD(v *float64) string {
	if v == nil {
		return "unpriced"
	}
	return fmt.Sprintf("$%.4f", *v)
}

// UsageRows renders per-model usage rows plus a total row.
func UsageRows(models []capture.ModelUsage, total capture.ModelUsage) [][]string {
	var rows [][]string
	row := func(name string, m capture.ModelUsage) []string {
		return []string{name, Int(m.Input), Int(m.Output), Int(m.CacheWrite5m), Int(m.CacheWrite1h), Int(m.CacheRead), Int(m.Requests), USD(m.CostUSD)}
	}
	for _, m := range models {
		rows = append(rows, row(m.Model, m))
	}
	return append(rows, row("total", total))
}

// UsageHeaders are the columns of UsageRows.
var UsageHeaders = []string{"model", "input", "output", "cache write 5m", "cache write 1h", "cache read", "requests", "cost"}

// Bold styles s when colour is on.
func Bold(io *iostreams.IOStreams, s string) string {
	return io.Renderer().NewStyle().Bold(true).Render(s)
}
