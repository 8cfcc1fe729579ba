package apps

import (
	"errors"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/outflowhq/outflow/outbound"
)

// APIKeyConfig configures an apikey app: what the key looks like, which extra values a
// connection carries, and how a key is checked against the app's own API.
type APIKeyConfig struct {
	// Label names the key on the collect screen, for example "OpenAI API key".
	Label      string     `json:"label" yaml:"label"`
	FormatHint FormatHint `json:"formatHint,omitzero" yaml:"formatHint,omitempty"`
	// Fields are extra per-connection values (region, account id, ...), usable as {name}
	// placeholders in the probe path and basic user name.
	Fields []ConnectionField `json:"fields,omitempty" yaml:"fields,omitempty"`
	// BaseURL is the app's own API origin (with an optional base path), for example
	// https://api.openai.com. The probe can reach nothing else.
	BaseURL string `json:"baseUrl,omitempty" yaml:"baseUrl,omitempty"`
	// Probe, when set, is the request that tells whether a key works.
	Probe *Probe `json:"probe,omitempty" yaml:"probe,omitempty"`
	// OverlapSeconds is how long a rotated-out key stays fetchable as "previous". Zero means
	// 86400.
	OverlapSeconds int `json:"overlapSeconds,omitempty" yaml:"overlapSeconds,omitempty"`
	// MaxAttempts is how many keys a collect flow accepts before it gives up. Zero means 5.
	MaxAttempts int `json:"maxAttempts,omitempty" yaml:"maxAttempts,omitempty"`
	// RecheckEvery, when set (a Go duration of at least 1m, such as "24h"), has the worker probe
	// every stored key again on that schedule, spread out; a key the app refuses is marked
	// invalid and an apikey.invalid event is published. Needs a probe. Off by default.
	RecheckEvery string `json:"recheckEvery,omitempty" yaml:"recheckEvery,omitempty"`
}

// Recheck is the parsed RecheckEvery; zero when re-checks are off (or it does not parse, which
// validation refuses).
func (k *APIKeyConfig) Recheck() time.Duration {
	if k == nil || k.RecheckEvery == "" || k.Probe == nil {
		return 0
	}
	d, err := time.ParseDuration(k.RecheckEvery)
	if err != nil || d < time.Minute {
		return 0
	}
	return d
}

// FormatHint describes what a key looks like, to catch pasting mistakes before any probe.
// Pattern is a Go regular expression matched against the whole key.
type FormatHint struct {
	Prefix  string `json:"prefix,omitempty" yaml:"prefix,omitempty"`
	Pattern string `json:"pattern,omitempty" yaml:"pattern,omitempty"`
	// Example is shown as a placeholder; it must satisfy Prefix and Pattern.
	Example string `json:"example,omitempty" yaml:"example,omitempty"`
}

// ConnectionField is an extra value collected with a key. Pattern is matched against the
// whole value; Options, when set, are the only allowed values.
type ConnectionField struct {
	Name        string   `json:"name" yaml:"name"`
	Label       string   `json:"label" yaml:"label"`
	Required    bool     `json:"required,omitempty" yaml:"required,omitempty"`
	Pattern     string   `json:"pattern,omitempty" yaml:"pattern,omitempty"`
	Placeholder string   `json:"placeholder,omitempty" yaml:"placeholder,omitempty"`
	Options     []string `json:"options,omitempty" yaml:"options,omitempty"`
}

// KeyPlacement tells where the probe puts the key.
type KeyPlacement string

// Key placements.
const (
	// KeyInBearer sends "Authorization: Bearer <key>" (the default).
	KeyInBearer KeyPlacement = "bearer"
	// KeyInHeader sends the key as the value of HeaderName.
	KeyInHeader KeyPlacement = "header"
	// KeyInQuery sends the key as the query parameter QueryParam.
	KeyInQuery KeyPlacement = "query"
	// KeyInBasic sends HTTP Basic with BasicUsername as user and the key as password; with no
	// BasicUsername the key is the user name and the password is BasicPassword (empty unless set).
	KeyInBasic KeyPlacement = "basic"
)

