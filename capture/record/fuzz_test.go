package record_test

import (
	"bytes"
	"testing"
	"time"

	"github.com/tracevault/tracevault/capture/record"
)

var seedEnvelope = []byte(`{"v":1,"type":"commit","writer":"w0123456789abcdef","seq":2,"prev":"sha256:00","created_at":"2026-01-02T03:04:05.006Z","body":{"commit":"c","evidence":"hooks","sessions":[],"files":[],"ai_lines":0,"human_lines":0}}`)

const seedNote = "TraceVault: 83% AI (5 of 6 added lines) by claude-code in 1 session\n" +
	"tv1 ai hello.go 1-5 s1 claude-code - toolu_1\n" +
	"tv1 assisted claude-code - Co-Authored-By:%20Claude\n" +
	"tv1 file 5 1 hello.go\n" +
	"tv1 record w0123456789abcdef/2 91c071a9b8f99b1c83625e3f749f4f4897371b49\n" +
	"tv1 session s1 claude-code claude-sonnet-4-5,claude-opus-4\n"

// FuzzParseEnvelope requires that whatever ParseEnvelope accepts is
// canonical: re-encoding gives the same bytes.
func FuzzParseEnvelope(f *testing.F) {
	f.Add(seedEnvelope)
	f.Add([]byte(`{"v":1,"type":"session","writer":"w","seq":1,"prev":"","created_at":"2026-01-02T03:04:05Z","body":{}}`))
	f.Add([]byte(`{"v":2}`))
	f.Add([]byte(`{}`))
	f.Add([]byte(``))
	f.Fuzz(func(t *testing.T, b []byte) {
		env, err := record.ParseEnvelope(b)
		if err != nil {
			return
		}
		again, err := record.Marshal(env)
		if err != nil || !bytes.Equal(again, b) {
			t.Fatalf("ParseEnvelope accepted %q, which re-encodes as %q (%v)", b, again, err)
		}
		_, _ = env.Commit()
		_, _ = env.Session()
		_, _ = record.CommitMessage(env)
	})
}

// FuzzParseNote requires that the tv1 lines of an accepted note parse
// again to the same note.
func FuzzParseNote(f *testing.F) {
	f.Add([]byte(seedNote))
	f.Add([]byte(seedNote[:len(seedNote)-1]))
	f.Add([]byte("tv1 ai a 0-1 s a - -\n"))
	f.Add([]byte("tv1 file 01 2 a\n"))
	f.Add([]byte("other: line\n\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		n, err := record.ParseNote(b)
		if err != nil {
			return
		}
		var again bytes.Buffer
		for _, s := range n.Summaries {
			again.WriteString(s + "\n")
		}
		for _, l := range n.Lines {
			again.WriteString(l + "\n")
		}
		m, err := record.ParseNote(again.Bytes())
		if err != nil {
			t.Fatalf("ParseNote(%q) = %v after accepting %q", again.Bytes(), err, b)
		}
		if len(m.Lines) != len(n.Lines) || len(m.Records) != len(n.Records) || len(m.Ranges) != len(n.Ranges) || len(m.Files) != len(n.Files) {
			t.Fatalf("reparse of %q differs", b)
		}
		for _, r := range n.Ranges {
			if r.Start < 1 || r.End < r.Start {
				t.Fatalf("accepted range %d-%d", r.Start, r.End)
			}
		}
	})
}

// FuzzWriterOfRef checks writer ids never contain a slash and name the
// ref's last component.
func FuzzWriterOfRef(f *testing.F) {
	f.Add(record.LogRef("w0123456789abcdef"))
	f.Add(record.RemoteLogRef("origin", "w1"))
	f.Add("refs/tracevault/log/")
	f.Fuzz(func(t *testing.T, ref string) {
		w, ok := record.WriterOfRef(ref)
		if ok && (w == "" || bytes.ContainsRune([]byte(w), '/')) {
			t.Fatalf("WriterOfRef(%q) = %q", ref, w)
		}
	})
}

// TestRenderParseNote checks a rendered note parses back to its lines.
func TestRenderParseNote(t *testing.T) {
	env := &record.Envelope{V: record.Version, Type: record.TypeCommit, Writer: "w0", Seq: 1, CreatedAt: time.Unix(0, 0).UTC()}
	body, _ := record.Marshal(&record.CommitAttribution{Commit: "c", Evidence: "hooks", Sessions: []record.SessionRef{{ID: "s 1", Agent: "a"}},
		Files: []record.FileAttr{{Path: "dir/with space.go", Added: 2, AI: 1, Human: 1, Ranges: []record.Range{{Start: 2, End: 2, Session: "s 1", Agent: "a"}}}}, AILines: 1, HumanLines: 1})
	env.Body = body
	note, err := record.RenderNote(&record.Stored{Envelope: env})
	if err != nil {
		t.Fatal(err)
	}
	n, err := record.ParseNote(note)
	if err != nil {
		t.Fatalf("ParseNote(%q) = %v", note, err)
	}
	if len(n.Files) != 1 || n.Files[0].Path != "dir/with space.go" || n.Ranges[0].Session != "s 1" || len(n.Summaries) != 1 {
		t.Errorf("ParseNote(%q) = %+v", note, n)
	}
}
