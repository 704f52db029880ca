package record

import (
	"bytes"
	"testing"
	"time"

	"github.com/tracevault/tracevault/capture"
)

// TestCommitMessageFromBody checks that the message taken from the typed
// body is the one derived from the stored record, as Verify derives it,
// including for strings encoding/json changes (invalid UTF-8, HTML).
func TestCommitMessageFromBody(t *testing.T) {
	bodies := []struct {
		typ  string
		body any
	}{
		{TypeSession, &capture.Session{ID: "9f0c2a51", Agent: "claude-code"}},
		{TypeSession, &capture.Session{ID: "a<b>&c \u2028 é", Agent: "x\"y"}},
		{TypeSession, &capture.Session{ID: "bad \xff utf8", Agent: "\xc3"}},
		{TypeSession, &capture.Session{}},
		{TypeCommit, &CommitAttribution{Commit: "d99de2afa510a687cde5cc9fd1c053c26cde72de"}},
		{TypeCommit, &CommitAttribution{Commit: "\xfe"}},
		{TypeOverride, &Override{Check: "c"}},
	}
	for _, b := range bodies {
		raw, err := Marshal(b.body)
		if err != nil {
			t.Fatal(err)
		}
		env := &Envelope{V: Version, Type: b.typ, Writer: "w1", Seq: 3, Body: raw}
		want, err := CommitMessage(env)
		if err != nil {
			t.Fatal(err)
		}
		if got, err := commitMessage(env, b.body); got != want || err != nil {
			t.Errorf("commitMessage(%+v) = %q, %v; want %q", b.body, got, err, want)
		}
	}
}

// TestMarshalEnvelope checks that splicing the encoded body into the
// envelope gives Marshal's bytes.
func TestMarshalEnvelope(t *testing.T) {
	bodies := []any{&capture.Session{ID: "a<b>&\u2028", Agent: "x", Models: []string{"m"}}, &CommitAttribution{Commit: "c", Files: []FileAttr{{Path: "p"}}}, &Override{}}
	for i, b := range bodies {
		body, err := Marshal(b)
		if err != nil {
			t.Fatal(err)
		}
		env := &Envelope{V: Version, Type: TypeSession, Writer: "w<1>", Seq: int64(i + 1), Prev: "sha256:&", CreatedAt: time.Date(2026, 11, 27, 10, 0, 0, 123e6, time.UTC), Body: body}
		want, err := Marshal(env)
		if err != nil {
			t.Fatal(err)
		}
		if got, err := marshalEnvelope(env); err != nil || !bytes.Equal(got, want) {
			t.Errorf("marshalEnvelope = %s, %v\nwant %s", got, err, want)
		}
	}
}
