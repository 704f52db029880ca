package record

import (
	"testing"

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
