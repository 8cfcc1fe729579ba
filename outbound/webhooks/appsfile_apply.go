package webhooks

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/outflowhq/outflow/outbound"
	"github.com/outflowhq/outflow/outbound/apps"
	"github.com/outflowhq/outflow/store"
)

// FileReport lists the endpoint ids ApplyAppsFile created, updated, left unchanged and deleted.
type FileReport struct {
	Created   []string `json:"created"`
	Updated   []string `json:"updated"`
	Unchanged []string `json:"unchanged"`
	Deleted   []string `json:"deleted"`
}

// ApplyAppsFile makes the endpoints declared in the apps file (specs, from ParseAppsFile) what
// is stored: it creates the missing ones, updates those that differ, and deletes the endpoints
// an earlier apply declared that specs no longer hold (with their pending deliveries). Endpoints
// created over the API or the console are never touched. Applying the same specs again writes
// nothing and reports every endpoint unchanged.
//
// A spec describes the whole endpoint: a filter removed from the file is cleared. When the
// secret in the environment changes, the stored one keeps signing beside it for
// DefaultSecretOverlap, as a rotation over the API does.
//
// Every spec is checked (the URL against the egress rules, the filters against the catalog)
// before anything is written; problems come back together as an *apps.AppsFileError positioned
// in the file.
func (w *Webhooks) ApplyAppsFile(ctx context.Context, specs []EndpointSpec) (FileReport, error) {
	rep := FileReport{Created: []string{}, Updated: []string{}, Unchanged: []string{}, Deleted: []string{}}
	if err := w.CheckAppsFile(ctx, specs); err != nil {
		return rep, err
	}
	declared := map[string]bool{}
	for _, s := range specs {
		declared[s.ID] = true
	}
	for _, s := range specs {
		outcome, err := w.applyOne(ctx, s)
		if err != nil {
			return rep, fmt.Errorf("webhooks: apply the apps file: endpoint %q: %w", s.ID, err)
		}
		switch outcome {
		case "created":
			rep.Created = append(rep.Created, s.ID)
		case "updated":
			rep.Updated = append(rep.Updated, s.ID)
		default:
			rep.Unchanged = append(rep.Unchanged, s.ID)
		}
	}
	recs, err := w.all(ctx)
	if err != nil {
		return rep, err
	}
	for _, r := range recs {
		if r.ManagedBy != ManagedByAppsFile || declared[r.ID] {
			continue
		}
		if err := w.Delete(ctx, r.ID); err != nil && !errors.Is(err, ErrEndpointNotFound) {
			return rep, fmt.Errorf("webhooks: apply the apps file: %w", err)
		}
		rep.Deleted = append(rep.Deleted, r.ID)
	}
	return rep, nil
}

// CheckAppsFile is ApplyAppsFile without the writes: it reports what is wrong with specs, as
// an *apps.AppsFileError, or nil.
func (w *Webhooks) CheckAppsFile(ctx context.Context, specs []EndpointSpec) error {
	var problems []apps.AppsFileProblem
	declared := map[string]bool{}
	for _, s := range specs {
		if declared[s.ID] {
			problems = append(problems, s.problem("id", "is declared twice"))
			continue
		}
		declared[s.ID] = true
		e := s.endpoint()
		if err := e.validate(w.opts.Egress); err != nil {
			var invalid *outbound.InvalidError
			if !errors.As(err, &invalid) {
				return err
			}
			for _, f := range invalid.Fields {
				problems = append(problems, s.problem(f.Field, f.Field+": "+f.Message))
			}
		}
		if s.Secret.IsZero() {
			problems = append(problems, s.problem("secretEnv", "has no signing secret"))
		}
		r, _, err := w.load(ctx, s.ID)
		switch {
		case errors.Is(err, ErrEndpointNotFound):
		case err != nil:
			return fmt.Errorf("webhooks: check the apps file: %w", err)
		case r.ManagedBy != ManagedByAppsFile:
			problems = append(problems, s.problem("id", "an endpoint created over the API has this id; choose another"))
		}
	}
	if len(problems) > 0 {
		return &apps.AppsFileError{Problems: problems}
	}
	return nil
}

// endpoint is the endpoint a spec describes, without its times.
func (s EndpointSpec) endpoint() Endpoint {
	e := Endpoint{ID: s.ID, ManagedBy: ManagedByAppsFile}
	s.Input.apply(&e)
	return e
}

// sameSettings reports whether a and b differ in nothing a spec sets.
func sameSettings(a, b Endpoint) bool {
	return a.URL == b.URL && a.Description == b.Description && slices.Equal(a.EventTypes, b.EventTypes) &&
		slices.Equal(a.AppIDs, b.AppIDs) && a.Disabled == b.Disabled && a.ManagedBy == b.ManagedBy
}

// applyOne creates or updates the endpoint of one spec, reading it again when another instance
// wrote it first.
func (w *Webhooks) applyOne(ctx context.Context, s EndpointSpec) (string, error) {
	want := s.endpoint()
	secret := s.Secret.Reveal()
	for try := 0; ; try++ {
		r, rev, err := w.load(ctx, s.ID)
		var outcome string
		switch {
		case errors.Is(err, ErrEndpointNotFound):
			now := w.now()
			want.CreatedAt, want.UpdatedAt = now, now
			sealed, err := w.seal(want.ID, "current", secret)
			if err != nil {
				return "", err
			}
			r, rev, outcome = &endpointRecord{Endpoint: want, Secret: sealed}, 0, "created"
		case err != nil:
			return "", err
		default:
			cur, err := w.opts.Keyring.Open(r.Secret, w.aad(r.ID, "current"))
			sameSecret := err == nil && subtle.ConstantTimeCompare(cur, []byte(secret)) == 1
			if sameSettings(r.Endpoint, want) && sameSecret {
				return "unchanged", nil
			}
			if !sameSecret {
				r.PreviousSecret, r.PreviousSecretExpiresAt = "", time.Time{}
				if err == nil {
					if r.PreviousSecret, err = w.seal(r.ID, "previous", string(cur)); err != nil {
						return "", err
					}
					r.PreviousSecretExpiresAt = w.now().Add(DefaultSecretOverlap)
				}
				if r.Secret, err = w.seal(r.ID, "current", secret); err != nil {
					return "", err
				}
			}
			created := r.CreatedAt
			prevUntil := r.PreviousSecretExpiresAt
			r.Endpoint = want
			r.CreatedAt, r.UpdatedAt, r.PreviousSecretExpiresAt = created, w.now(), prevUntil
			outcome = "updated"
		}
		err = w.put(ctx, r, rev)
		w.forget(s.ID)
		if errors.Is(err, store.ErrConflict) && try < 4 {
			continue
		}
		if err != nil {
			return "", err
		}
		w.log.InfoContext(ctx, "webhook endpoint "+outcome, "endpoint", s.ID, "by", "apps-file")
		return outcome, nil
	}
}
