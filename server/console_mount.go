package server

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/outflowhq/outflow/server/console"
)

// consolePath is where the console is served.
const consolePath = "/console"

// consoleRoutes mounts the console under /console when Options.Console is set, with what the
// server has filled in.
func (s *Server) consoleRoutes() error {
	if s.opts.Console == nil {
		return nil
	}
	o := *s.opts.Console
	o.Base = s.base + consolePath
	o.PublicURL = s.opts.PublicURL
	o.Store, o.Apps, o.Engine, o.Vault, o.APIKeys = s.opts.Store, s.opts.Apps, s.opts.Engine, s.opts.Vault, s.opts.APIKeys
	if o.Webhooks == nil {
		o.Webhooks = s.opts.Webhooks
	}
	if len(o.ManagementKeys) == 0 {
		o.ManagementKeys = s.opts.ManagementKeys
	}
	if o.Logger == nil {
		o.Logger = s.log
	}
	if o.Clock == nil {
		o.Clock = s.opts.Clock
	}
	o.Demo = o.Demo || s.opts.Demo != nil
	if o.ConnectLink == nil && s.opts.Vault != nil && s.opts.Store != nil {
		o.ConnectLink = s.consoleConnectLink
	}
	c, err := console.New(o)
	if err != nil {
		return &OptionsError{Field: "Console", Reason: strings.TrimPrefix(err.Error(), "console: invalid options\n")}
	}
	s.mux.Handle(consolePath+"/", http.StripPrefix(consolePath, c))
	s.mux.Handle("GET "+consolePath, http.RedirectHandler(s.path(consolePath+"/"), http.StatusSeeOther))
	return nil
}

// consoleConnectLink makes the console's consent links: the same call as POST /v1/connect.
func (s *Server) consoleConnectLink(ctx context.Context, r *http.Request, req console.ConnectLinkRequest) (string, time.Time, error) {
	link, err := s.newConsentLink(ctx, r, &consentRecord{AppID: req.AppID, UserID: req.Owner.UserID, TenantID: req.Owner.TenantID, Scopes: req.Scopes})
	if err != nil {
		return "", time.Time{}, fmt.Errorf("connect link: %w", err)
	}
	return link.URL, link.ExpiresAt, nil
}
