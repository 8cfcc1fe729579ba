package events

import (
	"crypto/rand"
	"slices"
	"strings"
	"time"

	"github.com/outflowhq/outflow/outbound"
)

// Type names a kind of event.
type Type string

// The event types of the catalog.
const (
	ConnectionConnected     Type = "connection.connected"
	ConnectionRefreshed     Type = "connection.refreshed"
	ConnectionRefreshFailed Type = "connection.refresh_failed"
	ConnectionNeedsReauth   Type = "connection.needs_reauth"
	ConnectionRecovered     Type = "connection.recovered"
	ConnectionDisconnected  Type = "connection.disconnected"
	APIKeyStored            Type = "apikey.stored"
	APIKeyRotated           Type = "apikey.rotated"
	APIKeyInvalid           Type = "apikey.invalid"
	APIKeyDeleted           Type = "apikey.deleted"
	ExecutionCompleted      Type = "execution.completed"
	ExecutionFailed         Type = "execution.failed"
	ExecutionExpired        Type = "execution.expired"
	AppCreated              Type = "app.created"
	AppUpdated              Type = "app.updated"
	AppDeleted              Type = "app.deleted"
)

// Catalog lists every event type, in documentation order.
var catalog = []Type{
	ConnectionConnected, ConnectionRefreshed, ConnectionRefreshFailed, ConnectionNeedsReauth,
	ConnectionRecovered, ConnectionDisconnected,
	APIKeyStored, APIKeyRotated, APIKeyInvalid, APIKeyDeleted,
	ExecutionCompleted, ExecutionFailed, ExecutionExpired,
	AppCreated, AppUpdated, AppDeleted,
}

// Catalog returns every event type, in documentation order.
func Catalog() []Type { return slices.Clone(catalog) }

// Known reports whether t is in the catalog.
func Known(t Type) bool { return slices.Contains(catalog, t) }

// Test is the type of the event a webhook endpoint's test delivery carries. It is not in the
// catalog: no producer emits it and filters never exclude it.
const Test Type = "webhook.test"

// Event is one thing that happened. It never holds a secret: no token, key or client secret,
// and Reason is a short text such as an RFC 6749 error code.
type Event struct {
	// ID is unique per event ("evt_" and 26 letters or digits).
	ID   string    `json:"id"`
	Type Type      `json:"type"`
	Time time.Time `json:"time"`
	// Owner is the user or tenant the connection, key or execution belongs to (empty for app
	// events, and for executions started without a subject).
	Owner        outbound.Owner `json:"owner,omitzero"`
	AppID        string         `json:"appId,omitempty"`
	ConnectionID string         `json:"connectionId,omitempty"`
	ExecutionID  string         `json:"executionId,omitempty"`
	FlowID       string         `json:"flowId,omitempty"`
	// Reason explains failures and disconnections ("invalid_grant: ...", "app deleted").
	Reason string `json:"reason,omitempty"`
	// Version is the API key version of apikey events.
	Version int `json:"version,omitempty"`
	// Actor is who made the change, when it was made on someone's behalf (see
	// outbound.WithActor): "console:<session>", "api:<key>" or an embedder's principal.
	Actor string `json:"actor,omitempty"`
}

// NewID returns a fresh event id.
func NewID() string { return "evt_" + strings.ToLower(rand.Text()) }

// Group is the part before the dot of the event's type: connection, apikey, execution, app.
func (e Event) Group() string {
	g, _, _ := strings.Cut(string(e.Type), ".")
	return g
}
