package apikey

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/outflowhq/outflow/actions"
	"github.com/outflowhq/outflow/outbound"
	"github.com/outflowhq/outflow/outbound/apikeys"
	"github.com/outflowhq/outflow/outbound/apps"
)

// Outcomes of apikey.collect.
const (
	OutcomeStored    = "stored"
	OutcomeCancelled = "cancelled"
	OutcomeInvalid   = "invalid"
)

// Interactions of the collect screen.
const (
	ButtonSave   = "save"
	ButtonCancel = "cancel"
)

// KeyField is the name of the secret key field on the collect screen.
const KeyField = "apiKey"

// EventStored is the event apikey.collect adds when it stores a key; its data is a StoredEvent.
const EventStored = "apikey.stored"

// StoredEvent is the data of EventStored. It never holds the key.
type StoredEvent struct {
	AppID   string `json:"appId"`
	Version int    `json:"version"`
	// OwnerKind is "user" or "tenant", and OwnerID its id, as in the vault's events.
	OwnerKind string `json:"ownerKind"`
	OwnerID   string `json:"ownerId"`
	// Rotated reports whether the key replaced one.
	Rotated bool `json:"rotated"`
}

// EventType implements actions.EventData.
func (StoredEvent) EventType() string { return EventStored }

// CollectConfig is the `with:` of apikey.collect.
type CollectConfig struct {
	App    actions.Value[string] `yaml:"app" required:"true" doc:"id of the apikey app, for example openai"`
	Tenant bool                  `yaml:"tenant" doc:"keep the key for the execution's tenant (shared by its users) instead of the user"`
	Title  actions.Value[string] `yaml:"title" doc:"heading (default: Connect <app name>)"`
	Text   actions.Value[string] `yaml:"text" doc:"paragraph under the heading"`
}

// Validate checks a literal app id when the flow loads.
func (c *CollectConfig) Validate() error { return validateApp(c.App) }

// DeclareFields declares the secret key field, so expressions and event logs treat form.apiKey
// as secret.
func (c *CollectConfig) DeclareFields() []actions.Field {
	return []actions.Field{{Name: KeyField, Type: actions.FieldText, Secret: true}}
}

// DeclareOutcomes: stored, cancelled or invalid.
func (c *CollectConfig) DeclareOutcomes() []string {
	return []string{OutcomeStored, OutcomeCancelled, OutcomeInvalid}
}

// collectOutputs is what steps.<id>.output holds after apikey.collect.
var collectOutputs = actions.Object(map[string]actions.Type{
	"stored":  actions.Bool().Describe("whether a key was stored"),
	"version": actions.Number().Describe("version of the stored key (0 when none was)"),
	"last4":   actions.String().Describe("last characters of the stored key"),
	"fields":  actions.Map(actions.String()).Describe("the app's extra connection values (region, account id, ...)"),
	"appId":   actions.String(),
})

// collectState is kept with the paused screen. It never holds the key.
type collectState struct {
	App      string `json:"app"`
	Attempts int    `json:"attempts"`
}

// Collect is the apikey.collect kind.
func Collect(keys *apikeys.APIKeys) actions.Kind {
	return actions.Define(actions.Kind{
		Name: "apikey.collect",
		Doc: "Asks for an API key (masked) and the app's extra fields, checks the format and, when the app has a probe, " +
			"the key itself with the app; stores it encrypted for the user or tenant (replacing a key rotates it). " +
			"Outcomes: stored, cancelled, invalid (too many attempts). The key never reaches outputs, events or state.",
		Outputs: collectOutputs,
		Errors:  errorCodes,
		Pauses:  true,
	}, func(ctx context.Context, call *actions.Call, c *CollectConfig) (actions.Result, error) {
		return (&collector{keys: keys, cfg: c, call: call}).run(ctx)
	})
}

// collector runs one call of apikey.collect.
type collector struct {
	keys *apikeys.APIKeys
	cfg  *CollectConfig
	call *actions.Call
}

