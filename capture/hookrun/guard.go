package hookrun

import "github.com/tracevault/tracevault/capture"

// guard applies the repository's policy to a tool call about to run.
func (h *hook) guard(kind capture.ToolKind) {
	_ = kind
}
