package flows

import (
	"fmt"
	"sort"
	"strings"
)

// Diagnostic is one problem found while loading a flow.
type Diagnostic struct {
	File    string
	Line    int
	Col     int
	Message string
}

func (d Diagnostic) String() string {
	return fmt.Sprintf("%s:%d:%d: %s", d.File, d.Line, d.Col, d.Message)
}

// Diagnostics is every problem found in one or more flow files. It is the error Load returns.
type Diagnostics []Diagnostic

func (ds Diagnostics) Error() string {
	lines := make([]string, len(ds))
	for i, d := range ds {
		lines[i] = d.String()
	}
	return strings.Join(lines, "\n")
}

func (ds Diagnostics) sorted() Diagnostics {
	sort.SliceStable(ds, func(i, j int) bool {
		a, b := ds[i], ds[j]
		if a.File != b.File {
			return a.File < b.File
		}
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		return a.Col < b.Col
	})
	return ds
}

type collector struct {
	file  string
	diags Diagnostics
}

func (c *collector) add(line, col int, format string, args ...any) {
	c.diags = append(c.diags, Diagnostic{File: c.file, Line: line, Col: col, Message: fmt.Sprintf(format, args...)})
}
