package gitstore

import (
	"fmt"
	"strings"
)

// CheckRefName reports whether name is a full ref name that git accepts
// (the rules of git-check-ref-format) and starts with "refs/".
func CheckRefName(name string) error {
	if !strings.HasPrefix(name, "refs/") {
		return fmt.Errorf("ref %q: must start with refs/: %w", name, ErrInvalidRef)
	}
	if strings.HasSuffix(name, "/") || strings.HasSuffix(name, ".") ||
		strings.Contains(name, "..") || strings.Contains(name, "@{") || strings.Contains(name, "//") {
		return fmt.Errorf("ref %q: %w", name, ErrInvalidRef)
	}
	for _, c := range strings.Split(name, "/") {
		if c == "" || c[0] == '.' || strings.HasSuffix(c, ".lock") {
			return fmt.Errorf("ref %q: bad component %q: %w", name, c, ErrInvalidRef)
		}
	}
	for _, r := range name {
		if r < 0x20 || r == 0x7f || strings.ContainsRune(" ~^:?*[\\", r) {
			return fmt.Errorf("ref %q: forbidden character %q: %w", name, r, ErrInvalidRef)
		}
	}
	return nil
}

// CheckRefPrefix reports whether prefix can be passed to ListRefs: empty,
// or "refs/" followed by whole components and a trailing '/'.
func CheckRefPrefix(prefix string) error {
	if prefix == "" || prefix == "refs/" {
		return nil
	}
	if !strings.HasSuffix(prefix, "/") {
		return fmt.Errorf("ref prefix %q: must end with '/': %w", prefix, ErrInvalidRef)
	}
	if err := CheckRefName(strings.TrimSuffix(prefix, "/")); err != nil {
		return fmt.Errorf("ref prefix %q: %w", prefix, err)
	}
	return nil
}
