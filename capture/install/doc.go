// Package install is the logic behind `tracevault init` and `tracevault
// uninstall`: it merges TraceVault's hook handlers into coding agents'
// settings files, chains TraceVault into git hooks, applies the git
// configuration for notes and trace refs, and undoes all of it byte for byte.
// It uses only the standard library and the git binary (for `git config` and
// `git rev-parse`); it runs in init, never on a hook's hot path.
//
// # Agent settings
//
// [Install] edits .claude/settings.json (Claude Code), .codex/hooks.json or
// $CODEX_HOME/hooks.json (Codex, see [Options.CodexUserConfig]) and
// .gemini/settings.json (Gemini CLI). Each file is decoded into an ordered
// representation, so every key keeps its place and value; the result is
// written with two-space indentation. For each event one group is appended:
//
//	{"matcher": "", "hooks": [{"type": "command", "command": "<HookCommand> --agent claude-code", "timeout": 30}]}
//
// The matcher is written only on tool events ("" for Claude Code, "*" for
// Codex and Gemini CLI). Gemini CLI handlers also get a "name"
// ("tracevault-<event>") and a timeout in milliseconds. A handler is
// TraceVault's when its command names a tracevault executable and carries
// "--agent <agent>"; a later run updates such a handler in place (so a new
// executable path replaces the old one) and drops duplicates. A file whose
// content would not change is not rewritten.
//
// # Git hooks
//
// post-commit, post-rewrite and pre-push get a block between [BeginMarker]
// and [EndMarker] that runs `<GitHookCommand> git-hook <hook> "$@"` when the
// command exists. The block goes right after the shebang line of an existing
// hook, so it runs before any `exit` in the user's script; a missing hook is
// created as a #!/bin/sh script holding only the block. A hook with a
// non-shell shebang (python, node, ...) is refused with [ErrUnsupportedHook].
// post-rewrite and pre-push read standard input: the block copies it to a
// temporary file, feeds that to TraceVault, then runs `exec <file` so the
// rest of the user's hook reads the same bytes from the start. Only pre-push
// passes on a failure of the TraceVault command (a policy may block a push;
// the command itself must never fail for trace-sync problems); post-commit
// and post-rewrite ignore it, so the hook's exit status stays the user's.
//
// Where the block goes, by set-up:
//   - no core.hooksPath: <git-common-dir>/hooks/<hook>;
//   - core.hooksPath (custom directory, husky v4-v8's .husky): the file in
//     that directory, as `git rev-parse --git-path hooks` resolves it;
//   - husky v9 (core.hooksPath=.husky/_ holding the generated "h"): the
//     user's .husky/<hook>, which husky runs with `sh -e`; the generated
//     stubs are left alone. Teammates without tracevault skip the block.
//   - lefthook and pre-commit own .git/hooks: the block goes into the
//     scripts they generated. pre-commit keeps an existing hook as
//     <hook>.legacy and still runs it; `lefthook install` rewrites the
//     scripts, so `tracevault init` must run again after it (reported as a
//     note). Their YAML configs are not edited.
//
// # Git configuration
//
// With `git config --local`: notes.rewriteRef gains refs/notes/tracevault
// (added, other values kept); notes.rewriteMode=cat_sort_uniq,
// notes.rewrite.amend=true, notes.rewrite.rebase=true; and for each trace
// remote (default: origin, when it exists) the fetch refspecs
// +refs/notes/tracevault:refs/notes/tracevault-remote/<remote> and
// +refs/tracevault/*:refs/tracevault-remote/<remote>/* are added when
// absent. remote.<name>.push is never set: it would replace git's default
// push. [ConfigureGit] applies only this part.
//
// # Manifest
//
// Before changing anything, Install writes
// <git-common-dir>/tracevault/install/manifest.json:
//
//	{
//	  "version": 1,
//	  "files": [
//	    {"path": ".claude/settings.json", "kind": "agent:claude-code",
//	     "mode": "0644", "original": "<base64 of the exact bytes>",
//	     "installed_sha256": "<hex>"},
//	    {"path": ".git/hooks/pre-push", "kind": "git-hook:pre-push",
//	     "absent": true, "installed_sha256": "<hex>"}
//	  ],
//	  "created_dirs": [".codex"],
//	  "config": [
//	    {"key": "notes.rewriteMode", "value": "cat_sort_uniq", "original": ["overwrite"]},
//	    {"key": "notes.rewrite.amend", "value": "true", "absent": true},
//	    {"key": "remote.origin.fetch", "value": "+refs/notes/tracevault:refs/notes/tracevault-remote/origin", "add": true}
//	  ]
//	}
//
// Paths are relative to the work tree top when inside it (else absolute).
// "original" and "mode" (or "absent") are taken on the first Install and
// never replaced. "installed_sha256" is what the last Install left; when a
// later Install finds a different file, "edited_after_install" is set.
// [Uninstall] writes the original bytes and mode back when the file still
// hashes to installed_sha256 and was never edited, and otherwise removes only
// TraceVault's handlers or block, keeping the user's changes (a file Install
// created is removed when nothing else is left in it). A set config value is
// restored when it still holds our value; an added one is removed. Created
// directories are removed when empty, then the manifest.
//
// # Failure
//
// Every file is read, parsed, merged and checked for writability before the
// first write. Malformed JSON fails with a [*JSONError] naming the file,
// line and column. Files are replaced atomically (temporary file and
// rename; symbolic links are followed, so the link survives), and a failure
// part-way puts back every file already written and undoes config steps
// already run, so an error means nothing changed.
package install
