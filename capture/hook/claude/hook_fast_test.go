package claude

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/tracevault/tracevault/internal/testutil"
)

// checkFast fails when decodeFast accepts raw and decodes something other
// than encoding/json, or accepts what encoding/json rejects.
func checkFast(t *testing.T, raw []byte) (accepted bool) {
	t.Helper()
	var fast, ref payload
	ok := decodeFast(raw, &fast)
	err := decodeJSON(raw, &ref)
	if !ok {
		return false
	}
	if err != nil {
		t.Fatalf("decodeFast accepted %q, which encoding/json rejects: %v", raw, err)
	}
	if !reflect.DeepEqual(fast, ref) {
		t.Fatalf("decodeFast(%q) =\n%+v\nencoding/json:\n%+v", raw, fast, ref)
	}
	return true
}

// hookSeeds are payload shapes, plain and odd.
var hookSeeds = []string{
	`{}`, ` {} trailing`, `{"session_id":"s","cwd":"/x","hook_event_name":"PostToolUse","tool_name":"Edit","tool_input":{"file_path":"/x/a"},"tool_response":{"filePath":"/x/a","originalFile":"a\nb"},"duration_ms":12}`,
	`{"session_id":"a","session_id":"b"}`, `{"session_id":"a","session_id":null}`, `{"model":"m","model":{"id":"x"}}`, `{"model":null}`,
	`{"Session_Id":"x"}`, `{"SESSION_ID":"x","session_id":"y"}`, `{"session_\u0069d":"x"}`, `{"ſession_id":"x"}`, `{"session_id":1}`,
	`{"session_id":"\u00e9\n"}`, `{"session_id":"é"}`, "{\"session_id\":\"\xff\"}", `{"duration_ms":"12"}`, `{"duration_ms":-1.5e3}`,
	`{"duration_ms":null}`, `{"duration_ms":true}`, `{"unknown":{"a":[1,2,{"b":null}]},"cwd":"/"}`, `{"unknown":[1,}`, `{"a":1,}`,
	`[1]`, `null`, `"x"`, ``, `{`, `{"a"`, `{"a":`, ` {"error":"boom","error":{"x":1}} `, `{"tool_input" : { "command" : "ls" } , "prompt":"<&>"}`,
	`{"last_assistant_message":"ok","message":"m","agent_transcript_path":"/t","agent_id":"a1","agent_type":"Explore"}`,
	`{"x":"\ud800"}`, `{"x":01}`, `{"x":"a` + "\t" + `"}`, "\xef\xbb\xbf{}",
}

func TestDecodeFastMatchesJSON(t *testing.T) {
	accepted := 0
	for _, s := range hookSeeds {
		if checkFast(t, []byte(s)) {
			accepted++
		}
	}
	// Real payloads take the fast path.
	root := testutil.Fixture(t, "claude-code/hooks")
	fixtures, fast := 0, 0
	_ = filepath.Walk(root, func(p string, fi os.FileInfo, err error) error {
		if err != nil || fi.IsDir() || filepath.Ext(p) != ".json" {
			return err
		}
		raw, _ := os.ReadFile(p)
		var payloads []json.RawMessage
		if json.Unmarshal(raw, &payloads) != nil {
			payloads = []json.RawMessage{raw}
		}
		for _, pl := range payloads {
			fixtures++
			if checkFast(t, pl) {
				fast++
			}
		}
		return nil
	})
	if accepted < 10 || fixtures == 0 || fast < fixtures*9/10 {
		t.Fatalf("fast path took %d of %d seeds and %d of %d fixture payloads", accepted, len(hookSeeds), fast, fixtures)
	}
	t.Logf("fast path: %d of %d seeds, %d of %d fixture payloads", accepted, len(hookSeeds), fast, fixtures)
	deep := `{"x":` + strings.Repeat("[", 9999) + strings.Repeat("]", 9999) + `}`
	checkFast(t, []byte(deep))
	checkFast(t, []byte(`{"x":[`+deep[5:len(deep)-1]+`]}`))
}

func FuzzDecodeFast(f *testing.F) {
	for _, s := range hookSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		checkFast(t, raw)
	})
}

// checkResponse fails when decodeResponse decodes raw other than
// json.Unmarshal.
func checkResponse(t *testing.T, raw []byte) bool {
	t.Helper()
	var fast, ref fileResponse
	ok := decodeResponseFast(raw, &fast)
	if !ok {
		return false
	}
	_ = json.Unmarshal(raw, &ref)
	if !reflect.DeepEqual(fast, ref) {
		t.Fatalf("decodeResponseFast(%q) =\n%+v\njson.Unmarshal:\n%+v", raw, fast, ref)
	}
	return true
}

