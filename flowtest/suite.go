package flowtest

import (
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/outflowhq/outflow/flows"
	"github.com/outflowhq/outflow/internal/suggest"
)

// suite is what Run loaded: the flows and the scenarios, resolved and checked.
type suite struct {
	opts   Options
	loader *flows.Loader
	// byFile and byID hold the flows that loaded; failed holds the files that did not.
	byFile map[string]*flows.Flow
	byID   map[string]*flows.Flow
	failed map[string]bool
	// learnt holds the folders whose flows the loader knows as sub-flows.
	learnt map[string]bool
	// tested are the flows the report covers: those given, then those with scenarios.
	tested    []*flows.Flow
	scenarios []*scenario
	diags     flows.Diagnostics
}

// IsScenarioFile reports whether a file name is a scenario file: *.test.yaml or *.test.yml.
func IsScenarioFile(name string) bool {
	return strings.HasSuffix(name, ".test.yaml") || strings.HasSuffix(name, ".test.yml")
}

func load(opts Options) (*suite, error) {
	if opts.Registry == nil {
		return nil, errors.New("flowtest: Options.Registry is required")
	}
	s := &suite{
		opts: opts, loader: &flows.Loader{Registry: opts.Registry, Limits: opts.Limits},
		byFile: map[string]*flows.Flow{}, byID: map[string]*flows.Flow{}, failed: map[string]bool{},
		learnt: map[string]bool{},
	}
	s.loader.Flows = map[string]*flows.Flow{}
	given, tests, err := expand(opts.Paths)
	if err != nil {
		return nil, err
	}
	if len(given) == 0 && len(tests) == 0 {
		return nil, ErrNoScenarios
	}
	for _, path := range given {
		s.diags = append(s.diags, s.loadFlow(path)...)
		if f := s.byFile[path]; f != nil {
			s.tested = append(s.tested, f)
		}
	}
	for _, path := range tests {
		src, err := os.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("read scenario file: %w", err)
		}
		scs, ds := parseFile(path, src, s.finder(path))
		s.diags = append(s.diags, ds...)
		for _, sc := range scs {
			if sc.flow != nil && !s.isTested(sc.flow) {
				s.tested = append(s.tested, sc.flow)
			}
		}
		s.scenarios = append(s.scenarios, scs...)
	}
	s.diags = append(s.diags, s.checkCalls()...)
	if diags := s.diags; len(diags) > 0 {
		sort.SliceStable(diags, func(i, j int) bool {
			a, b := diags[i], diags[j]
			if a.File != b.File {
				return a.File < b.File
			}
			return a.Line < b.Line || a.Line == b.Line && a.Col < b.Col
		})
		return nil, diags
	}
	return s, nil
}

// checkCalls checks, as validate does, the sub-flow calls of the flows under test and of the
// flows beside them they may run: no flow reaches itself, no chain nests too deep.
func (s *suite) checkCalls() flows.Diagnostics {
	byID := maps.Clone(s.loader.Flows)
	maps.Copy(byID, s.byID)
	return flows.CheckCalls(slices.Collect(maps.Values(byID)))
}

// loadFlow loads one flow file once, recording it by file and id.
func (s *suite) loadFlow(path string) flows.Diagnostics {
	if s.byFile[path] != nil || s.failed[path] {
		return nil
	}
	s.learn(filepath.Dir(path))
	f, err := s.loader.LoadFile(path)
	var ds flows.Diagnostics
	switch {
	case errors.As(err, &ds):
		s.failed[path] = true
		return ds
	case err != nil:
		s.failed[path] = true
		return flows.Diagnostics{{File: path, Line: 1, Col: 1, Message: err.Error()}}
	}
	if prev, dup := s.byID[f.ID]; dup {
		s.failed[path] = true
		return flows.Diagnostics{{File: path, Line: 1, Col: 1, Message: fmt.Sprintf("flow id %q is already used by %s", f.ID, prev.File)}}
	}
	s.byFile[path], s.byID[f.ID] = f, f
	return nil
}

// learn makes the flows of dir known as sub-flows to the flows the suite loads, as `validate`
// would load them together. A flow file that does not load is left out (its problems are reported
// when a scenario names it).
func (s *suite) learn(dir string) {
	if s.learnt[dir] {
		return
	}
	s.learnt[dir] = true
	if s.loader.Messages == nil {
		s.loader.Messages, _ = flows.LoadMessages(os.DirFS(dir), func(p string) string { return filepath.Join(dir, p) })
	}
	found, err := listDir(dir)
	if err != nil {
		return
	}
	alone := flows.Loader{Registry: s.loader.Registry, Limits: s.loader.Limits}
	for _, p := range found.flows {
		if f, err := alone.LoadFile(p); err == nil {
			if _, dup := s.loader.Flows[f.ID]; !dup {
				s.loader.Flows[f.ID] = f
			}
		}
	}
}

