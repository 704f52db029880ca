package claude

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/tracevault/tracevault/capture"
	"github.com/tracevault/tracevault/internal/testutil"
)

// TestFixturePayloadsAccepted: every real hook payload parses to a known
// event kind with its session id.
func TestFixturePayloadsAccepted(t *testing.T) {
	root := testutil.Fixture(t, "claude-code/hooks")
	n := 0
	err := filepath.Walk(root, func(p string, fi os.FileInfo, err error) error {
		if err != nil || fi.IsDir() || filepath.Ext(p) != ".json" {
			return err
		}
		raw, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		// The logs hold an array of payloads (or one payload).
		var payloads []json.RawMessage
		if json.Unmarshal(raw, &payloads) != nil {
			payloads = []json.RawMessage{raw}
		}
		for i, pl := range payloads {
			ev, err := ParseHook(pl)
			if err != nil {
				t.Errorf("ParseHook(%s #%d): %v", p, i, err)
				continue
			}
			n++
			if ev.SessionID == "" || ev.HookEvent == "" || ev.Kind == capture.EventOther {
				t.Errorf("ParseHook(%s #%d) = kind %q event %q session %q", p, i, ev.Kind, ev.HookEvent, ev.SessionID)
			}
			if ev.Kind == capture.EventToolEnd && ToolKind(ev.ToolName) == capture.ToolFileEdit && len(ev.Edits) == 0 {
				t.Errorf("ParseHook(%s #%d): %s response gave no edit", p, i, ev.ToolName)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n < 8 {
		t.Fatalf("parsed %d fixture payloads, want at least 8", n)
	}
}

func TestParseHookEdits(t *testing.T) {
	raw := []byte(`{"session_id":"s","hook_event_name":"PostToolUse","tool_name":"Edit","tool_use_id":"toolu_1",
	"tool_input":{"file_path":"/r/a.go","old_string":"x","new_string":"y"},
	"tool_response":{"filePath":"/r/a.go","originalFile":"x\n","structuredPatch":[{"oldStart":1,"oldLines":1,"newStart":1,"newLines":1,"lines":["-x","+y"]}]}}`)
	ev, err := ParseHook(raw)
	if err != nil {
		t.Fatal(err)
	}
	if len(ev.Edits) != 1 {
		t.Fatalf("edits = %d, want 1", len(ev.Edits))
	}
	e := ev.Edits[0]
	if e.Path != "/r/a.go" || e.Added != 1 || e.Removed != 1 || e.Original == nil || *e.Original != "x\n" || e.Op != capture.OpModify {
		t.Errorf("edit = %+v", e)
	}
	want := "--- a//r/a.go\n+++ b//r/a.go\n@@ -1,1 +1,1 @@\n-x\n+y\n"
	if e.Diff != want {
		t.Errorf("diff = %q, want %q", e.Diff, want)
	}
}

func TestParseHookLenient(t *testing.T) {
	for _, in := range []string{`{}`, `{"hook_event_name":"Brand New Event","x":[1,2]}`, `{"model":{"id":"claude-x"}}`} {
		if _, err := ParseHook([]byte(in)); err != nil {
			t.Errorf("ParseHook(%s): %v", in, err)
		}
	}
	for _, in := range []string{``, `nope`, `[1]`, `{"session_id":`} {
		if _, err := ParseHook([]byte(in)); err == nil {
			t.Errorf("ParseHook(%q) succeeded", in)
		}
	}
}
