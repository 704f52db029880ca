package compile

import (
	"encoding/json"
	"testing"

	"github.com/tracevault/tracevault/capture/hookrun"
	"github.com/tracevault/tracevault/cmd/tracevault/internal/iostreams"
	"github.com/tracevault/tracevault/policy"
)

func TestCompileRun(t *testing.T) {
	tests := []struct {
		name       string
		src        string
		wantErrors int
		wantMode   policy.FailMode
	}{
		{"valid", "rules:\n  - name: p\n    action: block\n    condition: {type: secrets}\n", 0, policy.FailBlock},
		{"valid allow", "on_error: allow\nrules: []\n", 0, policy.FailAllow},
		{"invalid", "rules:\n  - name: p\n    action: [block\n", 1, policy.FailBlock},
		{"invalid allow", "on_error: allow\nrules:\n  - name: p\n    bogus: 1\n", 3, policy.FailAllow},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ios, in, out, _ := iostreams.Test()
			in.WriteString(tt.src)
			if err := compileRun(&CompileOptions{IO: ios}); err != nil {
				t.Fatalf("compileRun() error = %v", err)
			}
			var res hookrun.CompiledPolicy
			if err := json.Unmarshal(out.Bytes(), &res); err != nil {
				t.Fatalf("output %q: %v", out, err)
			}
			if len(res.Errors) != tt.wantErrors || res.OnError != tt.wantMode {
				t.Fatalf("compileRun() = %s, want %d errors and on_error %s", out, tt.wantErrors, tt.wantMode)
			}
			if tt.wantErrors == 0 {
				if _, err := policy.Compile(res.Canonical); err != nil {
					t.Errorf("canonical form %s does not compile: %v", res.Canonical, err)
				}
			}
		})
	}
}
