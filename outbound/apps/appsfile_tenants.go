package apps

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"go.yaml.in/yaml/v3"

	"github.com/outflowhq/outflow/internal/decode"
	"github.com/outflowhq/outflow/internal/ids"
	"github.com/outflowhq/outflow/outbound"
)

// TenantSpec is one tenant's settings of an app, declared with the app in an apps file. Apply
// puts them as PutTenantSettings does: absent clientSecretEnv keeps the stored secret while the
// client id stays the same. Tenants the file does not name are left alone.
type TenantSpec struct {
	TenantID string
	Input    TenantSettingsInput

	line, col int
}

// tenants parses the tenants mapping of an entry: tenant id to settings, each decoded strictly
// into TenantOverrides, with clientSecretEnv naming the secret's environment variable.
func (p *appsFileParser) tenants(n *yaml.Node, where string) []TenantSpec {
	if n = resolveNode(n); n == nil {
		return nil
	}
	if n.Kind != yaml.MappingNode {
		p.addAt(n, "tenants of %s must be a mapping of tenant ids to their settings, not a %s", where, describeNode(n))
		return nil
	}
	var out []TenantSpec
	for j := 0; j+1 < len(n.Content); j += 2 {
		k, v := n.Content[j], resolveNode(n.Content[j+1])
		tw := fmt.Sprintf("tenant %q of %s", k.Value, where)
		switch {
		case slices.ContainsFunc(out, func(t TenantSpec) bool { return t.TenantID == k.Value }):
			p.addAt(k, "duplicate tenant %q in %s", k.Value, where)
			continue
		case ids.Check(k.Value) != "":
			p.addAt(k, "the tenant id of %s %s", tw, ids.Check(k.Value))
			continue
		case v.Kind != yaml.MappingNode:
			p.addAt(v, "%s must be a mapping of settings, not a %s", tw, describeNode(v))
			continue
		}
		kept := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Line: v.Line, Column: v.Column}
		envName := scalarKey(v, "clientSecretEnv")
		for i := 0; i+1 < len(v.Content); i += 2 {
			switch kk := v.Content[i]; kk.Value {
			case keyClientSecret:
				p.addAt(kk, "%s", literalSecretMsg)
			case "clientSecretEnv":
			default:
				kept.Content = append(kept.Content, kk, v.Content[i+1])
			}
		}
		ts := TenantSpec{TenantID: k.Value, line: k.Line, col: k.Column}
		p.addDecode(decode.Into(kept, &ts.Input.TenantOverrides, tw))
		if secret, ok := p.secret(envName, v, tw); ok {
			ts.Input.ClientSecret = &secret
		}
		out = append(out, ts)
	}
	return out
}

// planTenants checks the tenant specs of a planned app against it and the stored settings,
// and returns the ids of the tenants whose settings a put would change.
func (a *Apps) planTenants(ctx context.Context, pl plannedApp) ([]string, []AppsFileProblem, error) {
	var changed []string
	var problems []AppsFileProblem
	for _, ts := range pl.spec.Tenants {
		if pl.want.Kind != KindOAuth2 {
			problems = append(problems, AppsFileProblem{File: pl.spec.pos.file, Line: ts.line, Col: ts.col,
				Message: fmt.Sprintf("app %q, tenant %q: only oauth2 apps take tenant settings", pl.want.ID, ts.TenantID)})
			continue
		}
		var cur *TenantSettings
		if pl.cur != nil {
			s, err := a.TenantSettings(ctx, pl.want.ID, ts.TenantID)
			switch {
			case err == nil:
				cur = &s
			case !errors.Is(err, ErrTenantSettingsNotFound):
				return nil, nil, err
			}
		}
		next, err := ts.Input.next(cur, pl.want.ID, ts.TenantID)
		var probs Problems
		probs.Merge(err)
		_, err = pl.want.WithTenant(&next, a.Catalog())
		probs.Merge(err)
		var invalid *outbound.InvalidError
		if errors.As(probs.Err(), &invalid) {
			for _, f := range invalid.Fields {
				problems = append(problems, AppsFileProblem{File: pl.spec.pos.file, Line: ts.line, Col: ts.col,
					Message: fmt.Sprintf("app %q, tenant %q: %s: %s", pl.want.ID, ts.TenantID, f.Field, f.Message)})
			}
			continue
		}
		if cur == nil || !cur.same(&next) {
			changed = append(changed, ts.TenantID)
		}
	}
	return changed, problems, nil
}
