package apps

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/outflowhq/outflow/outbound/events"

	"github.com/outflowhq/outflow/internal/suggest"
	"github.com/outflowhq/outflow/outbound"
	"github.com/outflowhq/outflow/store"
)

// ApplyReport lists the app ids Apply created, updated and left unchanged, in spec order.
type ApplyReport struct {
	Created   []string `json:"created"`
	Updated   []string `json:"updated"`
	Unchanged []string `json:"unchanged"`
	// Tenants are the tenant settings put or to put, as "appId/tenantId".
	Tenants []string `json:"tenants,omitempty"`
}

// Apply makes the stored apps match specs (for example from ParseAppsFile): it creates the
// missing apps and updates the ones that differ. It is idempotent: applying the same specs again
// reports every app unchanged and writes nothing.
//
// A spec describes the whole app, not a patch: a setting removed from the file returns to its
// template value or default. The one exception is the client secret: a spec without one keeps
// the secret the stored app has (so it can be set once through the API), and clearClientSecret
// removes it. Apps absent from specs are left alone. The kind of an existing app cannot change.
//
// Every spec is validated before anything is written; problems come back together as an
// *AppsFileError, positioned in the file when the specs came from ParseAppsFile. A storage
// error stops Apply; the report then lists what was done before it.
func (a *Apps) Apply(ctx context.Context, specs []AppSpec) (ApplyReport, error) {
	return a.apply(ctx, specs, true)
}

// Plan is Apply without the writes: it validates specs against the stored apps and reports
// what Apply would create, update and leave unchanged.
func (a *Apps) Plan(ctx context.Context, specs []AppSpec) (ApplyReport, error) {
	return a.apply(ctx, specs, false)
}

// plannedApp is a spec resolved against the store: the app it describes and the stored one.
type plannedApp struct {
	spec AppSpec
	cur  *App
	rev  int64
	want App
	// tenants are the tenants of spec whose settings differ from the stored ones.
	tenants []string
}

func (a *Apps) apply(ctx context.Context, specs []AppSpec, write bool) (ApplyReport, error) {
	rep := ApplyReport{Created: []string{}, Updated: []string{}, Unchanged: []string{}}
	var problems []AppsFileProblem
	plans := make([]plannedApp, 0, len(specs))
	seen := map[string]bool{}
	for _, spec := range specs {
		id := spec.ID()
		if seen[id] && id != "" {
			problems = append(problems, spec.problem("", fmt.Sprintf("app %q is declared twice", id)))
			continue
		}
		seen[id] = true
		pl, err := a.planOne(ctx, spec)
		var invalid *outbound.InvalidError
		switch {
		case errors.As(err, &invalid) && errors.Is(invalid, ErrInvalidApp):
			problems = append(problems, spec.problems(invalid)...)
			continue
		case err != nil:
			return rep, fmt.Errorf("apply apps: app %q: %w", id, err)
		}
		changed, tp, err := a.planTenants(ctx, pl)
		if err != nil {
			return rep, fmt.Errorf("apply apps: app %q: %w", id, err)
		}
		problems = append(problems, tp...)
		pl.tenants = changed
		plans = append(plans, pl)
	}
	if len(problems) > 0 {
		return rep, &AppsFileError{Problems: problems}
	}
	for _, pl := range plans {
		id := pl.want.ID
		outcome, err := a.applyOne(ctx, pl, write)
		if err != nil {
			return rep, fmt.Errorf("apply apps: app %q: %w", id, err)
		}
		switch outcome {
		case applyCreated:
			rep.Created = append(rep.Created, id)
		case applyUpdated:
			rep.Updated = append(rep.Updated, id)
		default:
			rep.Unchanged = append(rep.Unchanged, id)
		}
		for _, ts := range pl.spec.Tenants {
			if !slices.Contains(pl.tenants, ts.TenantID) {
				continue
			}
			if write {
				if _, err := a.PutTenantSettings(ctx, id, ts.TenantID, ts.Input); err != nil {
					return rep, fmt.Errorf("apply apps: app %q: %w", id, err)
				}
			}
			rep.Tenants = append(rep.Tenants, id+"/"+ts.TenantID)
		}
	}
	return rep, nil
}

type applyOutcome int

const (
	applyUnchanged applyOutcome = iota
	applyCreated
	applyUpdated
)

