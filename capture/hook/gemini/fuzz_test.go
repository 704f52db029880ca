package gemini

import (
	"bytes"
	"strings"
	"testing"
)

func FuzzParseChatLine(f *testing.F) {
	for _, l := range strings.Split(chat061, "\n") {
		f.Add([]byte(l))
	}
	f.Add([]byte(`{"sessionId":"s","messages":[{"id":"a","type":"gemini","model":"m","tokens":{"input":5,"cached":9,"total":1e30}}]}`))
	f.Fuzz(func(t *testing.T, line []byte) {
		rec, _ := ParseLine(line)
		c1, err := ParseChat(bytes.NewReader(line))
		if err != nil {
			t.Fatal(err)
		}
		// The same record twice is one request: usage never grows.
		c2, err := ParseChat(bytes.NewReader(bytes.Join([][]byte{line, line}, []byte("\n"))))
		if err != nil {
			t.Fatal(err)
		}
		hasID := rec.Message != nil && rec.Message.ID != ""
		if !bytes.Contains(line, []byte("\n")) && hasID && len(c2.Usage) > len(c1.Usage) && len(c1.Usage) > 0 {
			t.Fatalf("repeated record %q counted twice", line)
		}
		for _, e := range c2.Usage {
			if e.Input < 0 || e.Output < 0 || e.CacheRead < 0 {
				t.Fatalf("negative usage %+v from %q", e, line)
			}
		}
	})
}

func FuzzParseHook(f *testing.F) {
	f.Add([]byte(`{"hook_event_name":"AfterTool","tool_name":"write_file","tool_input":{"file_path":"/r/a"},"tool_response":{"returnDisplay":{"fileDiff":"+a","isNewFile":true}}}`))
	f.Fuzz(func(t *testing.T, raw []byte) {
		_, _ = ParseHook(raw)
	})
}
