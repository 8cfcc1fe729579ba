package flows

import (
	"maps"
	"sort"
	"strings"
	"time"

	"github.com/expr-lang/expr/types"

	"github.com/outflowhq/outflow/actions"
	"github.com/outflowhq/outflow/internal/decode"
	"github.com/outflowhq/outflow/internal/expression"
	"github.com/outflowhq/outflow/internal/tree"
)

// Scope names: the variables every expression can read.
const (
	ScopeInput       = "input"
	ScopeSteps       = "steps"
	ScopeForm        = "form"
	ScopeInteraction = "interaction"
	ScopeUser        = "user"
	ScopeTenant      = "tenant"
	ScopeNow         = "now"
)

// exprType converts a flow type into the type expressions are checked against.
func exprType(t actions.Type) types.Type {
	switch t.Kind {
	case actions.KindString:
		return types.String
	case actions.KindNumber:
		return types.Float64
	case actions.KindBool:
		return types.Bool
	case actions.KindList:
		if t.Elem == nil {
			return types.Array(types.Any)
		}
		return types.Array(exprType(*t.Elem))
	case actions.KindObject:
		if t.Fields == nil {
			elem := types.Type(types.Any)
			if t.Elem != nil {
				elem = exprType(*t.Elem)
			}
			return types.Map{types.Extra: elem}
		}
		m := types.Map{}
		for k, f := range t.Fields {
			m[k] = exprType(f)
		}
		return m
	}
	return types.Any
}

// formFields collects the fields of the flow's screens: the type of `form`.
func (b *builder) formFields() map[string]actions.Type {
	fields := map[string]actions.Type{}
	b.flow.secrets = map[string]bool{}
	for _, s := range b.flow.Steps {
		d, ok := s.Config.(interface{ DeclareFields() []actions.Field })
		if !ok {
			continue
		}
		for _, f := range d.DeclareFields() {
			t := f.ValueType()
			if f.Type != "" && !actions.IsFieldType(f.Type) {
				// A misspelt field type (reported with the screen) is no text field: expressions
				// reading the field are not faulted for it.
				t = actions.Any()
			}
			if prev, seen := fields[f.Name]; seen && prev.Kind != t.Kind {
				t = actions.Any()
			}
			fields[f.Name] = t
			if f.Secret {
				b.flow.secrets[f.Name] = true
			}
		}
	}
	return fields
}

// env builds the typed environment and the zero scopes of the flow.
func (b *builder) env() expression.Env {
	f := b.flow
	inputs := map[string]actions.Type{}
	for _, in := range f.Inputs {
		inputs[in.Name] = in.Type
	}
	stepTypes := map[string]actions.Type{}
	f.zeroSteps = map[string]any{}
	for _, s := range f.Steps {
		st := stepType(s)
		stepTypes[s.ID] = st
		f.zeroSteps[s.ID] = st.Zero()
	}
	formType := actions.Object(b.formFields())
	f.zeroForm = formType.Zero().(map[string]any)
	subject := actions.Object(map[string]actions.Type{"id": actions.String()})
	// Each step's type is frozen on its own, so that compile can replace one as it learns more.
	steps := types.Map{}
	for id, st := range stepTypes {
		steps[id] = expression.Frozen(exprType(st))
	}
	return expression.Env{
		ScopeInput:       expression.Frozen(exprType(actions.Object(inputs))),
		ScopeSteps:       steps,
		ScopeForm:        expression.Frozen(exprType(formType)),
		ScopeInteraction: types.String,
		ScopeUser:        expression.Frozen(exprType(subject)),
		ScopeTenant:      expression.Frozen(exprType(subject)),
		ScopeNow:         types.TypeOf(time.Time{}),
	}
}

// typingPasses bounds how often compileTyped compiles the flow. One pass types every step that
// reads only earlier steps (outputs are refined step by step, in file order); a step that reads a
// later one needs another; what is still unknown after that stays "any".
const typingPasses = 3

