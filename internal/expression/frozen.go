package expression

import (
	"github.com/expr-lang/expr/checker/nature"
	"github.com/expr-lang/expr/types"
)

// Frozen returns t with its nature (what the type checker works with) computed once. expr converts
// the whole environment on every compile; a flow's environment holds a type per step, so without
// this, loading a flow would cost the square of its size. The checker only reads natures.
func Frozen(t types.Type) types.Type {
	if f, ok := t.(frozen); ok {
		return f
	}
	return frozen{Type: t, nt: t.Nature()}
}

type frozen struct {
	types.Type
	nt nature.Nature
}

func (f frozen) Nature() nature.Nature { return f.nt }

// thaw returns the type a Frozen type was made from (t itself for any other type).
func thaw(t types.Type) types.Type {
	if f, ok := t.(frozen); ok {
		return f.Type
	}
	return t
}
