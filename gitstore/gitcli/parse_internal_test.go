package gitcli

import (
	"strings"
	"testing"

	"github.com/tracevault/tracevault/gitstore"
)

func TestParseBatchHeader(t *testing.T) {
	h := gitstore.HashObject(gitstore.TypeBlob, nil)
	for _, bad := range []string{
		h.String() + " blob 1", h.String() + " blob 01\n", h.String() + " note 1\n",
		h.String() + " blob -1\n", strings.Repeat("0", 40) + " blob 1\n", h.String() + " blob 1 x\n",
	} {
		if _, _, _, err := parseBatchHeader(bad, h); err == nil {
			t.Errorf("parseBatchHeader(%q) succeeded, want error", bad)
		}
	}
	if _, _, missing, err := parseBatchHeader(h.String()+" missing\n", h); err != nil || !missing {
		t.Errorf("parseBatchHeader(missing) = %v, %v", missing, err)
	}
}

func FuzzParseBatchHeader(f *testing.F) {
	h := gitstore.HashObject(gitstore.TypeBlob, nil)
	f.Add(h.String() + " blob 12\n")
	f.Fuzz(func(t *testing.T, line string) {
		typ, size, missing, err := parseBatchHeader(line, h)
		if err == nil && !missing && (!typ.Valid() || size < 0) {
			t.Fatalf("parseBatchHeader(%q) = %q, %d", line, typ, size)
		}
	})
}

func FuzzParseRefList(f *testing.F) {
	f.Add([]byte(strings.Repeat("ab", 20) + " refs/tracevault/log/w\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		refs, err := parseRefList(b)
		if err != nil {
			return
		}
		for _, r := range refs {
			if gitstore.CheckRefName(r.Name) != nil {
				t.Fatalf("accepted bad ref name %q", r.Name)
			}
		}
	})
}
