package policy

import "strings"

// dangerFinding is one dangerous thing found in a command line.
type dangerFinding struct {
	check string // CheckRmRoot, ..., or "pattern"
	what  string
}

// findDanger applies the enabled checks and deny patterns to parsed commands.
// branch is the checked-out branch, for pushes that name no refspec.
func (d *dangerCond) findDanger(cmds []simpleCmd, branch string) []dangerFinding {
	var out []dangerFinding
	for i := range cmds {
		c := &cmds[i]
		if d.rmRoot {
			if t, ok := rmRoot(c); ok {
				out = append(out, dangerFinding{CheckRmRoot, "recursive delete of " + t})
			}
		}
		if d.pipeToShell {
			if what, ok := pipeToShell(cmds, i); ok {
				out = append(out, dangerFinding{CheckPipeToShell, what})
			}
		}
		if d.forcePush {
			if what, ok := d.protectedPush(c, branch); ok {
				out = append(out, dangerFinding{CheckForcePush, what})
			}
		}
		for _, p := range d.patterns {
			if p.match(c) {
				out = append(out, dangerFinding{"pattern", "command matches denied pattern " + quote(p.src)})
			}
		}
	}
	return out
}

// rmRoot reports "rm -r" of the file-system root, the home directory or a
// top-level directory such as /etc or /usr, or any use of --no-preserve-root.
func rmRoot(c *simpleCmd) (string, bool) {
	if c.prog() != "rm" {
		return "", false
	}
	recursive, opts := false, true
	var targets []string
	for _, w := range c.words[1:] {
		switch {
		case opts && w == "--":
			opts = false
		case opts && w == "--no-preserve-root":
			return "/ (--no-preserve-root)", true
		case opts && w == "--recursive":
			recursive = true
		case opts && strings.HasPrefix(w, "-") && !strings.HasPrefix(w, "--"):
			if strings.ContainsAny(w, "rR") {
				recursive = true
			}
		default:
			targets = append(targets, w)
		}
	}
	if !recursive {
		return "", false
	}
	for _, t := range targets {
		if rootLike(t) {
			return t, true
		}
	}
	return "", false
}

func rootLike(t string) bool {
	t = strings.TrimSuffix(t, "*")
	for len(t) > 1 && (strings.HasSuffix(t, "/") || strings.HasSuffix(t, "/.")) {
		t = strings.TrimSuffix(strings.TrimSuffix(t, "."), "/")
	}
	switch t {
	case "/", "~", "$HOME", "${HOME}":
		return true
	}
	return strings.HasPrefix(t, "/") && strings.Count(t, "/") == 1
}

// pipeToShell reports a downloader whose output an interpreter runs:
// "curl … | sh", "bash <(curl …)", "sh -c \"$(curl …)\"", "eval $(wget …)".
func pipeToShell(cmds []simpleCmd, i int) (string, bool) {
	c := &cmds[i]
	if contains(interpreters, c.prog()) && c.pipedFrom {
		for j := i - 1; j >= 0; j-- {
			if contains(downloaders, cmds[j].prog()) {
				return cmds[j].prog() + " output piped to " + c.prog(), true
			}
			if !cmds[j].pipedFrom {
				break
			}
		}
	}
	if contains(downloaders, c.prog()) && c.parent >= 0 {
		p := &cmds[c.parent]
		if p.substWord || contains(interpreters, p.prog()) {
			runner := p.prog()
			if p.substWord || runner == "" {
				runner = "the shell"
			}
			return c.prog() + " output run by " + runner, true
		}
	}
	return "", false
}

// protectedPush reports "git push" that force-updates or deletes a
// protected branch.
func (d *dangerCond) protectedPush(c *simpleCmd, branch string) (string, bool) {
	if c.prog() != "git" {
		return "", false
	}
	w := c.words[1:]
	for len(w) > 0 && strings.HasPrefix(w[0], "-") { // git's global options
		if w[0] == "-C" || w[0] == "-c" || w[0] == "--git-dir" || w[0] == "--work-tree" || w[0] == "--namespace" {
			w = w[1:]
		}
		if len(w) > 0 {
			w = w[1:]
		}
	}
	if len(w) == 0 || w[0] != "push" {
		return "", false
	}
	force, del, all := false, false, false
	var pos []string
	for i := 1; i < len(w); i++ {
		a := w[i]
		switch {
		case a == "--force" || strings.HasPrefix(a, "--force-with-lease") || a == "--force-if-includes":
			force = true
		case a == "--delete":
			del = true
		case a == "--all" || a == "--mirror" || a == "--branches":
			all = true
		case a == "-o" || a == "--push-option" || a == "--repo" || a == "--receive-pack" || a == "--exec":
			i++
		case strings.HasPrefix(a, "--"):
		case strings.HasPrefix(a, "-") && len(a) > 1:
			force = force || strings.IndexByte(a, 'f') > 0
			del = del || strings.IndexByte(a, 'd') > 0
		default:
			pos = append(pos, a)
		}
	}
	if all && (force || del) && len(d.protected.pos) > 0 {
		return "force push of all branches", true
	}
	refspecs := pos
	if len(pos) > 0 {
		refspecs = pos[1:] // the first is the remote
	}
	if len(refspecs) == 0 {
		refspecs = []string{"HEAD"}
	}
	for _, rs := range refspecs {
		plus := strings.HasPrefix(rs, "+")
		rs = strings.TrimPrefix(rs, "+")
		dst, deletes := rs, del
		if src, after, ok := strings.Cut(rs, ":"); ok {
			dst, deletes = after, deletes || src == ""
		}
		if dst == "HEAD" || dst == "" {
			dst = branch
		}
		dst = strings.TrimPrefix(dst, "refs/heads/")
		if !(force || plus || deletes) {
			continue
		}
		verb := "force push to"
		if deletes {
			verb = "deletion of"
		}
		if dst == "" {
			return verb + " the current branch (unknown, treated as protected)", true
		}
		if d.protected.match(dst) {
			return verb + " protected branch " + quote(dst), true
		}
	}
	return "", false
}