func (r *collector) run(ctx context.Context) (actions.Result, error) {
	var st collectState
	if r.call.Resume != nil && len(r.call.State) > 0 {
		if err := json.Unmarshal(r.call.State, &st); err != nil {
			return actions.Result{}, fmt.Errorf("apikey.collect: read state: %w", err)
		}
	}
	if st.App == "" {
		id, err := r.cfg.App.Get(r.call)
		if err != nil {
			return actions.Result{}, err
		}
		st.App = id
	}
	a, err := app(ctx, r.keys, st.App)
	if err != nil {
		return actions.Result{}, err
	}
	o, err := owner(r.call, r.cfg.Tenant)
	if err != nil {
		return actions.Result{}, err
	}
	if r.call.Resume == nil {
		return r.show(a, st, nil, nil)
	}
	if r.call.Resume.Interaction != ButtonSave {
		return actions.Done(OutcomeCancelled, output(a.ID, nil)), nil
	}

	key, _ := r.call.Resume.Input[KeyField].(string)
	fields := map[string]string{}
	for _, f := range a.APIKey.Fields {
		if v, ok := r.call.Resume.Input[f.Name].(string); ok && v != "" {
			fields[f.Name] = v
		}
	}
	info, err := r.keys.Put(ctx, apikeys.PutRequest{
		AppID: a.ID, Owner: o, APIKey: outbound.NewSecret(key), Fields: fields, Validate: true,
	})
	if err == nil {
		r.call.Emit(StoredEvent{AppID: a.ID, Version: info.Version, OwnerKind: o.Kind(), OwnerID: o.ID(), Rotated: info.HasPrevious})
		return actions.Done(OutcomeStored, output(a.ID, &info)), nil
	}
	msgs, ok := messagesFor(err, a, key, fields)
	if !ok {
		return actions.Result{}, unavailable(err)
	}
	if errors.Is(err, apikeys.ErrProbeFailed) {
		// The app could not check the key (down, slow, rate limited): not the user's mistake.
		return r.show(a, st, msgs, fields)
	}
	st.Attempts++
	limit := a.APIKey.Attempts()
	if st.Attempts >= limit {
		if r.call.Logger != nil {
			r.call.Logger.InfoContext(ctx, "API key collection gave up", "app", a.ID, "attempts", st.Attempts)
		}
		return actions.Done(OutcomeInvalid, output(a.ID, nil)), nil
	}
	if left := limit - st.Attempts; left <= 2 {
		msgs = append(msgs, actions.Message{Level: actions.LevelWarning, Text: attemptsLeft(left)})
	}
	return r.show(a, st, msgs, fields)
}

// show pauses at the collect screen.
func (r *collector) show(a apps.App, st collectState, msgs []actions.Message, typed map[string]string) (actions.Result, error) {
	s, err := r.screen(a, msgs, typed)
	if err != nil {
		return actions.Result{}, err
	}
	return actions.ShowScreen(s, st), nil
}

// messagesFor turns a refusal of the key into messages next to the fields, in the reader's
// language where the screen has a text for the reason; ok is false for errors that are not about
// what the user typed. key and typed are what was entered; messages never quote the key.
func messagesFor(err error, a apps.App, key string, typed map[string]string) ([]actions.Message, bool) {
	var (
		kre *outbound.InvalidError
		pe  *apikeys.ProbeError
	)
	switch {
	case errors.As(err, &kre) && errors.Is(kre, apikeys.ErrInvalidKeyRequest):
		msgs := make([]actions.Message, 0, len(kre.Fields))
		for _, f := range kre.Fields {
			msgs = append(msgs, actions.Message{Level: actions.LevelError, Field: screenField(f.Field), Text: refusal(a.APIKey, f, key, typed)})
		}
		return msgs, true
	case errors.As(err, &pe):
		return []actions.Message{{Level: actions.LevelError, Field: KeyField, Text: probeMessage(pe)}}, true
	}
	return nil, false
}

// refusal is the screen's message for one field problem of apikeys.Put: the screen's own text
// for its reason, else Put's sentence.
func refusal(k *apps.APIKeyConfig, f outbound.FieldError, key string, typed map[string]string) string {
	if f.Field == "apiKey" {
		if msg, ok := keyMessage(k, key); ok {
			return msg
		}
		return f.Message // the key's messages are sentences already
	}
	name := screenField(f.Field)
	labels := map[string]string{}
	for _, cf := range k.Fields {
		labels[cf.Name] = cf.Label
		if cf.Name == name {
			if msg, ok := fieldMessage(cf, typed[name]); ok {
				return msg
			}
		}
	}
	return fieldSentence(f, labels)
}

// output is the step output; info is nil when no key was stored.
func output(appID string, info *apikeys.KeyInfo) map[string]any {
	out := map[string]any{"stored": false, "version": float64(0), "last4": "", "fields": map[string]any{}, "appId": appID}
	if info == nil {
		return out
	}
	fields := make(map[string]any, len(info.Fields))
	for k, v := range info.Fields {
		fields[k] = v
	}
	out["stored"], out["version"], out["last4"], out["fields"] = true, float64(info.Version), info.Last4, fields
	return out
}
