package blame

import (
	"testing"

	"github.com/tracevault/tracevault/capture/record"
	"github.com/tracevault/tracevault/gitstore"
	"github.com/tracevault/tracevault/inspect/history"
)

const a = "1111111111111111111111111111111111111111"
const b = "2222222222222222222222222222222222222222"

var porcelain = a + ` 3 1 2
author Ann
filename old.go
	func F() {
` + a + ` 4 2
	x := 1
` + b + ` 1 3 1
author Bob
filename new.go
	}
`

func TestParseAndAttribute(t *testing.T) {
	lines, err := Parse([]byte(porcelain))
	if err != nil {
		t.Fatal(err)
	}
	if len(lines) != 3 || lines[1].OrigLine != 4 || lines[1].OrigPath != "old.go" || lines[2].Author != "Bob" {
		t.Fatalf("Parse = %+v", lines)
	}
	ha, _ := gitstore.ParseHash(a)
	hb, _ := gitstore.ParseHash(b)
	traces := map[gitstore.Hash]*history.Trace{
		ha: {Commit: ha, Status: history.StatusVerified, Attribution: &record.CommitAttribution{Files: []record.FileAttr{{Path: "old.go", Ranges: []record.Range{{Start: 4, End: 4, Session: "s1", Agent: "claude-code"}}}}}},
		hb: {Commit: hb, Status: history.StatusNoTrace},
	}
	Attribute(lines, traces)
	want := []string{OriginHuman, OriginAI, OriginUnknown}
	for i, l := range lines {
		if l.Origin != want[i] {
			t.Errorf("line %d origin = %s, want %s", l.Number, l.Origin, want[i])
		}
	}
	if lines[1].Range == nil || lines[1].Range.Session != "s1" {
		t.Errorf("line 2 range = %+v", lines[1].Range)
	}
}

func TestParseRejectsTruncated(t *testing.T) {
	if _, err := Parse([]byte(a + " 1 1 1\nauthor A\n")); err == nil {
		t.Error("Parse(truncated) = nil error")
	}
}
