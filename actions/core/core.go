// Package core holds the built-in action kinds every flow can use: screen, set, end, fail, flow and wait.
package core

import "github.com/outflowhq/outflow/actions"

// Kinds returns the core action kinds.
func Kinds() []actions.Kind {
	return []actions.Kind{Screen(), Set(), End(), Fail(), Flow(), Wait()}
}

// Register adds the core kinds to reg.
func Register(reg *actions.Registry) error { return reg.Add(Kinds()...) }
