package redact

import (
	"encoding/base64"
	"math"
	"strings"
	"unicode/utf8"
)

// isNoiseLastWord reports whether w can end a key name whose value
// describes a secret without being one: password_min_length, token_url, secret_name, api_key_id.
func isNoiseLastWord(w string) bool {
	switch w {
	case "url", "uri", "urls", "path", "paths", "file", "filename", "dir", "directory", "name", "names", "id",
		"ids", "type", "types", "kind", "count", "length", "len", "size", "max", "min", "limit", "ttl", "timeout",
		"expires", "expiry", "expiration", "exp", "at", "time", "date", "enabled", "required", "policy", "hint",
		"label", "prompt", "field", "header", "regex", "pattern", "format", "mode", "version", "endpoint",
		"prefix", "hash", "tokens", "usage", "env", "var", "ref", "arn", "location", "method", "scope", "scopes",
		"audience", "issuer", "provider", "store", "manager", "service", "error", "message", "status", "state",
		"source", "placeholder", "description", "help", "title", "strength", "rule", "rules", "visible", "input",
		"output", "helper", "handler", "callback", "host", "port", "user", "username", "email", "count_total",
		"budget", "cost", "estimate", "schema", "class", "model", "list", "map", "set", "changed", "updated",
		"created", "last", "reset", "rotation", "lifetime", "duration", "algorithm", "alg", "fingerprint":
		return true
	}
	return false
}

// isNoiseFirstWord reports whether w starts key names that are predicates
// or limits.
func isNoiseFirstWord(w string) bool {
	switch w {
	case "is", "has", "get", "validate", "check", "show", "hide", "toggle", "forgot", "on", "handle", "use",
		"should", "can", "require", "min", "max", "num", "count", "page", "next", "cursor", "no":
		return true
	}
	return false
}

var keySuffixes = []string{"apikey", "accesskey", "secretkey", "privatekey", "signingkey", "encryptionkey", "masterkey", "sessionkey"}

// isKeyPairWord reports whether w, followed by "key", names a secret.
func isKeyPairWord(w string) bool {
	switch w {
	case "api", "access", "private", "secret", "signing", "encryption", "master", "session", "auth", "client",
		"account":
		return true
	}
	return false
}

// classifyKey reads a key name (DB_PASSWORD, clientSecret, x-api-key) word
// by word and says whether it names a password, another secret, or
// neither.
func classifyKey(key []byte) keyClass {
	var lbuf [160]byte
	var wbuf [16][2]int
	k := lbuf[:0]
	for _, c := range key[:min(len(key), len(lbuf))] {
		k = append(k, lower(c))
	}
	words := splitWords(key[:len(k)], wbuf[:0])
	if len(words) == 0 {
		return keyNone
	}
	word := func(i int) string { return string(k[words[i][0]:words[i][1]]) }
	if isNoiseLastWord(word(len(words)-1)) || isNoiseFirstWord(word(0)) {
		return keyNone
	}
	class := keyNone
	for i := range words {
		w := word(i)
		switch {
		case isPasswordWord(w):
			return keyPassword
		case w == "secret" || w == "token" || w == "credential" || w == "credentials" || w == "creds",
			strings.HasSuffix(w, "token") || strings.HasSuffix(w, "secret"),
			w == "auth" && i == len(words)-1,
			w == "key" && i > 0 && isKeyPairWord(word(i-1)):
			class = keySecret
		default:
			for _, s := range keySuffixes {
				if strings.HasSuffix(w, s) {
					class = keySecret
				}
			}
		}
	}
	return class
}

func isPasswordWord(w string) bool {
	switch w {
	case "password", "passwd", "passphrase", "pwd", "pass", "passcode":
		return true
	case "bypass", "compass", "surpass", "overpass", "underpass", "encompass", "trespass":
		return false
	}
	return strings.HasSuffix(w, "password") || strings.HasSuffix(w, "passwd") ||
		len(w) > 4 && strings.HasSuffix(w, "pass")
}

