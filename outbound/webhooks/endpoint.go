package webhooks

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/outflowhq/outflow/outbound"
	"github.com/outflowhq/outflow/outbound/events"
)

// Errors of the endpoint store; match them with errors.Is.
var (
	// ErrEndpointNotFound: no webhook endpoint has that id.
	ErrEndpointNotFound = fmt.Errorf("webhooks: webhook endpoint not found")
	// ErrDeliveryNotFound: the endpoint has no delivery with that id (or it is past retention).
	ErrDeliveryNotFound = fmt.Errorf("webhooks: delivery not found")
	// ErrInvalidEndpoint is the kind of the *outbound.InvalidError for a bad endpoint.
	ErrInvalidEndpoint = fmt.Errorf("webhooks: invalid webhook endpoint")
	// ErrManagedByFile: the endpoint's signing secret comes from the apps file, so it is
	// rotated by changing the environment variable the file names, not over the API.
	ErrManagedByFile = fmt.Errorf("webhooks: the endpoint is declared in the apps file, which sets its signing secret")
)

// ManagedByAppsFile is the ManagedBy of an endpoint declared in the apps file.
const ManagedByAppsFile = "apps-file"

// Endpoint is where events are delivered. It never shows its signing secret (see Create and
// RotateSecret, which return it once).
type Endpoint struct {
	ID          string `json:"id"`
	URL         string `json:"url"`
	Description string `json:"description,omitempty"`
	// EventTypes, when set, are the only event types delivered (a type of the catalog, or a
	// group such as "connection.*").
	EventTypes []string `json:"eventTypes"`
	// AppIDs, when set, limit deliveries to events about these apps.
	AppIDs   []string `json:"appIds"`
	Disabled bool     `json:"disabled"`
	// ManagedBy is "apps-file" for an endpoint declared in the apps file: applying the file
	// sets it again (changes made over the API last until then), and removes it when the file
	// no longer declares it. Empty for endpoints created over the API or the console.
	ManagedBy string `json:"managedBy,omitempty"`
	// PreviousSecretExpiresAt is set while a rotated-out secret still signs deliveries.
	PreviousSecretExpiresAt time.Time `json:"previousSecretExpiresAt,omitzero"`
	CreatedAt               time.Time `json:"createdAt"`
	UpdatedAt               time.Time `json:"updatedAt"`
}

// EndpointInput creates an endpoint, or (as a patch, with nil for "keep") updates one.
type EndpointInput struct {
	URL         *string   `json:"url,omitempty"`
	Description *string   `json:"description,omitempty"`
	EventTypes  *[]string `json:"eventTypes,omitempty"`
	AppIDs      *[]string `json:"appIds,omitempty"`
	Disabled    *bool     `json:"disabled,omitempty"`
}

// apply sets the input's fields on e.
func (in EndpointInput) apply(e *Endpoint) {
	set := func(dst *string, v *string) {
		if v != nil {
			*dst = strings.TrimSpace(*v)
		}
	}
	set(&e.URL, in.URL)
	set(&e.Description, in.Description)
	if in.EventTypes != nil {
		e.EventTypes = slices.Compact(slices.Sorted(slices.Values(*in.EventTypes)))
	}
	if in.AppIDs != nil {
		e.AppIDs = slices.Compact(slices.Sorted(slices.Values(*in.AppIDs)))
	}
	if in.Disabled != nil {
		e.Disabled = *in.Disabled
	}
	if e.EventTypes == nil {
		e.EventTypes = []string{}
	}
	if e.AppIDs == nil {
		e.AppIDs = []string{}
	}
}

// validate checks an endpoint against the egress rules and the catalog.
func (e *Endpoint) validate(eg Egress) error {
	var fe []outbound.FieldError
	if msg := eg.CheckURL(e.URL); msg != "" {
		fe = append(fe, outbound.FieldError{Field: "url", Message: msg})
	}
	if len(e.Description) > 500 {
		fe = append(fe, outbound.FieldError{Field: "description", Message: "must be at most 500 characters"})
	}
	for _, t := range e.EventTypes {
		if !knownFilter(t) {
			fe = append(fe, outbound.FieldError{Field: "eventTypes", Message: fmt.Sprintf("%q is not an event type: use one of %s, or a group such as connection.*", t, catalogList())})
			break
		}
	}
	for _, id := range e.AppIDs {
		if msg := outbound.AppIDMessage(id); msg != "" {
			fe = append(fe, outbound.FieldError{Field: "appIds", Message: msg})
			break
		}
	}
	if len(fe) > 0 {
		return &outbound.InvalidError{Kind: ErrInvalidEndpoint, Fields: fe}
	}
	return nil
}

func knownFilter(t string) bool {
	if g, ok := strings.CutSuffix(t, ".*"); ok {
		return slices.ContainsFunc(events.Catalog(), func(c events.Type) bool { return strings.HasPrefix(string(c), g+".") })
	}
	return events.Known(events.Type(t))
}

func catalogList() string {
	var s []string
	for _, t := range events.Catalog() {
		s = append(s, string(t))
	}
	return strings.Join(s, ", ")
}

// Wants reports whether the endpoint takes ev: enabled, created before it happened, and its
// filters (if any) match the event's type and app. Test events go to their endpoint alone.
func (e *Endpoint) Wants(ev events.Event) bool {
	if e.Disabled || ev.Type == events.Test || ev.Time.Before(e.CreatedAt) {
		return false
	}
	if len(e.EventTypes) > 0 && !slices.ContainsFunc(e.EventTypes, func(f string) bool {
		return f == string(ev.Type) || f == ev.Group()+".*"
	}) {
		return false
	}
	return len(e.AppIDs) == 0 || slices.Contains(e.AppIDs, ev.AppID)
}
