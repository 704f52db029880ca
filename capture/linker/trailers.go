package linker

import (
	"regexp"
	"strings"

	"github.com/tracevault/tracevault/capture/record"
)

var (
	coAuthored = regexp.MustCompile(`(?im)^co-authored-by:\s*(.+?)\s*$`)
	assistedBy = regexp.MustCompile(`(?im)^assisted-by:\s*([^:\s]+)(?::(\S+))?.*$`)
	aiderModel = regexp.MustCompile(`(?i)^aider\s*\(([^)]+)\)`)
)

// Trailers finds commit trailers that say an agent assisted: Claude Code's
// "Co-Authored-By: Claude", aider's "Co-authored-by: aider (<model>)",
// the kernel's "Assisted-by: AGENT:MODEL", and Codex/Gemini co-author
// lines. They are weaker evidence than hooks: lines unknown.
func Trailers(msg string) []record.Assist {
	var out []record.Assist
	for _, m := range coAuthored.FindAllStringSubmatch(msg, -1) {
		who := m[1]
		lw := strings.ToLower(who)
		switch {
		case strings.HasPrefix(lw, "claude"):
			out = append(out, record.Assist{Agent: "claude-code", Trailer: strings.TrimSpace(m[0])})
		case aiderModel.MatchString(who):
			out = append(out, record.Assist{Agent: "aider", Model: aiderModel.FindStringSubmatch(who)[1], Trailer: strings.TrimSpace(m[0])})
		case strings.HasPrefix(lw, "codex") || strings.Contains(lw, "openai"):
			out = append(out, record.Assist{Agent: "codex", Trailer: strings.TrimSpace(m[0])})
		case strings.HasPrefix(lw, "gemini"):
			out = append(out, record.Assist{Agent: "gemini-cli", Trailer: strings.TrimSpace(m[0])})
		case strings.Contains(lw, "copilot"):
			out = append(out, record.Assist{Agent: "copilot", Trailer: strings.TrimSpace(m[0])})
		case strings.Contains(lw, "cursor"):
			out = append(out, record.Assist{Agent: "cursor", Trailer: strings.TrimSpace(m[0])})
		}
	}
	for _, m := range assistedBy.FindAllStringSubmatch(msg, -1) {
		out = append(out, record.Assist{Agent: strings.ToLower(m[1]), Model: m[2], Trailer: strings.TrimSpace(m[0])})
	}
	return out
}
