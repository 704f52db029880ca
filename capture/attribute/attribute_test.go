package attribute

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func s(lines ...string) *string {
	v := strings.Join(lines, "\n")
	if len(lines) > 0 {
		v += "\n"
	}
	return &v
}

var (
	agent  = Origin{Kind: AI, SessionID: "s1", Agent: "claude-code", Model: "m", ToolUseID: "t1"}
	agent2 = Origin{Kind: AI, SessionID: "s1", Agent: "claude-code", Model: "m", ToolUseID: "t2"}
	codex  = Origin{Kind: AI, SessionID: "s2", Agent: "codex", Model: "gpt-5.5", ToolUseID: "c1"}
	h      = Origin{Kind: Human}
	b      = Origin{Kind: Base}
)

func TestReplay(t *testing.T) {
	tests := []struct {
		name  string
		base  *string
		steps []Step
		final *string
		want  []Origin
	}{
		{
			name:  "agent writes new file",
			steps: []Step{{After: s("a", "b"), Origin: agent}},
			final: s("a", "b"),
			want:  []Origin{agent, agent},
		},
		{
			name:  "human edits after the agent",
			steps: []Step{{After: s("a", "b", "c"), Origin: agent}},
			final: s("a", "B", "c"),
			want:  []Origin{agent, h, agent},
		},
		{
			name: "human edit between two agent edits is human",
			steps: []Step{
				{After: s("a", "b"), Origin: agent},
				{Before: s("a", "H", "b"), After: s("a", "H", "b", "c"), Origin: agent2},
			},
			final: s("a", "H", "b", "c"),
			want:  []Origin{agent, h, agent, agent2},
		},
		{
			name:  "base lines stay base",
			base:  s("x", "y"),
			steps: []Step{{Before: s("x", "y"), After: s("x", "n", "y"), Origin: agent}},
			final: s("x", "n", "y"),
			want:  []Origin{b, agent, b},
		},
		{
			name: "last writer wins across agents",
			steps: []Step{
				{After: s("a", "b", "c"), Origin: agent},
				{Before: s("a", "b", "c"), After: s("a", "B", "c"), Origin: codex},
			},
			final: s("a", "B", "c"),
			want:  []Origin{agent, codex, agent},
		},
		{
			name:  "deleted then recreated by human",
			steps: []Step{{After: s("a"), Origin: agent}, {Before: s("a"), After: nil, Origin: agent}},
			final: s("a"),
			want:  []Origin{h},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Replay(tt.base, tt.steps, *tt.final)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Replay() mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestRanges(t *testing.T) {
	labels := []Origin{agent, agent, h, b, agent, agent}
	got := Ranges(labels, []int{6, 1, 2, 3, 4, 5})
	want := []Range{{1, 2, agent}, {3, 4, h}, {5, 6, agent}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("Ranges mismatch (-want +got):\n%s", diff)
	}
	if got := FormatLines(want); got != "1-2,3-4,5-6" {
		t.Errorf("FormatLines = %q", got)
	}
}
