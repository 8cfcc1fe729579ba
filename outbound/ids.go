package outbound

import (
	"errors"
	"regexp"

	"github.com/outflowhq/outflow/internal/ids"
)

// The rules for the ids a request names. User, tenant and external ids are the host's own:
// 1 to 256 characters of UTF-8 text without control characters (internal/ids). App ids are
// slugs of 1 to 63 lowercase letters, digits and '-'. Connection ids are the vault's own
// ("cn_" and 26 letters or digits); any id of 1 to 64 letters, digits, '_' or '-' is looked up.
// An id that breaks its rule is a request error naming the field, never a lookup: it could not
// name a record anyway, and a record made with it could not be listed or deleted again.

// ErrInvalidID is the Kind of the *InvalidError of an id that breaks its rule; its FieldError
// names the request field (userId, tenantId, ...) and never repeats the id.
var ErrInvalidID = errors.New("outbound: invalid id")

var connectionIDRE = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)

var appIDRE = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,62}$`)

// IsAppID reports whether id follows the app id rule: a slug of 1 to 63 lowercase letters,
// digits and '-', starting with a letter or digit.
func IsAppID(id string) bool { return appIDRE.MatchString(id) }

// AppIDMessage says what is wrong with id as an app id named in a request, or returns "".
func AppIDMessage(id string) string {
	if IsAppID(id) {
		return ""
	}
	return "is not an app id: 1 to 63 lowercase letters, digits or '-', starting with a letter or digit"
}

// ConnectionIDMessage says what is wrong with id as a connection id, or returns "".
func ConnectionIDMessage(id string) string {
	if connectionIDRE.MatchString(id) {
		return ""
	}
	return "is not a connection id: 1 to 64 letters, digits, '_' or '-' (for example cn_3kq...)"
}

// OwnerProblem is the field error of an owner that Validate refuses: missing is the message
// when it names no one. ok is false for a valid owner.
func OwnerProblem(o Owner, missing string) (fe FieldError, ok bool) {
	err := o.Validate()
	var ie *InvalidError
	switch {
	case err == nil:
		return FieldError{}, false
	case errors.As(err, &ie) && len(ie.Fields) > 0:
		return ie.Fields[0], true
	}
	return FieldError{Field: "userId", Message: missing}, true
}

// IDChecks is the ids of one request, each checked by its rule; an empty id is not checked
// (whether it is required is the request's own rule).
type IDChecks struct {
	// Owner is checked when set; MissingOwner is the message when it names no one.
	Owner                     *Owner
	MissingOwner              string
	AppID, ConnID, ExternalID string
}

// Problems lists the field errors of the ids, prefixing each field with prefix.
func (c IDChecks) Problems(prefix string) []FieldError {
	var out []FieldError
	add := func(field, msg string) {
		if msg != "" {
			out = append(out, FieldError{Field: prefix + field, Message: msg})
		}
	}
	if c.Owner != nil {
		if fe, bad := OwnerProblem(*c.Owner, c.MissingOwner); bad {
			add(fe.Field, fe.Message)
		}
	}
	if c.AppID != "" {
		add("appId", AppIDMessage(c.AppID))
	}
	if c.ConnID != "" {
		add("connectionId", ConnectionIDMessage(c.ConnID))
	}
	if c.ExternalID != "" {
		add("externalId", ids.Check(c.ExternalID))
	}
	return out
}
