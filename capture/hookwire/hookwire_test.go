package hookwire

import (
	"bytes"
	"encoding/binary"
	"reflect"
	"testing"
)

func TestRoundTrip(t *testing.T) {
	req := &Request{Cwd: "/repo/sub", Args: []string{"--agent", "claude-code"}, Env: []string{"A=1", "TRACEVAULT_X=caf\xe9"}, Stdin: []byte(`{"x":1}`)}
	got, err := ParseRequest(AppendRequest(nil, req))
	if err != nil || !reflect.DeepEqual(got, req) {
		t.Fatalf("request round trip: %+v, %v", got, err)
	}
	rep := &Reply{Status: Ran, Code: 2, Stdout: []byte("{}"), Stderr: []byte("denied\n")}
	b := AppendReply(nil, rep)
	if n := binary.BigEndian.Uint32(b); int(n) != len(b)-4 {
		t.Fatalf("length prefix %d, body %d", n, len(b)-4)
	}
	gotRep, err := ParseReply(b[4:])
	if err != nil || !reflect.DeepEqual(gotRep, rep) {
		t.Fatalf("reply round trip: %+v, %v", gotRep, err)
	}
}

func FuzzParseRequest(f *testing.F) {
	f.Add(AppendRequest(nil, &Request{Cwd: "/r", Args: []string{"--agent", "x"}, Env: []string{"K=V"}, Stdin: []byte("{}")}))
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := ParseRequest(b)
		if err != nil {
			return
		}
		if again := AppendRequest(nil, r); !bytes.Equal(again, b) {
			t.Errorf("parse then append changed %q to %q", b, again)
		}
	})
}

func FuzzParseReply(f *testing.F) {
	f.Add(AppendReply(nil, &Reply{Code: 2, Stdout: []byte("o"), Stderr: []byte("e")})[4:])
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := ParseReply(b)
		if err != nil {
			return
		}
		if again := AppendReply(nil, r)[4:]; !bytes.Equal(again, b) {
			t.Errorf("parse then append changed %q to %q", b, again)
		}
	})
}
