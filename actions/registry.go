package actions

import (
	"errors"
	"fmt"
	"sort"
	"sync"
)

var (
	// ErrDuplicateKind is returned by Registry.Add for a name already registered.
	ErrDuplicateKind = errors.New("actions: action kind already registered")
	// ErrInvalidKind is returned by Registry.Add for a malformed Kind.
	ErrInvalidKind = errors.New("actions: invalid action kind")
)

// Registry maps action kind names to their definitions. The zero value is not usable; create one
// with NewRegistry. It is safe for concurrent use.
type Registry struct {
	mu    sync.RWMutex
	kinds map[string]Kind
}

// NewRegistry returns an empty registry.
func NewRegistry() *Registry { return &Registry{kinds: map[string]Kind{}} }

// Add registers kinds. It fails, adding none, when a name is malformed, has no Build, or is already
// registered.
func (r *Registry) Add(kinds ...Kind) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	seen := map[string]bool{}
	for _, k := range kinds {
		switch {
		case !validKindName(k.Name):
			return fmt.Errorf("%w: name %q must be dot-separated lowercase words", ErrInvalidKind, k.Name)
		case k.Build == nil:
			return fmt.Errorf("%w: %q has no Build function", ErrInvalidKind, k.Name)
		case k.Fails && !k.Terminal:
			return fmt.Errorf("%w: %q fails every run, so it must be Terminal too", ErrInvalidKind, k.Name)
		case k.NamedOutcomesOnly && len(k.Outcomes) == 0 && !k.Terminal:
			return fmt.Errorf("%w: %q has NamedOutcomesOnly but no Outcomes, so no run could complete", ErrInvalidKind, k.Name)
		case seen[k.Name]:
			return fmt.Errorf("%w: %q", ErrDuplicateKind, k.Name)
		}
		if _, ok := r.kinds[k.Name]; ok {
			return fmt.Errorf("%w: %q", ErrDuplicateKind, k.Name)
		}
		seen[k.Name] = true
	}
	for _, k := range kinds {
		r.kinds[k.Name] = k
	}
	return nil
}

// Lookup returns the kind registered under name.
func (r *Registry) Lookup(name string) (Kind, bool) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	k, ok := r.kinds[name]
	return k, ok
}

// Kinds returns every registered kind, sorted by name.
func (r *Registry) Kinds() []Kind {
	r.mu.RLock()
	defer r.mu.RUnlock()
	out := make([]Kind, 0, len(r.kinds))
	for _, k := range r.kinds {
		out = append(out, k)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// Names returns the registered kind names, sorted.
func (r *Registry) Names() []string {
	ks := r.Kinds()
	names := make([]string, len(ks))
	for i, k := range ks {
		names[i] = k.Name
	}
	return names
}
