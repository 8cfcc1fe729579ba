package flows

import (
	"fmt"
	"io/fs"
	"sort"
)

// LoadFS loads every flow file at the root of fsys (not its subfolders), such as flows embedded
// in a binary with embed.FS, reporting every problem in every file, and duplicate flow ids. Files
// are named in flows and diagnostics by their path in fsys.
func (l *Loader) LoadFS(fsys fs.FS) ([]*Flow, error) {
	entries, err := fs.ReadDir(fsys, ".")
	if err != nil {
		return nil, fmt.Errorf("read flows: %w", err)
	}
	var names []string
	for _, e := range entries {
		if !e.IsDir() && IsFlowFile(e.Name()) {
			names = append(names, e.Name())
		}
	}
	sort.Strings(names)
	return l.loadEach(names, func(name string) (*Flow, error) {
		src, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, fmt.Errorf("read flow: %w", err)
		}
		return l.Load(name, src)
	})
}
