package decode

import (
	"fmt"
	"math"

	"go.yaml.in/yaml/v3"
)

// MaxNodes is how many nodes a document decoded by Into may have once its aliases are expanded.
// A few lines of nested aliases (`b: [*a, *a, *a, ...]`) expand to billions of nodes; decoding
// walks aliases as if written out, so their expansion is counted, and refused, first.
const MaxNodes = 20_000

// CheckSize counts the nodes of n with every alias expanded, without expanding any. It returns a
// problem located at the alias (or node) that takes the count past max, or at an alias that refers
// to a value containing it; nil when n is fine.
func CheckSize(n *yaml.Node, max int) *Problem {
	c := &sizeCheck{max: max, sizes: map[*yaml.Node]int{}, open: map[*yaml.Node]bool{}}
	c.walk(n)
	return c.problem
}

type sizeCheck struct {
	max   int
	total int
	// sizes memoizes the expanded size of the nodes aliases refer to.
	sizes   map[*yaml.Node]int
	open    map[*yaml.Node]bool
	problem *Problem
}

func (c *sizeCheck) fail(n *yaml.Node, format string, args ...any) {
	if c.problem == nil {
		c.problem = &Problem{Line: n.Line, Col: n.Column, Msg: fmt.Sprintf(format, args...)}
	}
}

// walk adds the nodes of n to the running total, in document order, and stops at the first
// problem.
func (c *sizeCheck) walk(n *yaml.Node) {
	if n == nil || c.problem != nil {
		return
	}
	if n.Kind == yaml.AliasNode {
		size := c.size(n.Alias)
		if c.open[n.Alias] {
			c.fail(n, "alias *%s refers to a value that contains it", n.Value)
			return
		}
		c.add(n, size)
		return
	}
	c.open[n] = true
	defer delete(c.open, n)
	c.add(n, 1)
	for _, child := range n.Content {
		c.walk(child)
	}
}

func (c *sizeCheck) add(n *yaml.Node, k int) {
	c.total = addSizes(c.total, k)
	if c.total <= c.max {
		return
	}
	if n.Kind == yaml.AliasNode {
		c.fail(n, "alias *%s makes the document larger than %d values once aliases are expanded; write the values out or use fewer aliases", n.Value, c.max)
		return
	}
	c.fail(n, "the document has more than %d values; split it up", c.max)
}

// size returns the expanded size of n, saturating past max; a cycle counts as too big.
func (c *sizeCheck) size(n *yaml.Node) int {
	if n == nil {
		return 0
	}
	if s, ok := c.sizes[n]; ok {
		return s
	}
	if c.open[n] {
		return math.MaxInt32
	}
	c.open[n] = true
	s := 1
	if n.Kind == yaml.AliasNode {
		s = c.size(n.Alias)
	} else {
		for _, child := range n.Content {
			if s = addSizes(s, c.size(child)); s > c.max {
				break
			}
		}
	}
	delete(c.open, n)
	c.sizes[n] = s
	return s
}

func addSizes(a, b int) int {
	if b > math.MaxInt32-a {
		return math.MaxInt32
	}
	return a + b
}
