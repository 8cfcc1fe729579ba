package oauth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"

	"github.com/outflowhq/outflow/actions"
	"github.com/outflowhq/outflow/outbound"
	"github.com/outflowhq/outflow/outbound/apps"
	"github.com/outflowhq/outflow/outbound/oauth"
)

// Outcomes of outbound.connect.
const (
	OutcomeConnected = oauth.OutcomeConnected
	OutcomeDenied    = oauth.OutcomeDenied
	OutcomeError     = oauth.OutcomeError
	// OutcomeSkipped: the user pressed "Not now" on the scope screen.
	OutcomeSkipped = "skipped"
)

// Interactions of the scope screen.
const (
	buttonConnect = "connect"
	buttonNotNow  = "not_now"
)

// ConnectConfig is the `with:` of an outbound.connect step.
type ConnectConfig struct {
	App          actions.Value[string]   `yaml:"app" required:"true" doc:"id of the OAuth app to connect"`
	Scopes       actions.Value[[]string] `yaml:"scopes" doc:"scopes to ask for (default: the app's default scopes)"`
	Tenant       bool                    `yaml:"tenant" doc:"connect for the execution's tenant (a connection its users share) instead of its user"`
	ExternalID   actions.Value[string]   `yaml:"externalId" doc:"tells apart several accounts of one provider; the same id reconnects that account"`
	RedirectURL  actions.Value[string]   `yaml:"redirectUrl" doc:"where the browser goes after consent (must be allowed for the app); default: back to the flow"`
	ChooseScopes bool                    `yaml:"chooseScopes" doc:"first show a Connect screen with the app's logo, a checkbox per scope and a Not now button"`
	Prompt       actions.Value[string]   `yaml:"prompt" doc:"text of the Connect screen (with chooseScopes)"`

	ConnectionID actions.Value[string]         `yaml:"connectionId" doc:"reconnect this connection in place (e.g. the connectionId of an outbound.token step that answered missing_scopes or needs_reauth): same id, its granted scopes kept, a consent for another account refused"`
	Metadata     actions.Value[map[string]any] `yaml:"metadata" doc:"merged into the connection's metadata when the consent completes: string, number or boolean values, at most 32 keys, never a secret (null removes a key)"`
}

// Validate checks the config when the flow loads.
func (c *ConnectConfig) Validate() error {
	var errs actions.Errors
	if lit, ok := c.App.Literal(); ok && lit == "" {
		errs.Add("app", "name the OAuth app to connect")
	}
	if scopes, ok := c.Scopes.Literal(); ok {
		for i, s := range scopes {
			if s == "" {
				errs.Add(fmt.Sprintf("scopes[%d]", i), "a scope cannot be empty")
			}
		}
	}
	if c.Prompt.IsSet() && !c.ChooseScopes {
		errs.Add("prompt", "is the text of the Connect screen; set chooseScopes: true to show it")
	}
	if md, ok := c.Metadata.Literal(); ok && !c.Metadata.IsExpr() {
		if _, err := oauth.MergeMetadata(nil, md, "metadata"); err != nil {
			var inv *outbound.InvalidError
			if errors.As(err, &inv) {
				for _, f := range inv.Fields {
					errs.Add(f.Field, "%s", f.Message)
				}
			}
		}
	}
	return errs.Err()
}

// DeclareOutcomes: skipped only exists with the scope screen.
func (c *ConnectConfig) DeclareOutcomes() []string {
	out := []string{OutcomeConnected, OutcomeDenied, OutcomeError}
	if c.ChooseScopes {
		out = append(out, OutcomeSkipped)
	}
	return out
}

// connectOutputs is the output of outbound.connect.
var connectOutputs = actions.Object(map[string]actions.Type{
	"connected":    actions.Bool().Describe("true when the user consented and the connection is stored"),
	"connectionId": actions.String().Describe("id of the connection (empty unless connected)"),
	"scopes":       actions.List(actions.String()).Describe("granted scopes"),
	"error":        actions.String().Describe("why the consent failed or was denied (a code such as access_denied)"),
})

// connectState is kept with the step's pauses.
type connectState struct {
	Phase  string   `json:"phase"` // "choose" or "consent"
	AppID  string   `json:"appId"`
	Scopes []string `json:"scopes,omitempty"` // the scope screen's checkboxes, in order
	// Granted are the scopes the owner's connection already holds, shown as such on the scope
	// screen and always asked for again, so an incremental consent keeps them.
	Granted []string `json:"granted,omitempty"`
}

