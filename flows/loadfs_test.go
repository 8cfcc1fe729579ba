package flows

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"testing/fstest"
)

// Flows in a file system (embedded in a binary) load as from a folder: flow files at its root,
// never scenario tests or subfolders, and every problem of every file named by its path.
func TestLoadFSLoadsTheFlowFilesAtItsRoot(t *testing.T) {
	t.Parallel()
	ok := "id: %s\nsteps:\n  done:\n    end: {}\n"
	fsys := fstest.MapFS{
		"b.yaml":       {Data: []byte(fmt.Sprintf(ok, "b"))},
		"a.yml":        {Data: []byte(fmt.Sprintf(ok, "a"))},
		"a.test.yaml":  {Data: []byte("not a flow: [")},
		"sub/c.yaml":   {Data: []byte("not a flow: [")},
		"README.md":    {Data: []byte("# flows")},
		"empty/.keep":  {},
		"notes.yaml~":  {Data: []byte("not a flow: [")},
		"another.yaml": {Data: []byte(fmt.Sprintf(ok, "another"))},
	}
	loaded, err := coreLoader(t).LoadFS(fsys)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range loaded {
		got = append(got, f.File+"="+f.ID)
	}
	if want := "a.yml=a another.yaml=another b.yaml=b"; strings.Join(got, " ") != want {
		t.Errorf("loaded %s, want %s", strings.Join(got, " "), want)
	}

	fsys["c.yaml"] = &fstest.MapFile{Data: []byte("id: c\nsteps:\n  done:\n    end: {}\n  bad: 3\n")}
	fsys["d.yaml"] = &fstest.MapFile{Data: []byte(fmt.Sprintf(ok, "b"))}
	_, err = coreLoader(t).LoadFS(fsys)
	var ds Diagnostics
	if !errors.As(err, &ds) || len(ds) != 2 || ds[0].File != "c.yaml" || ds[1].File != "d.yaml" {
		t.Fatalf("got %v", err)
	}
}
