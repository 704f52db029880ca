package spool

import (
	"bytes"
	"encoding/json"
	"maps"
	"testing"
)

var stringMapSeeds = []string{
	`{}`, ` { } `, `{"a":"b"}`, `{"handler.go":"sha256:3a21","pkg/x.go":""}`, `{"a":"1","a":"2"}`, `{"a":"\u00e9","b":"\n"}`,
	`{"é":"ü"}`, "{\"a\":\"\xff\"}", `{"a":1}`, `{"a":null}`, `{"a":"x",}`, `{"a":"x"} x`, `[]`, `null`, ``, `{"a"}`,
	`{"a":"<&>"}`, "{\"a\":\"\u2028\"}", ` {"b" : "c" , "a":"d"}` + "\n", `{"a":"x","b":{"c":"d"}}`, `{"a":"x"`,
}

func TestStringMapMatchesJSON(t *testing.T) {
	for _, s := range stringMapSeeds {
		checkStringMap(t, []byte(s))
	}
}

func FuzzStringMap(f *testing.F) {
	for _, s := range stringMapSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) { checkStringMap(t, data) })
}

func checkStringMap(t *testing.T, data []byte) {
	t.Helper()
	got, want := map[string]string{}, map[string]string{}
	UnmarshalStringMap(data, got)
	_ = json.Unmarshal(data, &want)
	if !maps.Equal(got, want) {
		t.Fatalf("UnmarshalStringMap(%q) = %v, json.Unmarshal: %v", data, got, want)
	}
	enc, _ := json.Marshal(got)
	if mine := MarshalStringMap(got); !bytes.Equal(mine, enc) {
		t.Fatalf("MarshalStringMap(%v) = %s, json.Marshal: %s", got, mine, enc)
	}
}
