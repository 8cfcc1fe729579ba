package oauth

import (
	"context"
	"fmt"
	"sort"

	"github.com/outflowhq/outflow/outbound"
)

// List returns the connections of an owner, with their health, sorted by app then most
// recently connected first; with appID, only that app's. One round trip per app the owner
// has connections of, plus one for the owner's index.
func (v *Vault) List(ctx context.Context, owner outbound.Owner, appID string) ([]Connection, error) {
	if fs := (outbound.IDChecks{Owner: &owner, MissingOwner: "set userId or tenantId", AppID: appID}).Problems(""); len(fs) > 0 {
		return nil, &outbound.InvalidError{Kind: ErrInvalidRequest, Fields: fs}
	}
	apps := []string{appID}
	if appID == "" {
		var err error
		if apps, err = v.ownerApps(ctx, owner); err != nil {
			return nil, err
		}
	}
	out := []Connection{}
	for _, a := range apps {
		g, err := v.load(ctx, a, owner)
		if err != nil {
			return nil, err
		}
		out = append(out, g.connections()...)
	}
	sortConnections(out)
	return out, nil
}

// ListApp returns the connections of every owner of an app. It reads one record per owner: use
// it for administration, not on a hot path.
func (v *Vault) ListApp(ctx context.Context, appID string) ([]Connection, error) {
	if appID == "" {
		return nil, &outbound.InvalidError{Kind: ErrInvalidRequest, Fields: []outbound.FieldError{{Field: "appId", Message: "is required"}}}
	}
	if msg := outbound.AppIDMessage(appID); msg != "" {
		return nil, &outbound.InvalidError{Kind: ErrInvalidRequest, Fields: []outbound.FieldError{{Field: "appId", Message: msg}}}
	}
	owners, err := v.appOwners(ctx, appID)
	if err != nil {
		return nil, err
	}
	out := []Connection{}
	for _, o := range owners {
		g, err := v.load(ctx, appID, o)
		if err != nil {
			return nil, fmt.Errorf("list connections of app %q: %w", appID, err)
		}
		out = append(out, g.connections()...)
	}
	sortConnections(out)
	return out, nil
}

// Connection returns one connection (no token) by id.
func (v *Vault) Connection(ctx context.Context, id string) (*Connection, error) {
	p, err := v.locate(ctx, id)
	if err != nil {
		return nil, err
	}
	g, err := v.load(ctx, p.AppID, p.Owner)
	if err != nil {
		return nil, err
	}
	i := g.find(id)
	if i < 0 {
		return nil, &ConnectionNotFoundError{ConnectionID: id}
	}
	c := g.Conns[i].Connection.clone()
	return &c, nil
}

func (g *grantRecord) connections() []Connection {
	out := make([]Connection, len(g.Conns))
	for i := range g.Conns {
		out[i] = g.Conns[i].Connection.clone()
	}
	return out
}

func sortConnections(cs []Connection) {
	sort.SliceStable(cs, func(i, j int) bool {
		if cs[i].AppID != cs[j].AppID {
			return cs[i].AppID < cs[j].AppID
		}
		if !cs[i].ConnectedAt.Equal(cs[j].ConnectedAt) {
			return cs[i].ConnectedAt.After(cs[j].ConnectedAt)
		}
		return cs[i].ID < cs[j].ID
	})
}
