package decode

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"
)

// TestScalarLocatesEveryCharacter finds the character X in the value of v and checks that Scalar
// puts it where the X is in the file, whatever the scalar's style.
func TestScalarLocatesEveryCharacter(t *testing.T) {
	t.Parallel()
	for _, src := range []string{
		"v: a + X\n",
		"v:   &anchor !!str a X\n",
		"v: \"a \\\"b\\\" \\\\ \\u00e9 X\"\n",
		"v: 'it''s X'\n",
		"v: é + X\n",
		"v: |-\n  first\n    X\n",
		"v: |\n    one\n\n    two X\n",
		"v: >-\n  one\n  two\n  X\n",
		"v: >-\n  one\n\n  X\n",
		"v: a\n   b\n   X\n",
		"v: \"a \\\n   X\"\n",
		"v: \"one\n  two X\"\n",
		"list:\n  - {k: \"a\\tX\"}\n",
	} {
		var doc yaml.Node
		if err := yaml.Unmarshal([]byte(src), &doc); err != nil {
			t.Fatalf("%q: %v", src, err)
		}
		n := scalarWithX(&doc)
		if n == nil {
			t.Fatalf("%q: no scalar with X", src)
		}
		line, col := Scalar([]byte(src), n)(len([]rune(n.Value[:strings.IndexByte(n.Value, 'X')])))
		if want := position0(src, 'X'); fmt.Sprint(line, col) != want {
			t.Errorf("%q: X at %d:%d, want %s", src, line, col, want)
		}
	}
}

func scalarWithX(n *yaml.Node) *yaml.Node {
	if n.Kind == yaml.ScalarNode && strings.Contains(n.Value, "X") {
		return n
	}
	for _, c := range n.Content {
		if s := scalarWithX(c); s != nil {
			return s
		}
	}
	return nil
}

// position0 returns "line col" of the first c in src, counting characters.
func position0(src string, c rune) string {
	line, col := 1, 1
	for _, r := range src {
		if r == c {
			break
		}
		if r == '\n' {
			line, col = line+1, 1
		} else {
			col++
		}
	}
	return fmt.Sprint(line, col)
}

func TestScalarWithoutTheFile(t *testing.T) {
	t.Parallel()
	n := &yaml.Node{Kind: yaml.ScalarNode, Style: yaml.DoubleQuotedStyle, Value: "ab\ncd", Line: 3, Column: 5}
	at := Scalar(nil, n)
	for _, tc := range []struct{ offset, line, col int }{{0, 3, 6}, {1, 3, 7}, {3, 4, 1}, {99, 4, 3}} {
		if l, c := at(tc.offset); l != tc.line || c != tc.col {
			t.Errorf("at(%d) = %d:%d, want %d:%d", tc.offset, l, c, tc.line, tc.col)
		}
	}
}

func TestExpressionLocatesItsSource(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		yaml, src, want string
	}{
		{"v: ${{ a + b }}\n", "a + b", "1 8"},
		{"v: \"${{ \\\"é\\\" + b }}\"\n", `"é" + b`, "1 9"},
		{"v: |-\n  ${{\n    a +\n    b }}\n", "a +\n  b", "3 5"},
		{"v: >-\n    ${{ a\n      + b }}\n", "a\n  + b", "2 9"},
	} {
		var doc yaml.Node
		if err := yaml.Unmarshal([]byte(tc.yaml), &doc); err != nil {
			t.Fatal(err)
		}
		src, at := Expression([]byte(tc.yaml), doc.Content[0].Content[1])
		if l, c := at(0); src != tc.src || fmt.Sprint(l, c) != tc.want {
			t.Errorf("%q: %q at %d:%d, want %q at %s", tc.yaml, src, l, c, tc.src, tc.want)
		}
	}
}

func TestCheckSize(t *testing.T) {
	t.Parallel()
	var bomb strings.Builder
	bomb.WriteString("a: &a [x, x, x, x, x, x, x, x, x, x]\n")
	for i, c := range "bcdefghi" {
		prev := string(rune('a' + i))
		fmt.Fprintf(&bomb, "%c: &%c [%s]\n", c, c, strings.TrimSuffix(strings.Repeat("*"+prev+", ", 10), ", "))
	}
	for _, tc := range []struct {
		src  string
		max  int
		want string
	}{
		// The document, its mapping, its keys and values: 10 nodes.
		{"a: [1, 2]\nb: {c: d}\n", 10, ""},
		{"a: [1, 2]\nb: {c: d}\n", 7, "2:4: the document has more than 7 values; split it up"},
		{"a: &x [1, 2]\nb: *x\nc: *x\n", 14, ""},
		{"a: &x [1, 2]\nb: *x\nc: *x\n", 13, "3:4: alias *x makes the document larger than 13 values once aliases are expanded; write the values out or use fewer aliases"},
		{"a: &x [*x]\n", 100, "1:8: alias *x refers to a value that contains it"},
		{"a: &x {b: [1, *x]}\n", 100, "1:15: alias *x refers to a value that contains it"},
		{bomb.String(), MaxNodes, "5:8: alias *d makes the document larger than 20000 values once aliases are expanded; write the values out or use fewer aliases"},
	} {
		var doc yaml.Node
		if err := yaml.Unmarshal([]byte(tc.src), &doc); err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		p := CheckSize(&doc, tc.max)
		got := ""
		if p != nil {
			got = fmt.Sprintf("%d:%d: %s", p.Line, p.Col, p.Msg)
		}
		if got != tc.want {
			t.Errorf("%q: got %q, want %q", tc.src, got, tc.want)
		}
		if d := time.Since(start); d > time.Second {
			t.Errorf("%q: took %s", tc.src, d)
		}
	}
}

// TestIntoRefusesAliasBombs checks that decoding refuses a document whose aliases expand past
// MaxNodes, and one with an alias inside its own value, instead of expanding them.
func TestIntoRefusesAliasBombs(t *testing.T) {
	t.Parallel()
	var bomb strings.Builder
	bomb.WriteString("v:\n  a: &a [x, x, x, x, x, x, x, x, x, x]\n")
	for i, c := range "bcdefgh" {
		prev := string(rune('a' + i))
		fmt.Fprintf(&bomb, "  %c: &%c [%s]\n", c, c, strings.TrimSuffix(strings.Repeat("*"+prev+", ", 10), ", "))
	}
	for _, src := range []string{bomb.String(), "v: &x {a: *x}\n"} {
		var cfg struct {
			V value `yaml:"v"`
		}
		start := time.Now()
		res := Into(parse(t, src), &cfg, "thing")
		if len(res.Problems) != 1 || !strings.Contains(res.Problems[0].Msg, "alias") {
			t.Errorf("got %s", problems(res))
		}
		if d := time.Since(start); d > time.Second {
			t.Errorf("took %s", d)
		}
	}
}