// Probe is a harmless request (GET or HEAD) to the app's own API that succeeds only with a
// working key.
type Probe struct {
	// Method is GET (default) or HEAD.
	Method string `json:"method,omitempty" yaml:"method,omitempty"`
	// Path is a path on BaseURL (never a URL), optionally with a query, for example
	// /v1/models. {field} placeholders in the path part are filled, path-escaped, from the
	// connection's fields.
	Path       string       `json:"path" yaml:"path"`
	KeyIn      KeyPlacement `json:"keyIn,omitempty" yaml:"keyIn,omitempty"`
	HeaderName string       `json:"headerName,omitempty" yaml:"headerName,omitempty"`
	// Prefix goes before the key in HeaderName (keyIn header), space included:
	// "Klaviyo-API-Key " with headerName Authorization, or "Token token=".
	Prefix        string `json:"prefix,omitempty" yaml:"prefix,omitempty"`
	QueryParam    string `json:"queryParam,omitempty" yaml:"queryParam,omitempty"`
	BasicUsername string `json:"basicUsername,omitempty" yaml:"basicUsername,omitempty"`
	// BasicPassword is the fixed password sent when the key is the basic user name (keyIn basic
	// without BasicUsername), for providers that want one (Freshdesk and BambooHR: X). It is
	// not a secret.
	BasicPassword string `json:"basicPassword,omitempty" yaml:"basicPassword,omitempty"`
	// Headers are sent as they are (for example an API version header).
	Headers map[string]string `json:"headers,omitempty" yaml:"headers,omitempty"`
	// ValidStatuses are the statuses that mean "the key works". Empty means any 2xx.
	ValidStatuses []int `json:"validStatuses,omitempty" yaml:"validStatuses,omitempty"`
	// TimeoutSeconds bounds the probe. Zero means 5.
	TimeoutSeconds int `json:"timeoutSeconds,omitempty" yaml:"timeoutSeconds,omitempty"`
}

// Timeout bounds one probe request.
func (p *Probe) Timeout() time.Duration {
	return seconds(p.TimeoutSeconds, DefaultProbeTimeoutSeconds)
}

// Accepts reports whether a probe response status means the key works.
func (p *Probe) Accepts(status int) bool {
	if len(p.ValidStatuses) == 0 {
		return status >= 200 && status < 300
	}
	return slices.Contains(p.ValidStatuses, status)
}

// Overlap is how long a rotated-out key stays fetchable.
func (k *APIKeyConfig) Overlap() time.Duration {
	return seconds(k.OverlapSeconds, DefaultKeyOverlapSeconds)
}

// Attempts is how many keys a collect flow accepts before giving up.
func (k *APIKeyConfig) Attempts() int {
	if k.MaxAttempts <= 0 {
		return DefaultKeyMaxAttempts
	}
	return k.MaxAttempts
}

// ErrKeyFormat is wrapped by CheckKey errors, so a collect screen can tell "this does not
// look like a key" from other failures.
var ErrKeyFormat = errors.New("apps: the key does not have the expected format")

// CheckKey tells whether key looks like this app's keys (prefix and pattern of FormatHint).
// The error explains what is expected and never contains the key.
func (k *APIKeyConfig) CheckKey(key string) error {
	label := k.Label
	if label == "" {
		label = "API key"
	}
	switch {
	case strings.TrimSpace(key) == "":
		return fmt.Errorf("%w: the %s is empty", ErrKeyFormat, label)
	case strings.TrimSpace(key) != key:
		return fmt.Errorf("%w: the %s starts or ends with spaces; paste it again without them", ErrKeyFormat, label)
	case outbound.HasControl(key):
		return fmt.Errorf("%w: the %s contains control characters", ErrKeyFormat, label)
	case k.FormatHint.Prefix != "" && !strings.HasPrefix(key, k.FormatHint.Prefix):
		return fmt.Errorf("%w: the %s should start with %q", ErrKeyFormat, label, k.FormatHint.Prefix)
	}
	if k.FormatHint.Pattern != "" {
		re, err := wholeMatch(k.FormatHint.Pattern)
		if err != nil {
			return fmt.Errorf("check %s: the app's key pattern does not compile: %w", label, err)
		}
		if !re.MatchString(key) {
			if k.FormatHint.Example != "" {
				return fmt.Errorf("%w: the %s should look like %s", ErrKeyFormat, label, k.FormatHint.Example)
			}
			return fmt.Errorf("%w: the %s does not have the expected format", ErrKeyFormat, label)
		}
	}
	return nil
}

