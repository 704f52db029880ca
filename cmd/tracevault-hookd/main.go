// Command tracevault-hookd is the agent hook's full binary. The lean
// tracevault-hook client, which agents run on every hook event, forwards each
// event to the repository's hook server, a lingering "tracevault-hookd
// watch-worktree DIR" process that also watches the work tree; with no
// server to answer, the client executes "tracevault-hookd --agent NAME" to
// record the event itself, and that hook starts the server for the next
// ones. It links only the standard library and the capture packages.
package main

import (
	"os"

	"github.com/tracevault/tracevault/capture/hookrun"
)

func main() { os.Exit(hookrun.MainArgs(os.Args[1:])) }
