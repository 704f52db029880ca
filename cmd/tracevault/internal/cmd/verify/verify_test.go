package verify

import (
	"strings"
	"testing"

	"github.com/tracevault/tracevault/cmd/tracevault/internal/cmdutil"
	"github.com/tracevault/tracevault/cmd/tracevault/internal/iostreams"
)

func TestNewCmdVerify(t *testing.T) {
	tests := []struct {
		name    string
		args    string
		env     map[string]string
		want    VerifyOptions
		wantErr bool
	}{
		{name: "range required", args: "", wantErr: true},
		{name: "range", args: "--range a..b --json", want: VerifyOptions{Range: "a..b", JSON: true}},
		{name: "summary from env", args: "--range a..b", env: map[string]string{"GITHUB_STEP_SUMMARY": "/tmp/s.md"}, want: VerifyOptions{Range: "a..b", Summary: "/tmp/s.md"}},
		{name: "summary flag wins", args: "--range a..b --summary x.md", env: map[string]string{"GITHUB_STEP_SUMMARY": "/tmp/s.md"}, want: VerifyOptions{Range: "a..b", Summary: "x.md"}},
		{name: "config rev", args: "--range a..b --config-rev base --branch main", want: VerifyOptions{Range: "a..b", ConfigRev: "base", Branch: "main"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ios, _, _, _ := iostreams.Test()
			f := &cmdutil.Factory{IOStreams: ios, Getenv: func(k string) string { return tt.env[k] }}
			var got *VerifyOptions
			cmd := NewCmdVerify(f, func(o *VerifyOptions) error { got = o; return nil })
			cmd.SetArgs(strings.Fields(tt.args))
			cmd.SetOut(ios.Out)
			cmd.SetErr(ios.ErrOut)
			err := cmd.Execute()
			if (err != nil) != tt.wantErr {
				t.Fatalf("Execute(%q) error = %v, wantErr %v", tt.args, err, tt.wantErr)
			}
			if tt.wantErr {
				return
			}
			w := tt.want
			if got.Range != w.Range || got.JSON != w.JSON || got.Summary != w.Summary || got.ConfigRev != w.ConfigRev || got.Branch != w.Branch {
				t.Errorf("options = %+v, want %+v", *got, w)
			}
		})
	}
}
