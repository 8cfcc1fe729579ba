package expression

import (
	"context"
	"fmt"
	"math"
	"strings"
)

// MaxValueSize caps one string (in bytes) or list (in items) that an expression builds. It holds
// inside the per-evaluation byte budget, so no single value grows past it even when the budget is
// larger.
const MaxValueSize = 64 << 10

// budgetName is the reserved variable through which every evaluation hands its byte budget to the
// functions that allocate. Names starting with "__" are refused in flow expressions.
const budgetName = "__eval"

// reservedPrefix starts the names of the variables and functions the guard adds to expressions.
const reservedPrefix = "__"

// budget counts the bytes one evaluation allocates for the strings and lists it builds. expr's own
// memory budget counts list and map elements but not their bytes, so every function that can grow
// a value draws from this budget before it allocates. It is a context.Context so that expr hands it
// to functions whose first parameter is one (expr.WithContext).
type budget struct {
	context.Context
	used, limit int
	// steps counts the runs of predicates (the closures of all, filter, map, reduce, ...): their
	// work is not memory, so the byte budget alone would let nested predicates over long lists run
	// for minutes.
	steps int
}

// MaxSteps caps how many times one evaluation may run a predicate: enough for any list a flow
// sees, and well under a second of work.
const MaxSteps = 1_000_000

func newBudget(limit uint) *budget {
	l := int(min(limit, math.MaxInt32))
	return &budget{Context: context.Background(), limit: l}
}

// budgetOf returns the budget a function received. A function called without one (which Eval
// never does) gets a fresh default budget, so it is still bounded.
func budgetOf(ctx context.Context) *budget {
	if b, ok := ctx.(*budget); ok {
		return b
	}
	return newBudget(DefaultLimits.ByteBudget)
}

// BudgetError is the run-time error of an evaluation that allocated past its byte budget, or that
// built a value past MaxValueSize.
type BudgetError struct {
	// What names what was being built, e.g. "repeat".
	What string
	// Limit is the budget or the value cap, in bytes.
	Limit int
	// Value is true when one value went past MaxValueSize.
	Value bool
	// Steps is true when the evaluation ran its predicates more than Limit times.
	Steps bool
}

func (e *BudgetError) Error() string {
	if e.Steps {
		return fmt.Sprintf("%s: the expression would run its predicates more than %d times", e.What, e.Limit)
	}
	if e.Value {
		return fmt.Sprintf("%s: the value would be larger than %d bytes", e.What, e.Limit)
	}
	return fmt.Sprintf("%s: the expression would allocate more than %d bytes", e.What, e.Limit)
}

// step counts one run of a predicate of what, failing past MaxSteps.
func (b *budget) step(what string) error {
	if b.steps++; b.steps > MaxSteps {
		return &BudgetError{What: what, Limit: MaxSteps, Steps: true}
	}
	return nil
}

// charge draws n bytes from the budget for what, failing when it runs out.
func (b *budget) charge(what string, n int) error {
	if n < 0 || n > b.limit-b.used {
		b.used = b.limit
		return &BudgetError{What: what, Limit: b.limit}
	}
	b.used += n
	return nil
}

// build charges a new value: size is its length (bytes of a string, items of a list), which must
// fit MaxValueSize, and bytes what it costs.
func (b *budget) build(what string, size, bytes int) error {
	if size < 0 || size > MaxValueSize {
		return &BudgetError{What: what, Limit: MaxValueSize, Value: true}
	}
	return b.charge(what, bytes)
}

// remaining is what is left of the budget.
func (b *budget) remaining() int { return b.limit - b.used }

// mulSize multiplies two sizes, saturating instead of overflowing.
func mulSize(a, b int) int {
	if a < 0 || b < 0 {
		return -1
	}
	if a != 0 && b > math.MaxInt32/a {
		return math.MaxInt32
	}
	return a * b
}

// isReserved reports whether a name belongs to the guard rather than to flows.
func isReserved(name string) bool { return strings.HasPrefix(name, reservedPrefix) }
