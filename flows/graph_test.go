package flows

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/outflowhq/outflow/actions"
	"github.com/outflowhq/outflow/actions/core"
)

func TestGraphGolden(t *testing.T) {
	t.Parallel()
	paths, err := filepath.Glob(filepath.Join("testdata", "graph", "*.yaml"))
	if err != nil || len(paths) == 0 {
		t.Fatalf("no test flows: %v", err)
	}
	loader := NewLoader(coreRegistry(t))
	for _, p := range paths {
		name := strings.TrimSuffix(filepath.Base(p), ".yaml")
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			f, err := loader.LoadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			golden(t, filepath.Join("graph", name+".golden.mmd"), []byte(Mermaid(f)))
			golden(t, filepath.Join("graph", name+".golden.dot"), []byte(Dot(f)))
		})
	}
}

func TestGraphIsDeterministic(t *testing.T) {
	t.Parallel()
	f, err := NewLoader(coreRegistry(t)).LoadFile(filepath.Join("testdata", "graph", "catch.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	mmd, dot := Mermaid(f), Dot(f)
	for range 20 {
		if Mermaid(f) != mmd || Dot(f) != dot {
			t.Fatal("the same flow gives different diagrams")
		}
	}
}

func TestMermaidText(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ in, want string }{
		{`form.plan == "pro"`, `form.plan == #quot;pro#quot;`},
		{`a < 2 && b > 3`, `a #lt; 2 #amp;#amp; b #gt; 3`},
		{`x || y`, `x #124;#124; y`},
		{`tags[0] in {a: 1}`, `tags#91;0#93; in #123;a: 1#125;`},
		{"#quot; `code`", "#35;quot; #96;code#96;"},
		{"two\n  lines", "two lines"},
	} {
		if got := mermaidText(tc.in); got != tc.want {
			t.Errorf("mermaidText(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestDotString(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ in, want string }{
		{`plain`, `"plain"`},
		{`say "hi"`, `"say \"hi\""`},
		{`a\b`, `"a\\b"`},
		{"line one\nline  two", `"line one\nline two"`},
	} {
		if got := dotString(tc.in); got != tc.want {
			t.Errorf("dotString(%q) = %s, want %s", tc.in, got, tc.want)
		}
	}
}

func ExampleMermaid() {
	reg := actions.NewRegistry()
	if err := core.Register(reg); err != nil {
		panic(err)
	}
	f, err := NewLoader(reg).Load("hello.yaml", []byte(`
id: hello
steps:
  ask:
    screen:
      title: Hello
      buttons: [{id: go}, {id: stop}]
    on:
      stop: bye
    next: bye
  bye:
    end: {}
`))
	if err != nil {
		panic(err)
	}
	fmt.Print(Mermaid(f))
	// Output:
	// ---
	// title: hello
	// ---
	// flowchart TD
	//   start(("start"))
	//   s_ask("ask · screen<br/>Hello<br/>#91;go#93; #91;stop#93;")
	//   s_bye(["bye · end"])
	//   start --> s_ask
	//   s_ask -->|"stop"| s_bye
	//   s_ask --> s_bye
	//   classDef entry fill:#333,stroke:#333,color:#fff
	//   class start entry
	//   classDef pause fill:#e8f0fe,stroke:#4a6fa5
	//   class s_ask pause
	//   classDef finish fill:#e6f4ea,stroke:#3c8d40
	//   class s_bye finish
}
