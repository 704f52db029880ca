// Package web holds the server's browser-facing assets as an embedded file
// system, served at / by tracevault-server. Today that is the landing page
// that points at the API; the dashboard, when it comes, is built into
// static/ and embedded the same way. It imports nothing from the project.
package web

import (
	"embed"
	"io/fs"
)

//go:embed static
var static embed.FS

// FS returns the assets, rooted at static/.
func FS() fs.FS {
	sub, err := fs.Sub(static, "static")
	if err != nil {
		panic("web: embedded static/ is missing: " + err.Error()) // a build invariant
	}
	return sub
}
