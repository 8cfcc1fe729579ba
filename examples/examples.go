// Package examples holds the example flows, so that a binary built anywhere (`go install`) can
// serve them without a checkout of the repository: `outflow serve --demo` loads them from here
// unless --flows names a folder.
package examples

import (
	"embed"
	"io/fs"
)

//go:embed flows/*.yaml flows/locales/*.yaml
var files embed.FS

// Flows returns the example flow files (and their scenario tests, *.test.yaml) at its root, as
// in the folder examples/flows.
func Flows() fs.FS {
	sub, err := fs.Sub(files, "flows")
	if err != nil {
		panic(err) // "flows" is a valid path, embedded above
	}
	return sub
}
