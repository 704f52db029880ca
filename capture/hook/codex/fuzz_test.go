package codex

import (
	"bytes"
	"testing"
)

func FuzzParsePatch(f *testing.F) {
	f.Add(patchAdd)
	f.Add("*** Begin Patch\n*** Update File: a\n*** Move to: b\n@@ x\n a\n-b\n+c\n*** End of File\n*** Delete File: d\n*** End Patch")
	f.Add("*** Begin Patch\n*** Update File: f\n a\n\n-b\n+c\n\n*** End Patch\n")
	f.Fuzz(func(t *testing.T, text string) {
		files, err := ParsePatch(text)
		if err != nil {
			return
		}
		if len(files) == 0 {
			t.Fatalf("ParsePatch(%q) = no files and no error", text)
		}
		for _, fp := range files {
			// Applying to arbitrary text must fail cleanly or succeed.
			_, _ = ApplyPatch(text, fp.Hunks)
		}
		_ = Edits(files, "/repo", func(string) (string, error) { return text, nil })
	})
}

func FuzzParseRolloutLine(f *testing.F) {
	for _, l := range bytes.Split([]byte(rollout169), []byte("\n")) {
		f.Add(l)
	}
	f.Add([]byte(`{"type":"event_msg","payload":{"type":"token_count","info":{"total_token_usage":{"input_tokens":-5}}}}`))
	f.Add([]byte(`{"type":"compacted","payload":{"compaction_response_id":""}}`))
	f.Fuzz(func(t *testing.T, line []byte) {
		_, _ = ParseLine(line)
		// Two copies of a line never yield more usage than one: repeats are
		// not double counted.
		r1, err := ParseRollout(bytes.NewReader(line))
		if err != nil {
			t.Fatal(err)
		}
		r2, err := ParseRollout(bytes.NewReader(bytes.Join([][]byte{line, line}, []byte("\n"))))
		if err != nil {
			t.Fatal(err)
		}
		if line = bytes.TrimSpace(line); !bytes.Contains(line, []byte("\n")) && len(r2.Usage) > len(r1.Usage) && bytes.Contains(line, []byte("total_token_usage")) {
			t.Fatalf("repeated line %q counted twice", line)
		}
		for _, e := range r2.Usage {
			if e.Input < 0 || e.Output < 0 || e.CacheRead < 0 {
				t.Fatalf("negative usage %+v from %q", e, line)
			}
		}
	})
}

func FuzzParseHook(f *testing.F) {
	f.Add([]byte(`{"hook_event_name":"PreToolUse","tool_name":"apply_patch","tool_input":{"command":"*** Begin Patch\n*** Add File: x\n+1\n*** End Patch"}}`))
	f.Add([]byte(`{"hook_event_name":"Stop","error":{"code":1}}`))
	f.Fuzz(func(t *testing.T, raw []byte) {
		_, _ = ParseHook(raw)
	})
}
