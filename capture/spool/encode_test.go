package spool

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/tracevault/tracevault/capture"

	"github.com/tracevault/tracevault/capture/internal/jsonlex"
)

// pieces are string fragments that stress JSON string encoding.
var pieces = []string{"", "a", "path/to/file.go", `"`, `\`, "<", ">", "&", "\n", "\r", "\t", "\b", "\f", "\x00", "\x1f", "\x7f",
	"é", "日本", "\u2028", "\u2029", "\xe2\x80", "\xff", "\xc3", "\xed\xa0\x80", "💥", "</script>", "sk-ant-", " ", "{}", "[1,2]"}

func randString(r *rand.Rand) string {
	var sb strings.Builder
	for n := r.IntN(6); n > 0; n-- {
		sb.WriteString(pieces[r.IntN(len(pieces))])
	}
	return sb.String()
}

// rawValues are JSON texts (valid or not) for the payload and verdict.
var rawValues = []string{`{}`, `{"a":1}`, " { \"a\" : [ 1 , 2.5e-3 , -0 , true , false , null ] ,\n\t\"b\" : { } }\r\n",
	`"x"`, `[]`, `[ ]`, `{"k":"<&>\u2028` + "\u2028\u2029" + `"}`, `{"s":"\u00e9\n\"\\\/\b\f\r\t"}`, `123`, `-1.5E+10`, `null`, `true`,
	`{"a":"` + "\xff\xfe" + `"}`, `{"deep":[[[[[[{"x":[{}]}]]]]]]}`,
	// invalid
	``, ` `, `{`, `{"a"}`, `{"a":}`, `{"a":1,}`, `[1,]`, `01`, `1.`, `.5`, `-`, `1e`, `"\x"`, `"\u12"`, "\"a\nb\"", `{} {}`, `tru`, `nul`,
	`{"a":1}x`, `"abc`, `[1 2]`, `{1:2}`, `<`, "\u2028"}

func randRecord(r *rand.Rand) *Record {
	rec := &Record{V: Version, At: time.Unix(r.Int64N(4e9), r.Int64N(1e9)).UTC(), Agent: randString(r)}
	switch r.IntN(4) {
	case 0:
	default:
		rec.Payload = json.RawMessage(rawValues[r.IntN(len(rawValues))])
	}
	if r.IntN(2) == 0 {
		rec.Invalid = randString(r)
	}
	for n := r.IntN(3); n > 0; n-- {
		rec.Observed = append(rec.Observed, capture.FileEdit{ToolUseID: randString(r), Tool: randString(r), Path: randString(r),
			OldPath: randString(r), Op: randString(r), Before: randString(r), After: randString(r), Diff: randString(r),
			Added: r.IntN(100) - 3, Removed: r.IntN(100), Human: r.IntN(2) == 0, AgentID: randString(r), Model: randString(r),
			Time: time.Unix(r.Int64N(4e9), 0)})
	}
	if r.IntN(4) == 0 {
		rec.Observed = []capture.FileEdit{} // empty, omitted
	}
	if r.IntN(3) == 0 {
		rec.Usage = []capture.UsageEntry{{Model: randString(r), Key: randString(r)}}
	}
	if r.IntN(3) == 0 {
		rec.Head = &Head{Branch: randString(r), Commit: randString(r)}
	}
	if r.IntN(3) == 0 {
		rec.Denial = &capture.Denial{Tool: randString(r), Reason: randString(r)}
	}
	if r.IntN(3) == 0 {
		rec.Verdict = json.RawMessage(rawValues[r.IntN(len(rawValues))])
	}
	if r.IntN(3) == 0 {
		rec.Tools = []TranscriptTool{{ID: randString(r), Input: json.RawMessage(`{"a": 1}`)}}
	}
	return rec
}

// TestEncodeRecordMatchesJSON: the hand-written encoder writes what
// json.Marshal writes, byte for byte, and fails where it fails.
func TestEncodeRecordMatchesJSON(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 20000; i++ {
		rec := randRecord(r)
		want, werr := json.Marshal(rec)
		got, gerr := encodeRecord(rec)
		if (werr != nil) != (gerr != nil) || !bytes.Equal(got, want) && werr == nil {
			t.Fatalf("record %+v:\nencodeRecord = %s, %v\njson.Marshal = %s, %v", rec, got, gerr, want, werr)
		}
	}
	for _, v := range rawValues {
		want, werr := json.Marshal(json.RawMessage(v))
		got, gerr := appendCompact(nil, []byte(v))
		if (werr != nil) != (gerr != nil) || !bytes.Equal(got, want) && werr == nil {
			t.Errorf("appendCompact(%q) = %q, %v; json.Marshal: %q, %v", v, got, gerr, want, werr)
		}
	}
	deep := strings.Repeat("[", 10000) + strings.Repeat("]", 10000)
	for _, v := range []string{deep, "[" + deep + "]"} {
		_, werr := json.Marshal(json.RawMessage(v))
		_, gerr := appendCompact(nil, []byte(v))
		if (werr != nil) != (gerr != nil) {
			t.Errorf("nesting %d: appendCompact error %v, json.Marshal error %v", strings.Count(v, "["), gerr, werr)
		}
	}
}

// FuzzCompact: appendCompact agrees with encoding/json on any input.
func FuzzCompact(f *testing.F) {
	for _, v := range rawValues {
		f.Add([]byte(v))
	}
	f.Fuzz(func(t *testing.T, v []byte) {
		want, werr := json.Marshal(json.RawMessage(v))
		got, gerr := appendCompact(nil, v)
		if (werr != nil) != (gerr != nil) || !bytes.Equal(got, want) && werr == nil {
			t.Fatalf("appendCompact(%q) = %q, %v; json.Marshal: %q, %v", v, got, gerr, want, werr)
		}
		s := string(v)
		if want, got := mustMarshal(s), jsonlex.AppendString(nil, s); !bytes.Equal(got, want) {
			t.Fatalf("AppendString(%q) = %s, json.Marshal: %s", s, got, want)
		}
	})
}

func mustMarshal(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}
