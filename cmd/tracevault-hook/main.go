// Command tracevault-hook is what agents run on every hook event:
// "tracevault-hook --agent claude-code". It is a lean client (package
// hookclient): it forwards the event to the repository's hook server, which
// records it warm, and passes the server's answer on; with no server, it
// executes tracevault-hookd, the hook's full binary beside it, which
// records the event and starts the server. Either way it does exactly what
// "tracevault hook --agent claude-code" does, and exits 0 unless the policy
// guard denies a tool call.
//
// Git hooks installed by older versions call it too, as "tracevault-hook
// git-hook NAME", which it hands to tracevault-hookd.
package main

import (
	"os"

	"github.com/tracevault/tracevault/capture/hookclient"
)

func main() { os.Exit(hookclient.Main(os.Args[1:])) }