var responseSeeds = []string{
	`{}`, `{"filePath":"/x/a","oldString":"a","newString":"b","originalFile":"l1\n\"q\"\tx\\y","structuredPatch":[{"oldStart":1,"oldLines":2,"newStart":1,"newLines":2,"lines":[" a","-b","+c"]}],"userModified":false}`,
	`{"type":"create","filePath":"/x","content":"é\u00e9\ud83d\ude00\ud800x\u0041","structuredPatch":[]}`, `{"originalFile":null}`,
	`{"originalFile":"a","originalFile":null}`, `{"structuredPatch":null}`, `{"structuredPatch":[{"lines":[1]}],"filePath":"/p"}`,
	`{"FilePath":"/x"}`, `{"filepath":"/x","filePath":"/y"}`, `{"content":1}`, "{\"content\":\"\xff\xfe\"}", `{"content":"\/\b\f\r"}`,
	`{"notebook_path":"/n.ipynb","original_file":"{}","updated_file":"{\"a\":1}"}`, `{"a":1} x`, ` {"type":"update"} `, `{"x":[}`,
	`{"content":"\uDC00\uD800\uDC00"}`, `{"content":"\uD800\u0041"}`, `{"content":"\ud800\\"}`,
	`{"structuredPatch":[]}`, `{"structuredPatch":[null,{}]}`, `{"structuredPatch":[{"lines":[]}]}`, `{"structuredPatch":[{"lines":null}]}`,
	`{"structuredPatch":[{"lines":["a",null,"\u00e9\n"]},{"oldStart":-3,"newLines":0}]}`, `{"structuredPatch":[{"oldStart":null,"lines":[ "a" , "b" ]}]}`,
	`{"structuredPatch":[{"oldStart":1.5}]}`, `{"structuredPatch":[{"oldStart":1e2}]}`, `{"structuredPatch":[{"oldStart":"1"}]}`,
	`{"structuredPatch":[{"oldStart":99999999999999999999}]}`, `{"structuredPatch":[{"OldStart":1}]}`, `{"structuredPatch":[{"oldstart":1,"oldStart":2}]}`,
	`{"structuredPatch":[{"oldStart":1,"oldStart":2}]}`, `{"structuredPatch":[{"lines":["a"],"lines":null}]}`, `{"structuredPatch":[{"old\u0053tart":1}]}`,
	`{"structuredPatch":[{"other":{"x":[1]},"newStart":7}]}`, `{"structuredPatch":[1]}`, `{"structuredPatch":{}}`, `{"structuredPatch":"x"}`,
	`{"structuredPatch":[{"lines":[1]}]}`, `{"structuredPatch":[{"lines":"a"}]}`, `{"structuredPatch":[{"lines":["\xff"]}]}`, `{"structuredPatch":[{"ſines":["a"]}]}`,
	`{"structuredPatch":[{"oldStart":-0,"oldLines":0}]}`, `{"structuredPatch":[{"oldStart":9223372036854775807,"newStart":-9223372036854775808}]}`,
}

func TestDecodeResponseMatchesJSON(t *testing.T) {
	n := 0
	for _, s := range responseSeeds {
		if checkResponse(t, []byte(s)) {
			n++
		}
	}
	if n < 10 {
		t.Fatalf("fast path took %d of %d seeds", n, len(responseSeeds))
	}
}

func FuzzDecodeResponse(f *testing.F) {
	for _, s := range responseSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		checkResponse(t, raw)
	})
}

// TestUnifiedDiffFormat: the hand-built diff is the one fmt formats.
func TestUnifiedDiffFormat(t *testing.T) {
	for _, hs := range [][]hunk{nil, {{}}, {{OldStart: 1, OldLines: 2, NewStart: -3, NewLines: 40, Lines: []string{" a", "-b", "+c", ""}}, {OldStart: 9223372036854775807}}} {
		want := fmt.Sprintf("--- a/%s\n+++ b/%s\n", "d/é.go", "d/é.go")
		for _, h := range hs {
			want += fmt.Sprintf("@@ -%d,%d +%d,%d @@\n", h.OldStart, h.OldLines, h.NewStart, h.NewLines)
			for _, l := range h.Lines {
				want += l + "\n"
			}
		}
		if got := UnifiedDiff("d/é.go", hs); got != want {
			t.Errorf("UnifiedDiff(%+v) = %q, want %q", hs, got, want)
		}
	}
}