// called returns the flows f runs as sub-flows, directly or not, as the suite knows them.
func (s *suite) called(f *flows.Flow) []*flows.Flow {
	var out []*flows.Flow
	seen := map[string]bool{f.ID: true}
	var walk func(*flows.Flow)
	walk = func(f *flows.Flow) {
		for _, c := range f.Calls {
			sub := s.loader.Flows[c.Flow]
			if sub == nil || seen[c.Flow] {
				continue
			}
			seen[c.Flow] = true
			out = append(out, sub)
			walk(sub)
		}
	}
	walk(f)
	return out
}

// finder resolves the flow of the scenario file at path: by the flow file with the same base name
// when id is "", else by id: among the flows loaded, then the flow file named after the id next to
// the scenario file, then the other flow files there. A flow file that failed to load resolves to
// nothing, silently: its own problems are reported.
func (s *suite) finder(path string) flowFinder {
	dir := filepath.Dir(path)
	return func(id string) (*flows.Flow, error) {
		if id == "" {
			base := strings.TrimSuffix(strings.TrimSuffix(path, ".test.yaml"), ".test.yml")
			if f, tried := s.loadNamed(base); f != nil || tried {
				return f, nil
			}
			return nil, fmt.Errorf("there is no flow file %s.yaml next to this file; name the flow with `flow: <id>`", filepath.Base(base))
		}
		if f, ok := s.byID[id]; ok {
			return f, nil
		}
		if f, tried := s.loadNamed(filepath.Join(dir, id)); f != nil && f.ID == id || tried && f == nil {
			return f, nil
		}
		// Load the other flows of the folder; their problems matter only if one of them is the flow.
		found, err := listDir(dir)
		if err != nil {
			return nil, err
		}
		for _, p := range found.flows {
			s.loadFlow(p)
		}
		if f, ok := s.byID[id]; ok {
			return f, nil
		}
		ids := make([]string, 0, len(s.byID))
		for k := range s.byID {
			ids = append(ids, k)
		}
		sort.Strings(ids)
		return nil, fmt.Errorf("no flow has id %q in the folder of this file or the paths given%s", id, suggest.Hint(id, ids))
	}
}

// loadNamed loads base.yaml or base.yml. tried reports whether such a file exists; its problems
// are added to the suite's.
func (s *suite) loadNamed(base string) (f *flows.Flow, tried bool) {
	for _, ext := range []string{".yaml", ".yml"} {
		p := base + ext
		if _, err := os.Stat(p); err != nil {
			continue
		}
		s.diags = append(s.diags, s.loadFlow(p)...)
		return s.byFile[p], true
	}
	return nil, false
}

func (s *suite) isTested(f *flows.Flow) bool {
	for _, t := range s.tested {
		if t == f {
			return true
		}
	}
	return false
}

func (s *suite) log() *slog.Logger {
	if s.opts.Logger != nil {
		return s.opts.Logger
	}
	return slog.Default()
}

func (s *suite) now() time.Time {
	if s.opts.Now.IsZero() {
		return DefaultNow()
	}
	return s.opts.Now
}

// folder is what a folder holds: flow files and scenario files, sorted.
type folder struct{ flows, tests []string }

func listDir(dir string) (folder, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return folder{}, fmt.Errorf("read folder: %w", err)
	}
	var out folder
	for _, e := range entries {
		switch name := e.Name(); {
		case e.IsDir():
		case IsScenarioFile(name):
			out.tests = append(out.tests, filepath.Join(dir, name))
		case flows.IsFlowFile(name):
			out.flows = append(out.flows, filepath.Join(dir, name))
		}
	}
	return out, nil
}

// expand turns paths into the flow files given and the scenario files to run, each once.
func expand(paths []string) (given, tests []string, err error) {
	seen := map[string]bool{}
	add := func(list *[]string, p string) {
		p = filepath.Clean(p)
		if !seen[p] {
			seen[p] = true
			*list = append(*list, p)
		}
	}
	for _, p := range paths {
		info, err := os.Stat(p)
		if err != nil {
			return nil, nil, err
		}
		switch {
		case info.IsDir():
			found, err := listDir(p)
			if err != nil {
				return nil, nil, err
			}
			for _, f := range found.flows {
				add(&given, f)
			}
			for _, t := range found.tests {
				add(&tests, t)
			}
		case IsScenarioFile(p):
			add(&tests, p)
		default:
			add(&given, p)
			ext := filepath.Ext(p)
			for _, te := range []string{".test.yaml", ".test.yml"} {
				sibling := strings.TrimSuffix(p, ext) + te
				if _, err := os.Stat(sibling); err == nil {
					add(&tests, sibling)
				}
			}
		}
	}
	return given, tests, nil
}
