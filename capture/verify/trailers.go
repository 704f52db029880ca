package verify

import "strings"

// ParseTrailers returns the trailers of a commit message: the "Key: value"
// lines of its last paragraph, when that paragraph is not the subject and
// every line of it is a trailer (or an indented continuation of one). Keys
// keep their spelling; values are trimmed. It returns nil when there are
// none.
func ParseTrailers(msg string) map[string][]string {
	paras := strings.Split(strings.TrimRight(strings.ReplaceAll(msg, "\r\n", "\n"), "\n \t"), "\n\n")
	if len(paras) < 2 {
		return nil
	}
	last := strings.Trim(paras[len(paras)-1], "\n")
	out := map[string][]string{}
	var key string
	for _, line := range strings.Split(last, "\n") {
		if line == "" {
			continue
		}
		if (line[0] == ' ' || line[0] == '\t') && key != "" {
			vs := out[key]
			vs[len(vs)-1] += " " + strings.TrimSpace(line)
			continue
		}
		k, v, ok := strings.Cut(line, ":")
		k = strings.TrimRight(k, " ")
		if !ok || !isToken(k) {
			return nil
		}
		key = k
		out[k] = append(out[k], strings.TrimSpace(v))
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

func isToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c == '-' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
			return false
		}
	}
	return true
}
