package jsonlex

import (
	"encoding/json"
	"slices"
	"testing"
)

// pairs walks src's top-level object with Object and returns its keys and
// values.
func pairs(src []byte, checked bool) ([]string, bool) {
	w := Walker{Src: src, Str: ValidString, Checked: checked}
	var out []string
	ok := w.Object(1, func(k, v []byte) bool {
		out = append(out, string(k), string(v))
		return true
	})
	return out, ok && w.I == len(src)
}

func TestObject(t *testing.T) {
	for _, tt := range []struct {
		src  string
		want []string
		ok   bool
	}{
		{`{}`, nil, true},
		{`{"a":1,"b" : [1,{"c":"}"}] ,"d":"x\"y"}`, []string{"a", "1", "b", `[1,{"c":"}"}]`, "d", `"x\"y"`}, true},
		{`{"a\u0062":1}`, nil, false}, // a key with an escape
		{`{"a":1,}`, nil, false},
		{`{"a" 1}`, nil, false},
		{`[1]`, nil, false},
	} {
		got, ok := pairs([]byte(tt.src), false)
		if ok != tt.ok || (ok && !slices.Equal(got, tt.want)) {
			t.Errorf("Object(%s) = %q, %v; want %q, %v", tt.src, got, ok, tt.want, tt.ok)
		}
	}
}

// FuzzObject checks Object against encoding/json's validity, and that on
// valid input skipping values (Checked) finds the values walking finds.
func FuzzObject(f *testing.F) {
	f.Add([]byte(`{"a":{"b":[1,"\\\""]},"c":null}`))
	f.Add([]byte(`{"a":"\u00e9"}`))
	f.Fuzz(func(t *testing.T, src []byte) {
		walked, ok := pairs(src, false)
		if ok && !json.Valid(src) {
			t.Fatalf("Object accepted invalid JSON %q", src)
		}
		if !ok {
			return
		}
		skipped, ok2 := pairs(src, true)
		if !ok2 || !slices.Equal(walked, skipped) {
			t.Errorf("checked walk of %q = %q, want %q", src, skipped, walked)
		}
	})
}
