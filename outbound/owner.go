package outbound

import (
	"errors"

	"github.com/outflowhq/outflow/internal/ids"
)

// Owner kinds.
const (
	OwnerUser   = "user"
	OwnerTenant = "tenant"
)

// ErrNoOwner is returned when a request names neither a user nor a tenant.
var ErrNoOwner = errors.New("outbound: a credential belongs to a user or a tenant: set userId or tenantId")

// Owner is who a credential belongs to: a user (UserID, with TenantID kept as context when given),
// or a tenant (TenantID alone: the credential is shared by the tenant's users).
type Owner struct {
	UserID   string `json:"userId,omitempty"`
	TenantID string `json:"tenantId,omitempty"`
}

// Kind is OwnerUser when UserID is set, else OwnerTenant.
func (o Owner) Kind() string {
	if o.UserID != "" {
		return OwnerUser
	}
	return OwnerTenant
}

// ID is the user id for a user owner, the tenant id for a tenant owner.
func (o Owner) ID() string {
	if o.UserID != "" {
		return o.UserID
	}
	return o.TenantID
}

// IsZero reports whether the owner names neither a user nor a tenant.
func (o Owner) IsZero() bool { return o.UserID == "" && o.TenantID == "" }

// Validate reports ErrNoOwner when neither id is set, and an *InvalidError of kind ErrInvalidID
// naming the field when an id is set that breaks the id rule (1 to 256 characters, no control
// characters).
func (o Owner) Validate() error {
	if o.IsZero() {
		return ErrNoOwner
	}
	for _, f := range []struct{ field, id string }{{"userId", o.UserID}, {"tenantId", o.TenantID}} {
		if f.id == "" {
			continue
		}
		if msg := ids.Check(f.id); msg != "" {
			return Invalid(ErrInvalidID, FieldError{Field: f.field, Message: msg})
		}
	}
	return nil
}
