package apikeys

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/outflowhq/outflow/outbound"
	"github.com/outflowhq/outflow/store"
)

// ListApp returns the metadata of every owner's key for an app, sorted by owner. It reads one
// record per owner and never opens a key: use it for administration, not on a hot path.
func (k *APIKeys) ListApp(ctx context.Context, appID string) ([]KeyInfo, error) {
	if msg := outbound.AppIDMessage(appID); msg != "" {
		return nil, &outbound.InvalidError{Kind: ErrInvalidKeyRequest, Fields: []outbound.FieldError{{Field: "appId", Message: msg}}}
	}
	members, err := k.opts.Store.SetMembers(ctx, k.opts.Store.Keys().AppSubjects(appID))
	if err != nil {
		return nil, fmt.Errorf("list API keys of app %q: %w", appID, err)
	}
	out := []KeyInfo{}
	for _, m := range members {
		kind, id, ok := store.ParseSubjectMember(m)
		if !ok {
			continue
		}
		owner := outbound.Owner{UserID: id}
		if kind == outbound.OwnerTenant {
			owner = outbound.Owner{TenantID: id}
		}
		st, err := k.load(ctx, owner, appID)
		switch {
		case errors.Is(err, ErrKeyNotFound):
			continue
		case err != nil:
			return nil, fmt.Errorf("list API keys of app %q: %w", appID, err)
		}
		out = append(out, st.info(k.opts.ClockOrDefault().Now()))
	}
	slices.SortFunc(out, func(a, b KeyInfo) int {
		return strings.Compare(a.Owner.Kind()+":"+a.Owner.ID(), b.Owner.Kind()+":"+b.Owner.ID())
	})
	return out, nil
}