// splitWords splits a key at punctuation, at lower-to-upper case changes
// (apiKey), before the last capital of a capital run (APIKey) and between
// letters and digits.
func splitWords(k []byte, ws [][2]int) [][2]int {
	start := -1
	for i := 0; i <= len(k); i++ {
		brk := i == len(k) || !isAlnum(k[i])
		if !brk && start >= 0 && i > start {
			p, c := k[i-1], k[i]
			brk = isUpper(c) && (isLower(p) || isDigit(p)) ||
				isUpper(c) && isUpper(p) && i+1 < len(k) && isLower(k[i+1]) ||
				isDigit(c) != isDigit(p)
			if brk && len(ws) < cap(ws) {
				ws = append(ws, [2]int{start, i})
			}
			if brk {
				start = i
			}
			continue
		}
		if brk && start >= 0 {
			if len(ws) < cap(ws) {
				ws = append(ws, [2]int{start, i})
			}
			start = -1
		}
		if !brk && start < 0 {
			start = i
		}
	}
	return ws
}

func lower(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

func isUpper(c byte) bool  { return 'A' <= c && c <= 'Z' }
func isLower(c byte) bool  { return 'a' <= c && c <= 'z' }
func isDigit(c byte) bool  { return '0' <= c && c <= '9' }
func isLetter(c byte) bool { return isUpper(c) || isLower(c) }

func hasDigit(v []byte) bool {
	for _, c := range v {
		if isDigit(c) {
			return true
		}
	}
	return false
}

func hasSymbol(v []byte) bool {
	for _, c := range v {
		if !isAlnum(c) && c != '_' && c != ' ' {
			return true
		}
	}
	return false
}

// hasRun reports whether v repeats one byte n times in a row (xxxxxx).
func hasRun(v []byte, n int) bool {
	run := 1
	for i := 1; i < len(v); i++ {
		if v[i] == v[i-1] {
			run++
			if run >= n {
				return true
			}
		} else {
			run = 1
		}
	}
	return false
}

// isDocExample reports whether v contains "example" in any case, as
// vendor-documented sample keys do (AKIAIOSFODNN7EXAMPLE).
func isDocExample(v []byte) bool {
	const w = "example"
	for i := 0; i+len(w) <= len(v); i++ {
		if lower(v[i]) == 'e' && strings.EqualFold(string(v[i:i+len(w)]), w) {
			return true
		}
	}
	return false
}

// entropy is the Shannon entropy of v in bits per byte.
func entropy(v []byte) float64 {
	var counts [256]int
	for _, c := range v {
		counts[c]++
	}
	h, n := 0.0, float64(len(v))
	for _, c := range counts {
		if c > 0 {
			p := float64(c) / n
			h -= p * math.Log2(p)
		}
	}
	return h
}

// randomLooking reports whether v looks machine-generated: at least 12
// bytes, letters mixed with digits (or, without digits, upper and lower
// case in proportions unlike camelCase words), and a Shannon entropy near
// that of random text of its length.
func randomLooking(v []byte) bool {
	if len(v) < 12 {
		return false
	}
	var up, lo, dg int
	for _, c := range v {
		switch {
		case isUpper(c):
			up++
		case isLower(c):
			lo++
		case isDigit(c):
			dg++
		}
	}
	switch {
	case up+lo == 0:
		return false
	case dg == 0:
		f := float64(up) / float64(up+lo)
		if f < 0.3 || f > 0.7 {
			return false
		}
	}
	return entropy(v) >= min(3.0, 0.8*math.Log2(float64(len(v))))
}

// basicCredentials is the check of the basic-auth rule: the value must
// decode to printable "user:password".
func basicCredentials(v []byte) bool {
	s := strings.TrimRight(string(v), "=")
	d, err := base64.RawStdEncoding.DecodeString(s)
	if err != nil || !utf8.Valid(d) {
		return false
	}
	i := strings.IndexByte(string(d), ':')
	if i <= 0 || i == len(d)-1 {
		return false
	}
	for _, r := range string(d) {
		if r < ' ' || r == 0x7f {
			return false
		}
	}
	return true
}
