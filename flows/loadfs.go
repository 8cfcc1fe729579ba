package flows

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
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
	m, err := LoadMessages(fsys, func(p string) string { return p })
	if err != nil {
		return nil, err
	}
	if m != nil {
		withMessages := *l
		withMessages.Messages = m
		l = &withMessages
	}
	return l.loadEach(names, func(name string) ([]byte, error) {
		src, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, fmt.Errorf("read flow: %w", err)
		}
		return src, nil
	})
}

// Beside returns the flows of the folders dirs that load on their own, by id (the first of an id
// wins): the flows a flow file there may run as sub-flows when it is loaded without them. Set
// them as Loader.Flows.
func (l *Loader) Beside(dirs ...string) map[string]*Flow {
	alone := Loader{Registry: l.Registry, Limits: l.Limits}
	out := map[string]*Flow{}
	for _, dir := range dirs {
		entries, err := os.ReadDir(dir)
		if err != nil {
			continue
		}
		for _, e := range entries {
			if e.IsDir() || !IsFlowFile(e.Name()) {
				continue
			}
			f, err := alone.LoadFile(filepath.Join(dir, e.Name()))
			if err != nil {
				continue
			}
			if _, dup := out[f.ID]; !dup {
				out[f.ID] = f
			}
		}
	}
	return out
}