// compileTyped compiles every expression of the flow, learning the steps' output types as it goes:
// a `set` of `${{ input.n > 2 }}` outputs a bool that a later condition may test, which is known
// only once that expression is compiled. Problems are reported from the last pass only.
func (b *builder) compileTyped() {
	for pass := 1; ; pass++ {
		mark := len(b.c.diags)
		if !b.compile() || pass == typingPasses {
			b.env() // the zero scopes, with the types learned
			return
		}
		b.c.diags = b.c.diags[:mark]
	}
}

// refine recomputes a step's outputs from its compiled config and reports whether they changed.
func refine(s *Step) bool {
	if s.Kind.Name == "" || s.Config == nil {
		return false
	}
	if _, calls := s.Config.(actions.FlowCaller); calls {
		return false // typed from the flow it runs
	}
	out := s.Kind.OutputsOf(s.Config)
	if out.String() == s.Outputs.String() {
		return false
	}
	s.Outputs = out
	return true
}

// stepType is what expressions see as steps.<id>.
func stepType(s *Step) actions.Type {
	return actions.Object(map[string]actions.Type{"output": s.Outputs, "outcome": actions.String()})
}

// compile compiles every expression of the flow: config values and branch conditions. After the
// values of each step it refines that step's outputs, so later steps compile against them. It
// reports whether an expression already compiled read a step whose outputs changed after it (it
// would type differently in another pass).
func (b *builder) compile() (stale bool) {
	read := map[string]bool{} // steps read by the values compiled so far
	readAll := false
	env := b.env()
	stepsEnv, _ := env[ScopeSteps].(types.Map)
	lim := expression.Limits{MaxNodes: b.lim.MaxNodes, MemoryBudget: b.lim.MemoryBudget, ByteBudget: b.lim.ByteBudget}
	for i, site := range b.values {
		ref := site.ref
		top := ref.Tree
		ref.Tree.Walk(func(n *tree.Node) {
			want := expression.Want{}
			if n == top {
				want.Type = ref.Want
			}
			at := n.At
			if at == nil {
				at = expression.At(n.Source, n.Line, n.Col)
			}
			e, err := expression.Compile(n.Source, at, env, want, lim)
			if err != nil {
				b.exprError(err, n.Line, n.Col)
				return
			}
			if !ref.Secret {
				b.secretReads(e, site)
			}
			n.Compiled = e
			ids, whole := e.Uses(ScopeSteps)
			readAll = readAll || whole
			for _, id := range ids {
				read[id] = true
			}
		})
		lastOfStep := i+1 == len(b.values) || b.values[i+1].step != site.step
		if lastOfStep && refine(site.step) {
			stale = stale || readAll || read[site.step.ID]
			if stepsEnv != nil {
				stepsEnv[site.step.ID] = expression.Frozen(exprType(stepType(site.step)))
			}
		}
	}
	for _, rs := range b.steps {
		for i, when := range rs.whenNodes {
			if when == nil {
				continue
			}
			at := decode.Scalar(b.flow.Source, when)
			e, err := expression.Compile(when.Value, at, env, expression.Want{Bool: true}, lim)
			if err != nil {
				line, col := at(0)
				b.exprError(err, line, col)
				continue
			}
			rs.step.Next[i].When = &Condition{expr: e}
		}
	}
	return stale
}

