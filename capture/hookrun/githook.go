package hookrun

import "github.com/tracevault/tracevault/capture/githooks"

// GitHook runs "tracevault-hook git-hook NAME ARGS...", what git hooks
// installed before tracevault-githook existed call: it does what
// tracevault-githook does (see [githooks.Hook]).
func GitHook(args []string) int { return githooks.Hook(args) }