// Connect is the outbound.connect kind.
func Connect(v *oauth.Vault) actions.Kind {
	return actions.Define(actions.Kind{
		Name: "outbound.connect",
		Doc: "Sends the user to the app's consent page (OAuth 2.0 with PKCE) and stores the connection with its tokens sealed. " +
			"Completes with connected, denied, error or (with chooseScopes) skipped. Never outputs a token.",
		Outputs:  connectOutputs,
		Outcomes: []string{OutcomeConnected, OutcomeDenied, OutcomeError, OutcomeSkipped},
		Errors:   []string{CodeAppNotFound, CodeNoSubject, CodeInvalidRequest},
		Pauses:   true,
	}, func(ctx context.Context, call *actions.Call, c *ConnectConfig) (actions.Result, error) {
		if v == nil {
			return actions.Result{}, errNoVault
		}
		return runConnect(ctx, v, call, c)
	})
}

func runConnect(ctx context.Context, v *oauth.Vault, call *actions.Call, c *ConnectConfig) (actions.Result, error) {
	var st connectState
	if call.Resume != nil && len(call.State) > 0 {
		if err := json.Unmarshal(call.State, &st); err != nil {
			return actions.Result{}, fmt.Errorf("outbound.connect: read state: %w", err)
		}
	}
	if call.Resume != nil {
		switch call.Resume.Interaction {
		case actions.InteractionCallback:
			return finishConnect(ctx, v, call, c, st), nil
		case buttonNotNow:
			return actions.Done(OutcomeSkipped, connectOutput(false, "", nil, "")), nil
		case buttonConnect:
			var chosen []string
			for i, s := range st.Scopes {
				if checked, _ := call.Resume.Input[scopeField(i)].(bool); checked {
					chosen = append(chosen, s)
				}
			}
			if len(missingScopes(st.Granted, chosen)) == 0 {
				// Nothing chosen (or only what is already granted) is not "the app's defaults":
				// the user asked for nothing new.
				return actions.Done(OutcomeSkipped, connectOutput(false, "", nil, "")), nil
			}
			return startConsent(ctx, v, call, c, st.AppID, unionScopes(st.Granted, chosen))
		}
	}
	appID, err := c.App.Get(call)
	if err != nil {
		return actions.Result{}, err
	}
	scopes, err := c.Scopes.Get(call)
	if err != nil {
		return actions.Result{}, err
	}
	if !c.ChooseScopes {
		return startConsent(ctx, v, call, c, appID, scopes)
	}
	app, err := v.App(ctx, appID)
	if err != nil {
		return actions.Result{}, vaultError(err)
	}
	prompt, err := c.Prompt.Get(call)
	if err != nil {
		return actions.Result{}, err
	}
	granted, err := grantedScopes(ctx, v, call, c, app.ID)
	if err != nil {
		return actions.Result{}, err
	}
	screen, offered := scopeScreen(call.StepID, &app, scopes, prompt, granted)
	return actions.ShowScreen(screen, connectState{Phase: "choose", AppID: app.ID, Scopes: offered, Granted: granted}), nil
}

// startConsent keeps a state in the vault bound to this pause and redirects to the provider.
func startConsent(ctx context.Context, v *oauth.Vault, call *actions.Call, c *ConnectConfig, appID string, scopes []string) (actions.Result, error) {
	o, err := owner(call, c.Tenant)
	if err != nil {
		return actions.Result{}, err
	}
	ext, err := c.ExternalID.Get(call)
	if err != nil {
		return actions.Result{}, err
	}
	redirect, err := c.RedirectURL.Get(call)
	if err != nil {
		return actions.Result{}, err
	}
	target, err := c.ConnectionID.Get(call)
	if err != nil {
		return actions.Result{}, err
	}
	md, err := c.Metadata.Get(call)
	if err != nil {
		return actions.Result{}, err
	}
	res, err := v.Connect(ctx, oauth.ConnectRequest{
		AppID: appID, Owner: o, Scopes: scopes, ExternalID: ext, RedirectURL: redirect,
		Execution: &oauth.ResumeTarget{ExecutionID: call.ExecutionID, StepID: call.StepID, Nonce: call.Nonce},
		Binding:   call.Binding, ConnectionID: target, Metadata: md,
	})
	if err != nil {
		return actions.Result{}, vaultError(err)
	}
	return actions.RedirectTo(res.URL, connectState{Phase: "consent", AppID: appID}), nil
}