// CheckFields validates the extra connection values against Fields: required ones present,
// patterns and options respected, no unknown names, and each value sendable where the probe
// uses it (not "." or ".." in its path, no ':' in its basic user name). Problems come back as a
// *outbound.InvalidError with paths like "fields.accountSid".
func (k *APIKeyConfig) CheckFields(values map[string]string) error {
	var p Problems
	known := make(map[string]bool, len(k.Fields))
	for _, f := range k.Fields {
		known[f.Name] = true
		path := "fields." + f.Name
		v, ok := values[f.Name]
		if !ok || v == "" {
			if f.Required {
				p.Add(path, "required: enter the %s", f.Label)
			}
			continue
		}
		if outbound.HasControl(v) {
			p.Add(path, "contains control characters")
			continue
		}
		if len(f.Options) > 0 && !slices.Contains(f.Options, v) {
			p.Add(path, "must be one of %s", strings.Join(f.Options, ", "))
			continue
		}
		if f.Pattern != "" {
			if re, err := wholeMatch(f.Pattern); err != nil || !re.MatchString(v) {
				msg := "does not have the expected format"
				if f.Placeholder != "" {
					msg += ", for example " + f.Placeholder
				}
				p.Add(path, "%s", msg)
				continue
			}
		}
		if msg := k.unsendable(f.Name, v); msg != "" {
			p.Add(path, "%s", msg)
		}
	}
	for _, name := range slices.Sorted(maps.Keys(values)) {
		if !known[name] {
			p.Add("fields."+name, "unknown field; this app takes %s", listOrNone(k.fieldNames()))
		}
	}
	return p.Err()
}

// unsendable says why the probe could not send v where it uses the field name (a path segment
// of "." or "..", a ':' in the basic user name), or returns "".
func (k *APIKeyConfig) unsendable(name, v string) string {
	if k.Probe == nil {
		return ""
	}
	placeholder := "{" + name + "}"
	pathPart, _, _ := strings.Cut(k.Probe.Path, "?")
	switch {
	case (v == "." || v == "..") && strings.Contains(pathPart, placeholder):
		return fmt.Sprintf("cannot be %q: it is part of the address the key is checked at", v)
	case strings.Contains(v, ":") && k.Probe.KeyIn == KeyInBasic && strings.Contains(k.Probe.BasicUsername, placeholder):
		return "cannot contain ':': it is part of the user name the key is checked with"
	}
	return ""
}

func (k *APIKeyConfig) fieldNames() []string {
	names := make([]string, len(k.Fields))
	for i, f := range k.Fields {
		names[i] = f.Name
	}
	return names
}

func listOrNone(names []string) string {
	if len(names) == 0 {
		return "none"
	}
	return strings.Join(names, ", ")
}

// wholeMatch compiles pattern so that it must match the whole input.
func wholeMatch(pattern string) (*regexp.Regexp, error) {
	return regexp.Compile(`^(?:` + pattern + `)$`)
}

func (k *APIKeyConfig) clone() APIKeyConfig {
	out := *k
	out.Fields = slices.Clone(k.Fields)
	for i := range out.Fields {
		out.Fields[i].Options = slices.Clone(out.Fields[i].Options)
	}
	if k.Probe != nil {
		p := *k.Probe
		p.Headers = maps.Clone(p.Headers)
		p.ValidStatuses = slices.Clone(p.ValidStatuses)
		out.Probe = &p
	}
	return out
}

// ProbeFieldNames lists the fields the probe's path and user name use, in order.
func (k *APIKeyConfig) ProbeFieldNames() []string {
	if k.Probe == nil {
		return nil
	}
	var names []string
	for _, m := range placeholderRE.FindAllStringSubmatch(k.Probe.Path+" "+k.Probe.BasicUsername, -1) {
		if !slices.Contains(names, m[1]) {
			names = append(names, m[1])
		}
	}
	return names
}

// FieldLabel is the label of the field name, or name when it has none.
func (k *APIKeyConfig) FieldLabel(name string) string {
	for _, f := range k.Fields {
		if f.Name == name && f.Label != "" {
			return f.Label
		}
	}
	return name
}
