package server

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/outflowhq/outflow/internal/mgmtkey"
	"github.com/outflowhq/outflow/internal/optdefault"
)

// ErrInvalidOptions is what New returns, wrapped, for Options it cannot serve with.
var ErrInvalidOptions = errors.New("server: invalid options")

// OptionsError says which field of Options is wrong and why. It unwraps to ErrInvalidOptions.
type OptionsError struct {
	// Field is the name of the field, e.g. "PublicURL" or "ManagementKeys[1]".
	Field string
	// Reason says what is wrong, without the value of a secret.
	Reason string
}

// Error returns "server: <Field> <Reason>".
func (e *OptionsError) Error() string { return "server: " + e.Field + " " + e.Reason }

// Unwrap returns ErrInvalidOptions.
func (e *OptionsError) Unwrap() error { return ErrInvalidOptions }

// MinManagementKeyLen is the length every management key needs at least (Options.ManagementKeys):
// 32 characters of a random string cannot be guessed. A demo server (Options.Demo set), which
// only runs on a developer's machine, may use a shorter one.
const MinManagementKeyLen = mgmtkey.MinLen

// Defaults of Options fields left at 0.
const (
	defaultMaxBodyBytes = 1 << 20
	defaultLinkTTL      = 10 * time.Minute
)

// validate checks what New cannot serve with, and fills in MaxBodyBytes and LinkTTL left at 0: a PublicURL that is not an absolute http(s) URL
// (links would be built on nothing) or that is not the apps registry's (see sameCallbackBase), a
// negative MaxBodyBytes or LinkTTL, and a management key that breaks the rule of package
// internal/mgmtkey. It never quotes a key.
func (o *Options) validate() error {
	if err := o.sameCallbackBase(); err != nil {
		return err
	}
	if raw := strings.TrimSpace(o.PublicURL); raw != "" {
		u, err := url.Parse(raw)
		if err != nil || (!strings.EqualFold(u.Scheme, "http") && !strings.EqualFold(u.Scheme, "https")) || u.Host == "" {
			return &OptionsError{Field: "PublicURL", Reason: fmt.Sprintf("must be an absolute http(s) URL, got %q", o.PublicURL)}
		}
	}
	if err := o.Brand.validate("Brand"); err != nil {
		return err
	}
	for id, b := range o.TenantBrands {
		if err := b.validate(fmt.Sprintf("TenantBrands[%s]", id)); err != nil {
			return err
		}
	}
	if problem := optdefault.Fill(&o.MaxBodyBytes, defaultMaxBodyBytes); problem != "" {
		return &OptionsError{Field: "MaxBodyBytes", Reason: problem}
	}
	if problem := optdefault.Fill(&o.LinkTTL, defaultLinkTTL); problem != "" {
		return &OptionsError{Field: "LinkTTL", Reason: problem}
	}
	for i, k := range o.ManagementKeys {
		if problem := mgmtkey.Problem(k, o.Demo != nil); problem != "" {
			return &OptionsError{Field: fmt.Sprintf("ManagementKeys[%d]", i), Reason: problem}
		}
	}
	return nil
}

// sameCallbackBase checks that a server that serves OAuth callbacks (it has a Vault) and knows its
// public URL agrees with the apps registry on it: the registry builds the redirect_uri providers
// send the browser back to, and the server serves it under its own public URL's path, so two
// different values would send every consent to a page that is not there.
func (o *Options) sameCallbackBase() error {
	if o.Vault == nil || o.Apps == nil || strings.TrimSpace(o.PublicURL) == "" {
		return nil
	}
	server := strings.TrimRight(strings.TrimSpace(o.PublicURL), "/")
	registry := strings.TrimRight(o.Apps.Options().PublicURL, "/")
	switch {
	case registry == "":
		return &OptionsError{Field: "Apps", Reason: fmt.Sprintf("has no PublicURL, so OAuth callbacks would not be absolute; set apps.Options.PublicURL to %q", server)}
	case !sameURL(registry, server):
		return &OptionsError{Field: "PublicURL", Reason: fmt.Sprintf("is %q but the apps registry's PublicURL is %q: OAuth callbacks are built on the registry's and served under this one's path, so they must be the same", server, registry)}
	}
	return nil
}

// sameURL reports whether a and b are the same URL, their scheme and host compared without case
// and their paths exactly, as a browser would tell them apart.
func sameURL(a, b string) bool {
	ua, errA := url.Parse(a)
	ub, errB := url.Parse(b)
	if errA != nil || errB != nil {
		return a == b
	}
	return strings.EqualFold(ua.Scheme, ub.Scheme) && strings.EqualFold(ua.Host, ub.Host) &&
		ua.EscapedPath() == ub.EscapedPath() && ua.RawQuery == ub.RawQuery
}
