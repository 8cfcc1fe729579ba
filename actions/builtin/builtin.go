// Package builtin wires every built-in action kind into a registry with one explicit call.
package builtin

import (
	"github.com/outflowhq/outflow/actions"
	"github.com/outflowhq/outflow/actions/core"
)

// Deps are what the built-in outbound actions need. Fields left nil leave their kinds out.
type Deps struct{}

// Register adds the built-in kinds to reg: the core kinds (screen, set, end, fail) and, when their
// dependencies are given, the outbound kinds.
func Register(reg *actions.Registry, deps Deps) error {
	return core.Register(reg)
}
