package outbound

import (
	"errors"

	"github.com/outflowhq/outflow/actions"
)

// Owner kinds.
const (
	OwnerUser   = "user"
	OwnerTenant = "tenant"
)

// ErrNoOwner is returned when a request names neither a user nor a tenant.
var ErrNoOwner = errors.New("a credential belongs to a user or a tenant: set userId or tenantId")

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

// Validate reports ErrNoOwner when neither id is set, and an *IDError (ErrInvalidID) when an
// id is set that breaks the id rule (actions.CheckID: 1 to 256 characters, no control
// characters).
func (o Owner) Validate() error {
	if o.IsZero() {
		return ErrNoOwner
	}
	problems := actions.Subject{UserID: o.UserID, TenantID: o.TenantID}.Problems()
	for _, field := range []string{"userId", "tenantId"} {
		if msg, bad := problems[field]; bad {
			return &IDError{Field: field, Message: msg}
		}
	}
	return nil
}

// OwnerOf returns the owner a flow's subject stands for.
func OwnerOf(s actions.Subject) Owner { return Owner{UserID: s.UserID, TenantID: s.TenantID} }

// TenantOwner returns the tenant owner of a subject (the tenant's shared credential).
func TenantOwner(s actions.Subject) Owner { return Owner{TenantID: s.TenantID} }
