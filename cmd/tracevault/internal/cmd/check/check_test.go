package check

import (
	"errors"
	"strings"
	"testing"

	"github.com/tracevault/tracevault/cmd/tracevault/internal/cmdutil"
	"github.com/tracevault/tracevault/cmd/tracevault/internal/iostreams"
)

func TestNewCmdCheck(t *testing.T) {
	tests := []struct {
		name    string
		args    string
		env     map[string]string
		want    CheckOptions
		wantErr bool
	}{
		{name: "defaults", args: ""},
		{name: "range and json", args: "--range main..HEAD --json --branch rel", want: CheckOptions{Range: "main..HEAD", JSON: true, Branch: "rel"}},
		{name: "bad range", args: "--range HEAD", wantErr: true},
		{name: "override flag", args: "--override-offline down", want: CheckOptions{Override: "down"}},
		{name: "override env", env: map[string]string{"TRACEVAULT_OVERRIDE": "from env"}, want: CheckOptions{Override: "from env"}},
		{name: "no args", args: "extra", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ios, _, _, _ := iostreams.Test()
			f := &cmdutil.Factory{IOStreams: ios, Getenv: func(k string) string { return tt.env[k] }}
			var got *CheckOptions
			cmd := NewCmdCheck(f, func(o *CheckOptions) error { got = o; return nil })
			cmd.SetArgs(strings.Fields(tt.args))
			cmd.SetOut(ios.Out)
			cmd.SetErr(ios.ErrOut)
			err := cmd.Execute()
			if (err != nil) != tt.wantErr {
				t.Fatalf("Execute(%q) error = %v, wantErr %v", tt.args, err, tt.wantErr)
			}
			if tt.wantErr {
				var fe *cmdutil.FlagError
				if strings.Contains(tt.args, "--range") && !errors.As(err, &fe) {
					t.Errorf("error %v is not a FlagError", err)
				}
				return
			}
			if got.Range != tt.want.Range || got.JSON != tt.want.JSON || got.Branch != tt.want.Branch || got.Override != tt.want.Override {
				t.Errorf("options = %+v, want %+v", *got, tt.want)
			}
		})
	}
}

func TestParsePushLines(t *testing.T) {
	const a, b, z = "1111111111111111111111111111111111111111", "2222222222222222222222222222222222222222", "0000000000000000000000000000000000000000"
	tests := []struct {
		name, in string
		n        int
		wantErr  bool
	}{
		{"empty", "", 0, false},
		{"update", "refs/heads/main " + a + " refs/heads/main " + b + "\n", 1, false},
		{"new branch and deletion", "refs/heads/x " + a + " refs/heads/x " + z + "\n(delete) " + z + " refs/heads/y " + b + "\n", 2, false},
		{"short line", "refs/heads/main " + a + "\n", 0, true},
		{"bad sha", "refs/heads/main xyz refs/heads/main " + b + "\n", 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParsePushLines([]byte(tt.in))
			if (err != nil) != tt.wantErr || len(got) != tt.n {
				t.Errorf("ParsePushLines(%q) = %d lines, %v; want %d, error %v", tt.in, len(got), err, tt.n, tt.wantErr)
			}
		})
	}
	if branchOf("refs/heads/release/1") != "release/1" || branchOf("refs/tags/v1") != "" {
		t.Errorf("branchOf is wrong")
	}
}
