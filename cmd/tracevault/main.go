// Command tracevault captures AI coding-agent sessions, stores them in git,
// enforces policy and inspects AI authorship. Run as "git tracevault" it is
// the same program.
package main

import (
	"os"

	"github.com/tracevault/tracevault/cmd/tracevault/internal/cli"
)

func main() { os.Exit(int(cli.Main())) }
