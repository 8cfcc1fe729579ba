package flows

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

// chain is a flow of n set steps, each negating the one before it (or, with literal, each holding
// a literal), ending with a condition that compares the last boolean with a string.
func chain(n int, literal bool) []byte {
	var b strings.Builder
	b.WriteString("id: chain\nsteps:\n  s0:\n    action: set\n    with: {x: true}\n    next: s1\n")
	for i := 1; i < n; i++ {
		val := fmt.Sprintf("${{ !steps.s%d.output.x }}", i-1)
		if literal {
			val = "false"
		}
		fmt.Fprintf(&b, "  s%d:\n    action: set\n    with:\n      x: %s\n    next: s%d\n", i, val, i+1)
	}
	fmt.Fprintf(&b, "  s%d:\n    action: set\n    with: {}\n    next:\n      - when: steps.s%d.output.x == \"x\"\n        goto: done\n      - goto: done\n  done:\n    end: {}\n", n, n-1)
	return []byte(b.String())
}

// A set step's output type flows down a long chain of steps in one load, so a mismatch at its end
// is caught; a step that reads a later one is typed too.
func TestOutputTypesFlowThroughChains(t *testing.T) {
	t.Parallel()
	_, err := coreLoader(t).Load("chain.yaml", chain(200, false))
	var ds Diagnostics
	if !errors.As(err, &ds) || len(ds) != 1 || !strings.Contains(ds[0].Message, "mismatched types bool and string") {
		t.Fatalf("got %v, want the string comparison at the end of the chain", err)
	}

	_, err = coreLoader(t).Load("back.yaml", []byte(`
id: back
steps:
  first:
    action: set
    with: {ok: "${{ steps.second.output.n }}"}
    next: second
  second:
    action: set
    with: {n: "${{ 2 * 3 > 5 }}"}
    next:
      - when: steps.first.output.ok
        goto: done
      - goto: done
  done:
    end: {}
`))
	if err != nil {
		t.Fatalf("a condition on a step that reads a later step: %v", err)
	}
}

// Loading a 200-step chain whose types flow step to step, against the same chain of literals.
func BenchmarkLoadTypedChain(b *testing.B) {
	l := coreLoader(b)
	for _, c := range []struct {
		name    string
		literal bool
	}{{"expressions", false}, {"literals", true}} {
		src := chain(200, c.literal)
		src = []byte(strings.Replace(string(src), `== "x"`, `== true`, 1))
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				if _, err := l.Load("chain.yaml", src); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
