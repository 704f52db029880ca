package install

import "fmt"

// The block chained into a post-commit hook.
func Example_postCommitBlock() {
	fmt.Print(hookBlock("post-commit", "tracevault"))
	// Output:
	// # >>> tracevault >>>
	// # Added by `tracevault init`; `tracevault uninstall` removes it. Edits between the markers are lost.
	// if command -v 'tracevault' >/dev/null 2>&1; then
	//   'tracevault' git-hook post-commit "$@" </dev/null || :
	// fi
	// # <<< tracevault <<<
}

// Merging into existing Claude Code settings keeps the user's keys in place.
func Example_mergeClaudeSettings() {
	root, _ := decodeObject("settings.json", []byte(`{"model": "opus", "hooks": {"Stop": [{"hooks": [{"type": "command", "command": "say done"}]}]}}`))
	s := specs[ClaudeCode]
	s.events = []string{"Stop", "PreToolUse"} // shortened for the example
	s.mergeHandlers(root, "tracevault hook", 30)
	fmt.Print(string(encodeJSON(root)))
	// Output:
	// {
	//   "model": "opus",
	//   "hooks": {
	//     "Stop": [
	//       {
	//         "hooks": [
	//           {
	//             "type": "command",
	//             "command": "say done"
	//           }
	//         ]
	//       },
	//       {
	//         "hooks": [
	//           {
	//             "type": "command",
	//             "command": "tracevault hook --agent claude-code",
	//             "timeout": 30
	//           }
	//         ]
	//       }
	//     ],
	//     "PreToolUse": [
	//       {
	//         "matcher": "",
	//         "hooks": [
	//           {
	//             "type": "command",
	//             "command": "tracevault hook --agent claude-code",
	//             "timeout": 30
	//           }
	//         ]
	//       }
	//     ]
	//   }
	// }
}
