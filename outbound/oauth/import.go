package oauth

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/outflowhq/outflow/outbound"
	"github.com/outflowhq/outflow/outbound/apps"
)

// ImportRequest is a grant obtained outside Outflow (a migration from another system).
type ImportRequest struct {
	AppID string
	Owner outbound.Owner
	// AccessToken and RefreshToken: at least one. With only a refresh token the first fetch
	// refreshes.
	AccessToken  string
	RefreshToken string
	// ExpiresAt is when the access token expires; zero means unknown: the JWT exp of the access
	// token when it is one, else the app's fallback lifetime.
	ExpiresAt  time.Time
	TokenType  string
	Scopes     []string
	ExternalID string
	// Subject is the provider's id of the account; when empty it is read from IDToken.
	Subject string
	IDToken string
	// GrantedBy is kept on the connection (default "import").
	GrantedBy string
	// Verify refreshes the grant before storing it, proving the provider accepts it; a refusal
	// fails the import and stores nothing. It needs a refresh token. With a provider that
	// rotates refresh tokens, the imported one is used up and the new one is stored.
	Verify bool
}

// LogValue hides the tokens.
func (r ImportRequest) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("app", r.AppID), slog.String("ownerKind", r.Owner.Kind()), slog.String("owner", r.Owner.ID()),
		slog.String("externalId", r.ExternalID),
		slog.String("accessToken", redactedOrEmpty(r.AccessToken)), slog.String("refreshToken", redactedOrEmpty(r.RefreshToken)),
	)
}

// String shows the request with its tokens redacted, so printing it with fmt cannot leak one.
func (r ImportRequest) String() string {
	return fmt.Sprintf("ImportRequest{AppID:%s Owner:%s/%s ExternalID:%s AccessToken:%s RefreshToken:%s IDToken:%s ExpiresAt:%s Scopes:%v}",
		r.AppID, r.Owner.Kind(), r.Owner.ID(), r.ExternalID, redactedOrEmpty(r.AccessToken), redactedOrEmpty(r.RefreshToken),
		redactedOrEmpty(r.IDToken), r.ExpiresAt.UTC().Format(time.RFC3339), r.Scopes)
}

// GoString is String.
func (r ImportRequest) GoString() string { return r.String() }

// Format prints the request with its tokens redacted, for every verb.
func (r ImportRequest) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, r.String()) }

// MarshalJSON always fails with ErrTokenMarshal.
func (r ImportRequest) MarshalJSON() ([]byte, error) { return nil, ErrTokenMarshal }

// MarshalYAML always fails with ErrTokenMarshal.
func (r ImportRequest) MarshalYAML() (any, error) { return nil, ErrTokenMarshal }

// ErrVerifyFailed matches a *VerifyError.
var ErrVerifyFailed = errors.New("oauth: imported grant refused by the provider")

// VerifyError: an import asked for verification and the provider refused the refresh token, or
// could not be reached. Nothing was stored.
type VerifyError struct {
	AppID  string
	Reason string
}

func (e *VerifyError) Error() string {
	return fmt.Sprintf("oauth: verify imported token of app %q: %s", e.AppID, e.Reason)
}

// Is makes errors.Is(err, ErrVerifyFailed) true.
func (e *VerifyError) Is(t error) bool { return t == ErrVerifyFailed }

// Import stores one imported grant as a connection (renewing the owner's connection with the
// same external id or account, like a consent would).
func (v *Vault) Import(ctx context.Context, req ImportRequest) (*Connection, error) {
	app, in, err := v.checkImport(ctx, &req, "")
	if err != nil {
		return nil, err
	}
	if req.Verify {
		pc, err := v.provider(ctx, app)
		if err != nil {
			return nil, &VerifyError{AppID: app.ID, Reason: providerError(err)}
		}
		tr, err := v.callRefresh(ctx, pc, &app, req.RefreshToken)
		if err != nil {
			return nil, &VerifyError{AppID: app.ID, Reason: providerError(err, req.RefreshToken, req.AccessToken, app.ClientSecret.Reveal())}
		}
		if tr.refresh == "" {
			tr.refresh = req.RefreshToken
		}
		if tr.scopes == nil {
			tr.scopes = in.scopes
		}
		in.token, in.scopes = tr, tr.scopes
	}
	conn, _, err := v.saveGrant(ctx, &app, in)
	if err != nil {
		return nil, fmt.Errorf("import token of app %q: %w", app.ID, err)
	}
	return conn, nil
}

// checkImport validates an import, naming fields under prefix, and turns it into a grant.
func (v *Vault) checkImport(ctx context.Context, req *ImportRequest, prefix string) (apps.App, grantInput, error) {
	var p fieldProblems
	f := func(name string) string { return prefix + name }
	if req.AppID == "" {
		p.add(f("appId"), "is required")
	}
	p.addAll(outbound.IDChecks{Owner: &req.Owner, MissingOwner: "set userId or tenantId",
		AppID: req.AppID, ExternalID: req.ExternalID}.Problems(prefix))
	if req.AccessToken == "" && req.RefreshToken == "" {
		p.add(f("accessToken"), "give an access token, a refresh token, or both")
	}
	if req.Verify && req.RefreshToken == "" {
		p.add(f("verify"), "needs a refresh token to verify with")
	}
	p.checkToken(f("accessToken"), req.AccessToken)
	p.checkToken(f("refreshToken"), req.RefreshToken)
	p.checkScopes(prefix, req.Scopes, false)
	var app apps.App
	if req.AppID != "" {
		a, err := v.oauthApp(ctx, req.AppID)
		switch {
		case errors.Is(err, apps.ErrAppNotFound):
			p.add(f("appId"), "no app has this id")
		case errors.Is(err, ErrNotOAuthApp):
			p.add(f("appId"), "is not an oauth2 app")
		case err != nil:
			return apps.App{}, grantInput{}, err
		}
		app = a
	}
	if err := p.err(); err != nil {
		return apps.App{}, grantInput{}, err
	}
	now := v.now()
	tr := tokenResult{access: req.AccessToken, refresh: req.RefreshToken, tokenType: req.TokenType}
	if tr.tokenType == "" {
		tr.tokenType = "Bearer"
	}
	switch {
	case req.AccessToken == "":
		tr.expiresAt, tr.expirySource = now, ExpiryImported // nothing to serve: refresh first
	case !req.ExpiresAt.IsZero():
		tr.expiresAt, tr.expirySource = req.ExpiresAt.UTC(), ExpiryImported
	default:
		if exp, ok := jwtExpiry(req.AccessToken); ok {
			tr.expiresAt, tr.expirySource = exp, ExpiryJWT
		} else {
			tr.expiresAt, tr.expirySource = now.Add(app.Refresh.FallbackLifetime()), ExpiryFallback
		}
	}
	subject := req.Subject
	if subject == "" && req.IDToken != "" {
		if c, ok := jwtPayload(req.IDToken); ok {
			subject = c.Subject
		}
	}
	grantedBy := req.GrantedBy
	if grantedBy == "" {
		grantedBy = "import"
	}
	return app, grantInput{
		owner: req.Owner, externalID: req.ExternalID, subject: subject, scopes: req.Scopes,
		token: tr, grantedBy: grantedBy,
	}, nil
}