// finishConnect completes the step with what the callback reported. A reported connection is
// confirmed with the vault — it must exist, belong to this app and this step's owner — and its
// scopes come from the vault, never from the resume input.
func finishConnect(ctx context.Context, v *oauth.Vault, call *actions.Call, c *ConnectConfig, st connectState) actions.Result {
	in := call.Resume.Input
	outcome, _ := in["outcome"].(string)
	id, _ := in["connectionId"].(string)
	msg, _ := in["error"].(string)
	switch outcome {
	case OutcomeConnected:
		conn, err := v.Connection(ctx, id)
		o, oerr := owner(call, c.Tenant)
		if err != nil || oerr != nil || conn.AppID != st.AppID || conn.Owner.Kind() != o.Kind() || conn.Owner.ID() != o.ID() {
			return actions.Done(OutcomeError, connectOutput(false, "", nil, "the consent could not be confirmed"))
		}
		call.Emit(ConnectedEvent{AppID: st.AppID, ConnectionID: id, Scopes: append([]string{}, conn.Scopes...)})
		return actions.Done(OutcomeConnected, connectOutput(true, id, conn.Scopes, ""))
	case OutcomeDenied:
		return actions.Done(OutcomeDenied, connectOutput(false, "", nil, msg))
	}
	if msg == "" {
		msg = "the consent did not complete"
	}
	return actions.Done(OutcomeError, connectOutput(false, "", nil, msg))
}

func connectOutput(connected bool, id string, scopes []string, errMsg string) map[string]any {
	return map[string]any{"connected": connected, "connectionId": id, "scopes": anyList(scopes), "error": errMsg}
}

func scopeField(i int) string { return fmt.Sprintf("scope_%d", i) }

// scopeScreen is the "Connect to <app>" screen: a checkbox per scope (checked; required unless
// the app marks the scope optional), Connect and Not now, its own texts in the reader's language
// (actions.BuiltinText). It offers the step's scopes, else the
// app's default scopes, else every scope the app declares.
func scopeScreen(stepID string, app *apps.App, scopes []string, prompt string, granted []string) (actions.Screen, []string) {
	offered := scopes
	if len(offered) == 0 {
		offered = app.DefaultScopes
	}
	if len(offered) == 0 {
		for _, s := range app.Scopes {
			offered = append(offered, s.Name)
		}
	}
	offered = unionScopes(granted, offered)
	badge := &actions.AppBadge{ID: app.ID, Name: app.Name, Logo: app.Logo}
	s := actions.Screen{
		ID: stepID, Title: actions.BuiltinText("consent.title", "app", app.Name), Text: prompt, App: badge,
		Buttons: []actions.Button{
			{ID: buttonConnect, Label: actions.BuiltinText("consent.connect"), Kind: actions.ButtonPrimary, App: badge},
			{ID: buttonNotNow, Label: actions.BuiltinText("consent.not_now"), Kind: actions.ButtonSecondary, NoValidate: true},
		},
	}
	for i, name := range offered {
		f := actions.Field{Name: scopeField(i), Type: actions.FieldCheckbox, Label: name, Hint: name, Required: true, Value: true}
		if j := slices.IndexFunc(app.Scopes, func(s apps.Scope) bool { return s.Name == name }); j >= 0 {
			if d := app.Scopes[j].Description; d != "" {
				f.Label = d
			}
			f.Required = !app.Scopes[j].Optional
		}
		if slices.Contains(granted, name) {
			// Already granted: asked for again whatever the box says, so it cannot be unticked.
			f.Label = actions.BuiltinText("consent.scope_granted", "scope", f.Label)
			f.Hint, f.Required = actions.BuiltinText("consent.scope_granted_hint", "scope", name), true
		}
		s.Fields = append(s.Fields, f)
	}
	return s, slices.Clone(offered)
}

// grantedScopes are the scopes the step's owner already holds for the app: those of the
// connection the step reconnects, else of the owner's most recently connected working one (with
// the step's external id). The scope screen shows them as already granted.
func grantedScopes(ctx context.Context, v *oauth.Vault, call *actions.Call, c *ConnectConfig, appID string) ([]string, error) {
	target, err := c.ConnectionID.Get(call)
	if err != nil {
		return nil, err
	}
	if target != "" {
		conn, err := v.Connection(ctx, target)
		if err != nil || conn.AppID != appID {
			return nil, nil // the consent itself refuses the target, with a precise error
		}
		return conn.Scopes, nil
	}
	o, err := owner(call, c.Tenant)
	if err != nil {
		return nil, err
	}
	ext, err := c.ExternalID.Get(call)
	if err != nil {
		return nil, err
	}
	list, err := v.List(ctx, o, appID)
	if err != nil {
		return nil, nil
	}
	for _, conn := range list { // most recently connected first
		if conn.Status == oauth.StatusActive && conn.ExternalID == ext {
			return conn.Scopes, nil
		}
	}
	return nil, nil
}

// missingScopes returns the scopes of want not in have.
func missingScopes(have, want []string) []string {
	var out []string
	for _, s := range want {
		if !slices.Contains(have, s) && !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}

// unionScopes returns a followed by the scopes of b not in a.
func unionScopes(a, b []string) []string {
	return append(slices.Clone(a), missingScopes(a, b)...)
}
