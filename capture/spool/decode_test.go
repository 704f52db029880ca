package spool

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
)

// decodeBoth decodes line with decodeRecord and with encoding/json; when
// the fast path accepts it, both must agree.
func decodeBoth(t *testing.T, line []byte) {
	t.Helper()
	var fast, std Record
	if !decodeRecord(line, &fast) {
		return
	}
	if err := json.Unmarshal(line, &std); err != nil {
		t.Fatalf("decodeRecord accepted %q, json.Unmarshal: %v", line, err)
	}
	if !reflect.DeepEqual(fast, std) {
		t.Fatalf("line %q:\ndecodeRecord = %+v\njson.Unmarshal = %+v", line, fast, std)
	}
}

// mangle returns line with one random edit.
func mangle(r *rand.Rand, line []byte) []byte {
	b := bytes.Clone(line)
	if len(b) == 0 {
		return b
	}
	i := r.IntN(len(b))
	switch r.IntN(6) {
	case 0:
		return b[:i]
	case 1:
		return append(b[:i], b[i+1:]...)
	case 2:
		const set = "{}[]\",:\\ \nAVv0e-"
		b[i] = set[r.IntN(len(set))]
	case 3:
		return append(b[:i], append([]byte(rawValues[r.IntN(len(rawValues))]), b[i:]...)...)
	case 4:
		return bytes.Replace(b, []byte(`"payload"`), []byte(`"Payload"`), 1)
	case 5:
		return append(b, " x"[r.IntN(2)])
	}
	return b
}

// TestDecodeRecordMatchesJSON: on what encodeRecord writes, and on
// mangled copies of it, the fast decoder either declines or decodes
// exactly what encoding/json decodes; and it accepts the usual lines.
func TestDecodeRecordMatchesJSON(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	accepted, plain := 0, 0
	for i := 0; i < 20000; i++ {
		rec := randRecord(r)
		line, err := encodeRecord(rec)
		if err != nil {
			continue
		}
		if bytes.HasPrefix(rec.Payload, []byte("{")) && bytes.HasPrefix(rec.Verdict, []byte("{")) {
			plain++
		}
		decodeBoth(t, line)
		decodeBoth(t, append(line, '\n'))
		decodeBoth(t, mangle(r, line))
		var got Record
		if decodeRecord(line, &got) && bytes.HasPrefix(rec.Payload, []byte("{")) && bytes.HasPrefix(rec.Verdict, []byte("{")) {
			accepted++
		}
	}
	if accepted != plain {
		t.Errorf("the fast path took %d of the %d encoded lines with object payloads and verdicts; want all", accepted, plain)
	}
	for _, line := range []string{`{"v":1,"at":"2026-01-02T03:04:05Z","agent":"claude-code","payload":{"a":[1,{"b":"c"}]},"observed":[{"time":"2026-01-02T03:04:05Z","path":"a","op":"modify","added":1,"removed":0}]}`} {
		var got Record
		if !decodeRecord([]byte(line), &got) {
			t.Errorf("decodeRecord(%s) declined a line as encodeRecord writes it", line)
		}
		decodeBoth(t, []byte(line))
	}
}

// TestSkipValue checks the validating skipper against encoding/json on
// valid and invalid texts, including nesting past its own limit.
func TestSkipValue(t *testing.T) {
	vals := append([]string{}, rawValues...)
	vals = append(vals, strings.Repeat("[", skipDepth)+strings.Repeat("]", skipDepth), strings.Repeat("[", skipDepth+1)+strings.Repeat("]", skipDepth+1),
		`{"a":{"b":[]},"c":[{},[]],"d":"\u00e9"}`, `[1,[2,[3]],{"x":{}}]`, `{"a" :1 , "b":[ ] }`)
	for _, v := range vals {
		checkSkip(t, []byte(v))
	}
}

func checkSkip(t *testing.T, v []byte) {
	t.Helper()
	end := skipValue(v, 0)
	valid := json.Valid(v)
	if end == len(v) && !valid {
		t.Fatalf("skipValue(%q) accepted an invalid text", v)
	}
	trimmed := len(v) > 0 && len(bytes.TrimSpace(v)) == len(v)
	deep := bytes.Count(v, []byte("["))+bytes.Count(v, []byte("{")) > skipDepth
	if valid && trimmed && !deep && end != len(v) {
		t.Fatalf("skipValue(%q) = %d, want %d", v, end, len(v))
	}
	if end >= 0 && end < len(v) && !json.Valid(v[:end]) {
		t.Fatalf("skipValue(%q) stopped at %d after an invalid prefix", v, end)
	}
}

// FuzzDecodeRecord: the fast decoder never accepts a line encoding/json
// rejects and never decodes differently.
func FuzzDecodeRecord(f *testing.F) {
	r := rand.New(rand.NewPCG(5, 6))
	for range 50 {
		if line, err := encodeRecord(randRecord(r)); err == nil {
			f.Add(line)
		}
	}
	f.Fuzz(func(t *testing.T, line []byte) {
		decodeBoth(t, line)
		checkSkip(t, line)
	})
}
