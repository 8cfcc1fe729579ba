package oauth

import (
	"context"
	"maps"
	"reflect"
)

// UpdateMetadata merges patch into a connection's metadata (a nil value removes its key) and
// returns the connection. The change is a compare-and-set on the owner's record, so concurrent
// updates from several processes, and refreshes running meanwhile, each keep what the others
// wrote. A patch that would break the rules of CheckMetadata changes nothing and fails with an
// *outbound.InvalidError naming the keys.
func (v *Vault) UpdateMetadata(ctx context.Context, connID string, patch map[string]any) (*Connection, error) {
	if _, err := MergeMetadata(nil, patch, "metadata"); err != nil {
		return nil, err
	}
	p, err := v.locate(ctx, connID)
	if err != nil {
		return nil, err
	}
	var out Connection
	_, err = v.update(ctx, p.AppID, p.Owner, func(g *grantRecord) error {
		i := g.find(connID)
		if i < 0 {
			return &ConnectionNotFoundError{ConnectionID: connID}
		}
		c := &g.Conns[i]
		md, err := MergeMetadata(c.Metadata, patch, "metadata")
		if err != nil {
			return err
		}
		if maps.EqualFunc(md, c.Metadata, func(a, b any) bool { return reflect.DeepEqual(a, b) }) {
			out = c.Connection.clone()
			return errNoChange
		}
		c.Metadata = md
		c.UpdatedAt = v.now()
		out = c.Connection.clone()
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}