// secretReads reports an expression of a setting that reads a secret screen field, or the whole
// form when the flow has secret fields: its value could be stored in an output, shown on a screen
// or put in an event. Conditions may read secret fields (events redact them), and so may settings
// declared `secret:"true"`.
func (b *builder) secretReads(e *expression.Expr, site valueSite) {
	if len(b.flow.secrets) == 0 {
		return
	}
	what := site.where
	if site.ref.Path != "" {
		what = quote(site.ref.Path) + " in " + site.where
	}
	fields, whole := e.Uses(ScopeForm)
	for _, f := range fields {
		if b.flow.secrets[f] {
			b.c.add(e.Line, e.Col, "%s reads the secret field form.%s: a setting's value may be stored, shown or logged, so only conditions (when) and settings declared to take secrets may read it", what, f)
		}
	}
	if whole {
		names := make([]string, 0, len(b.flow.secrets))
		for f := range b.flow.secrets {
			names = append(names, f)
		}
		sort.Strings(names)
		b.c.add(e.Line, e.Col, "%s reads the whole form, which holds the secret field%s %s: read the fields it needs by name (form.<field>)",
			what, plural(len(names)), strings.Join(names, ", "))
	}
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

func (b *builder) exprError(err error, line, col int) {
	if e, ok := err.(*expression.Error); ok {
		b.c.add(e.Line, e.Col, "%s", e.Msg)
		return
	}
	b.c.add(line, col, "%v", err)
}

// ScopeValues are what an execution holds when a step's expressions run; NewScope makes their
// environment from them.
type ScopeValues struct {
	// Input is the flow input.
	Input map[string]any
	// Results maps the ids of the steps that ran so far to {output, outcome}.
	Results map[string]map[string]any
	// Form is the latest form values, and Interaction the interaction.
	Form        map[string]any
	Interaction string
	// Subject is whom the execution runs for, and Now the time.
	Subject actions.Subject
	Now     time.Time
}

// NewScope returns the expression environment for a step of an execution: the flow input, the
// results of the steps that ran so far (steps that did not run read as zero values), the latest form
// values, the interaction, the subject and the time.
func (f *Flow) NewScope(v ScopeValues) map[string]any {
	steps := maps.Clone(f.zeroSteps)
	for id, r := range v.Results {
		zero, ok := f.zeroSteps[id].(map[string]any)
		if !ok {
			continue
		}
		out := map[string]any{"outcome": r["outcome"]}
		zo, _ := zero["output"].(map[string]any)
		if o, ok := r["output"].(map[string]any); ok && zo != nil {
			merged := maps.Clone(zo)
			maps.Copy(merged, o)
			out["output"] = merged
		} else if r["output"] != nil {
			out["output"] = r["output"]
		} else {
			out["output"] = zero["output"]
		}
		steps[id] = out
	}
	fm := maps.Clone(f.zeroForm)
	maps.Copy(fm, v.Form)
	return map[string]any{
		ScopeInput:       v.Input,
		ScopeSteps:       steps,
		ScopeForm:        fm,
		ScopeInteraction: v.Interaction,
		ScopeUser:        map[string]any{"id": v.Subject.UserID},
		ScopeTenant:      map[string]any{"id": v.Subject.TenantID},
		ScopeNow:         v.Now,
	}
}

// ApplyInputs checks a start input against the flow's declared inputs: required inputs present,
// defaults applied, values coerced to their types, unknown names refused. It returns the input and a
// message per bad input name.
func (f *Flow) ApplyInputs(in map[string]any) (map[string]any, map[string]string) {
	out := make(map[string]any, len(f.Inputs))
	problems := map[string]string{}
	declared := map[string]bool{}
	for _, decl := range f.Inputs {
		declared[decl.Name] = true
		v, ok := in[decl.Name]
		if !ok || v == nil {
			switch {
			case decl.Required:
				problems[decl.Name] = "is required"
			case decl.Default != nil:
				out[decl.Name] = decl.Default
			default:
				out[decl.Name] = decl.Type.Zero()
			}
			continue
		}
		c, err := decl.Type.Coerce(v)
		if err != nil {
			problems[decl.Name] = err.Error()
			continue
		}
		out[decl.Name] = c
	}
	for k := range in {
		if !declared[k] {
			problems[k] = "is not an input of this flow"
		}
	}
	if len(problems) == 0 {
		problems = nil
	}
	return out, problems
}