// applyOne writes one planned app, planning again when another writer got there first.
func (a *Apps) applyOne(ctx context.Context, pl plannedApp, write bool) (applyOutcome, error) {
	for attempt := 1; ; attempt++ {
		var err error
		switch {
		case pl.cur == nil:
			if !write {
				return applyCreated, nil
			}
			if _, err = a.create(ctx, pl.want); err == nil {
				return applyCreated, nil
			}
		case sameApp(*pl.cur, pl.want):
			return applyUnchanged, nil
		default:
			if !write {
				return applyUpdated, nil
			}
			want := pl.want
			want.CreatedAt, want.UpdatedAt = pl.cur.CreatedAt, a.now()
			if err = a.replace(ctx, pl.rev, want); err == nil {
				a.opts.LoggerOrDefault().InfoContext(ctx, "outbound app updated", "app", want.ID, "by", "apply")
				a.emit(ctx, events.AppUpdated, want.ID)
				return applyUpdated, nil
			}
		}
		raced := errors.Is(err, ErrAppExists) || errors.Is(err, ErrAppNotFound) || errors.Is(err, store.ErrConflict)
		if !raced || attempt >= maxUpdateAttempts {
			return 0, err
		}
		if pl, err = a.planOne(ctx, pl.spec); err != nil {
			return 0, err
		}
	}
}

// planOne reads the stored app of a spec and builds the app the spec describes.
func (a *Apps) planOne(ctx context.Context, spec AppSpec) (plannedApp, error) {
	pl := plannedApp{spec: spec}
	if id := spec.ID(); outbound.IsAppID(id) {
		rec, rev, err := a.loadRecord(ctx, id)
		switch {
		case errors.Is(err, ErrAppNotFound):
		case err != nil:
			return pl, err
		default:
			cur, err := a.open(rec)
			if err != nil && !spec.hasSecret() {
				return pl, err
			}
			if err != nil {
				cur = rec.App // the spec brings a new secret: this repairs the app
			}
			pl.cur, pl.rev = &cur, rev
		}
	}
	want, err := a.build(spec, pl.cur)
	if err != nil {
		return pl, err
	}
	if pl.cur != nil && pl.cur.Kind != want.Kind {
		return pl, &outbound.InvalidError{Kind: ErrInvalidApp, Fields: []outbound.FieldError{{Field: "kind", Message: fmt.Sprintf(
			"cannot be changed after creation (the stored app is %s); delete the app first or choose another id", pl.cur.Kind)}}}
	}
	pl.want = want
	return pl, nil
}

// build returns the app a spec describes, keeping the stored secret when the spec has none (and
// the kind stays, so that a kind change is reported as such).
func (a *Apps) build(spec AppSpec, cur *App) (App, error) {
	keep := cur != nil && !spec.hasSecret() && !cur.ClientSecret.IsZero()
	if spec.Template == "" {
		p := spec.Patch
		if keep && p.Kind != nil && *p.Kind == cur.Kind {
			s := cur.ClientSecret
			p.ClientSecret = &s
		}
		return NewApp(p)
	}
	t, ok := a.Catalog().Get(spec.Template)
	if !ok {
		return App{}, &outbound.InvalidError{Kind: ErrInvalidApp, Fields: []outbound.FieldError{{Field: "template", Message: fmt.Sprintf(
			"%q is not in the catalog%s", spec.Template, suggest.Hint(spec.Template, a.templateIDs()))}}}
	}
	in := spec.Input
	if keep && t.Kind == cur.Kind {
		in.ClientSecret = cur.ClientSecret
	}
	return t.NewApp(in)
}

func (a *Apps) templateIDs() []string {
	var ids []string
	for _, t := range a.Catalog().List() {
		ids = append(ids, t.ID)
	}
	return ids
}

// problems positions the field errors of a spec's app in its file.
func (s AppSpec) problems(ve *outbound.InvalidError) []AppsFileProblem {
	out := make([]AppsFileProblem, 0, len(ve.Fields))
	for _, f := range ve.Fields {
		msg := f.Message
		if f.Field != "" {
			msg = f.Field + ": " + msg
		}
		out = append(out, s.problem(f.Field, fmt.Sprintf("app %q: %s", s.ID(), msg)))
	}
	return out
}

func (s AppSpec) problem(field, msg string) AppsFileProblem {
	line, col := s.pos.at(field)
	return AppsFileProblem{File: s.pos.file, Line: line, Col: col, Message: msg}
}
