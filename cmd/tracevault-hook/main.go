// Command tracevault-hook is the lean entry point agents call on every hook
// event: "tracevault-hook --agent claude-code". It does exactly what
// "tracevault hook --agent claude-code" does, in a binary that links only the
// standard library and the capture packages, so that it starts in about the
// time a hello-world Go program does (the agent waits for it before every tool
// call). It always exits 0 unless the policy guard denies a tool call.
package main

import (
	"os"
	"strings"

	"github.com/tracevault/tracevault/capture/hookrun"
)

func main() {
	args := os.Args[1:]
	if len(args) > 0 && args[0] == "git-hook" {
		os.Exit(hookrun.GitHook(args[1:]))
	}
	agent := ""
	for i := 0; i < len(args); i++ {
		switch a := args[i]; {
		case a == "--agent" && i+1 < len(args):
			agent = args[i+1]
			i++
		case strings.HasPrefix(a, "--agent="):
			agent = strings.TrimPrefix(a, "--agent=")
		}
	}
	os.Exit(hookrun.Main(agent))
}
