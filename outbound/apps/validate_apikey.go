package apps

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/outflowhq/outflow/outbound"
)

var (
	fieldNameRE  = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_]{0,63}$`)
	headerNameRE = regexp.MustCompile("^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")
	queryParamRE = regexp.MustCompile(`^[A-Za-z0-9_.~\[\]-]+$`)
)

// headersNeverSet are headers the HTTP client owns; Host in particular would aim the probe
// somewhere else.
var headersNeverSet = []string{"Host", "Content-Length", "Transfer-Encoding", "Connection"}

const (
	maxProbeTimeout = 60
	maxOverlap      = 30 * 86400
	maxAttempts     = 20
)

func (a *App) validateAPIKey(p *Problems) {
	k := a.APIKey
	if k == nil {
		p.Add("apiKey", "required for apikey apps: at least apiKey.label")
		return
	}
	if strings.TrimSpace(k.Label) == "" {
		p.Add("apiKey.label", "required: what the key is called, for example OpenAI API key")
	}
	validateFormatHint(p, k.FormatHint)
	fields := validateConnectionFields(p, k.Fields)
	if k.BaseURL != "" {
		checkURLField(p, "apiKey.baseUrl", k.BaseURL)
		if u, err := url.Parse(k.BaseURL); err == nil && u.RawQuery != "" {
			p.Add("apiKey.baseUrl", "must have no query; put it in apiKey.probe.path")
		}
	}
	if k.Probe != nil {
		if k.BaseURL == "" {
			p.Add("apiKey.baseUrl", "required with a probe: the app's API origin, for example https://api.openai.com")
		}
		validateProbe(p, k.Probe, fields)
	}
	if k.RecheckEvery != "" {
		d, err := time.ParseDuration(k.RecheckEvery)
		switch {
		case err != nil || d < time.Minute:
			p.Add("apiKey.recheckEvery", "must be a duration of at least 1m, such as 24h")
		case k.Probe == nil:
			p.Add("apiKey.recheckEvery", "needs a probe: set apiKey.probe to say how a key is checked")
		}
	}
	if k.OverlapSeconds < 0 || k.OverlapSeconds > maxOverlap {
		p.Add("apiKey.overlapSeconds", "must be between 0 (default %d) and %d", DefaultKeyOverlapSeconds, maxOverlap)
	}
	if k.MaxAttempts < 0 || k.MaxAttempts > maxAttempts {
		p.Add("apiKey.maxAttempts", "must be between 0 (default %d) and %d", DefaultKeyMaxAttempts, maxAttempts)
	}
}

func validateFormatHint(p *Problems, h FormatHint) {
	var re *regexp.Regexp
	if h.Pattern != "" {
		var err error
		if re, err = wholeMatch(h.Pattern); err != nil {
			p.Add("apiKey.formatHint.pattern", "is not a valid Go regular expression: %v", err)
		}
	}
	if h.Example == "" {
		return
	}
	switch {
	case h.Prefix != "" && !strings.HasPrefix(h.Example, h.Prefix):
		p.Add("apiKey.formatHint.example", "does not start with the prefix %q; fix the example or the prefix", h.Prefix)
	case re != nil && !re.MatchString(h.Example):
		p.Add("apiKey.formatHint.example", "does not match the pattern; fix the example or the pattern")
	}
}

// validateConnectionFields checks the extra fields and returns the set of their names.
func validateConnectionFields(p *Problems, fields []ConnectionField) map[string]bool {
	names := map[string]bool{}
	for i, f := range fields {
		at := fmt.Sprintf("apiKey.fields[%d]", i)
		switch {
		case !fieldNameRE.MatchString(f.Name):
			p.Add(at+".name", "must start with a letter and hold only letters, digits and '_' (it is used as a {placeholder})")
		case names[f.Name]:
			p.Add(at+".name", "duplicates another field named %q", f.Name)
		}
		names[f.Name] = true
		if strings.TrimSpace(f.Label) == "" {
			p.Add(at+".label", "required: what the user is asked for, for example Account SID")
		}
		if f.Pattern != "" {
			if _, err := wholeMatch(f.Pattern); err != nil {
				p.Add(at+".pattern", "is not a valid Go regular expression: %v", err)
			}
		}
		for j, o := range f.Options {
			if o == "" || slices.Index(f.Options, o) != j {
				p.Add(fmt.Sprintf("%s.options[%d]", at, j), "options must be non-empty and listed once")
			}
		}
	}
	return names
}

func validateProbe(p *Problems, pr *Probe, fields map[string]bool) {
	switch pr.Method {
	case "", http.MethodGet, http.MethodHead:
	default:
		p.Add("apiKey.probe.method", "must be GET or HEAD: a probe must not change anything at the provider")
	}
	if msg := checkProbePath(pr.Path, fields); msg != "" {
		p.Add("apiKey.probe.path", "%s", msg)
	}
	keyIn := pr.KeyIn
	switch keyIn {
	case "", KeyInBearer, KeyInHeader, KeyInQuery, KeyInBasic:
	default:
		p.Add("apiKey.probe.keyIn", "%q is not valid; use bearer, header, query or basic", keyIn)
	}
	switch {
	case keyIn == KeyInHeader && pr.HeaderName == "":
		p.Add("apiKey.probe.headerName", "required when keyIn is header, for example x-api-key")
	case keyIn != KeyInHeader && pr.HeaderName != "":
		p.Add("apiKey.probe.headerName", "only used when keyIn is header; remove it")
	case pr.HeaderName != "" && (!headerNameRE.MatchString(pr.HeaderName) || isNeverSet(pr.HeaderName)):
		p.Add("apiKey.probe.headerName", "is not a header name the probe may set")
	}
	switch {
	case keyIn == KeyInQuery && pr.QueryParam == "":
		p.Add("apiKey.probe.queryParam", "required when keyIn is query, for example api_key")
	case keyIn != KeyInQuery && pr.QueryParam != "":
		p.Add("apiKey.probe.queryParam", "only used when keyIn is query; remove it")
	case pr.QueryParam != "" && !queryParamRE.MatchString(pr.QueryParam):
		p.Add("apiKey.probe.queryParam", "must hold only letters, digits and _ . ~ - [ ]")
	}
	switch {
	case pr.Prefix == "":
	case keyIn != KeyInHeader:
		p.Add("apiKey.probe.prefix", "only used when keyIn is header; remove it")
	case len(pr.Prefix) > maxAPIPrefixLen || outbound.HasControl(pr.Prefix):
		p.Add("apiKey.probe.prefix", "must be at most %d characters without control characters", maxAPIPrefixLen)
	}
	switch {
	case pr.BasicPassword == "":
	case keyIn != KeyInBasic || pr.BasicUsername != "":
		p.Add("apiKey.probe.basicPassword", "only used when keyIn is basic and the key is the user name (no basicUsername); remove it")
	case len(pr.BasicPassword) > maxAPIPrefixLen || outbound.HasControl(pr.BasicPassword):
		p.Add("apiKey.probe.basicPassword", "must be at most %d characters without control characters", maxAPIPrefixLen)
	}
	if pr.BasicUsername != "" {
		if keyIn != KeyInBasic {
			p.Add("apiKey.probe.basicUsername", "only used when keyIn is basic; remove it")
		} else if msg := checkPlaceholders(pr.BasicUsername, fields); msg != "" {
			p.Add("apiKey.probe.basicUsername", "%s", msg)
		} else if strings.Contains(placeholderRE.ReplaceAllString(pr.BasicUsername, ""), ":") || outbound.HasControl(pr.BasicUsername) {
			p.Add("apiKey.probe.basicUsername", "must not contain ':' or control characters")
		}
	}
	for _, name := range sortedKeys(pr.Headers) {
		at := "apiKey.probe.headers." + name
		canon := http.CanonicalHeaderKey(name)
		switch {
		case !headerNameRE.MatchString(name):
			p.Add(at, "is not a valid header name")
		case isNeverSet(name):
			p.Add(at, "cannot be set: the probe always goes to the host of apiKey.baseUrl")
		case canon == "Authorization" && (keyIn == "" || keyIn == KeyInBearer || keyIn == KeyInBasic):
			p.Add(at, "conflicts with keyIn %s, which sets Authorization", orDefault(keyIn))
		case keyIn == KeyInHeader && canon == http.CanonicalHeaderKey(pr.HeaderName):
			p.Add(at, "conflicts with headerName, which carries the key")
		case outbound.HasControl(pr.Headers[name]):
			p.Add(at, "the value contains control characters")
		}
	}
	for i, s := range pr.ValidStatuses {
		if s < 100 || s > 599 || slices.Index(pr.ValidStatuses, s) != i {
			p.Add(fmt.Sprintf("apiKey.probe.validStatuses[%d]", i), "must be an HTTP status (100-599), listed once")
		}
	}
	if pr.TimeoutSeconds < 0 || pr.TimeoutSeconds > maxProbeTimeout {
		p.Add("apiKey.probe.timeoutSeconds", "must be between 0 (default %d) and %d", DefaultProbeTimeoutSeconds, maxProbeTimeout)
	}
}

// checkProbePath accepts a path (with optional query) on baseUrl, never a URL, whose
// placeholders sit in the path part and name declared fields.
func checkProbePath(path string, fields map[string]bool) string {
	const notURL = "must be a path on apiKey.baseUrl starting with / (for example /v1/models), not a URL"
	switch {
	case path == "":
		return "required: " + notURL[len("must be "):]
	case !strings.HasPrefix(path, "/") || strings.HasPrefix(path, "//") ||
		strings.Contains(path, "://") || strings.Contains(path, `\`):
		return notURL
	case strings.Contains(path, "#"):
		return "must not contain a fragment (#...)"
	case strings.ContainsFunc(path, IsSpaceOrControl):
		return "must not contain spaces or control characters; percent-encode them"
	}
	pathPart, query, _ := strings.Cut(path, "?")
	if strings.ContainsAny(query, "{}") {
		return "placeholders may appear only in the path, not in the query"
	}
	if msg := checkPlaceholders(pathPart, fields); msg != "" {
		return msg
	}
	u, err := url.Parse(placeholderRE.ReplaceAllString(path, "x"))
	if err != nil || u.IsAbs() || u.Host != "" || u.User != nil {
		return notURL
	}
	return ""
}

// checkPlaceholders reports a {name} that names no declared field, or a stray brace.
func checkPlaceholders(s string, fields map[string]bool) string {
	for _, m := range placeholderRE.FindAllStringSubmatch(s, -1) {
		if !fields[m[1]] {
			return fmt.Sprintf("uses {%s}, which is not in apiKey.fields; declare the field or remove the placeholder", m[1])
		}
	}
	if strings.ContainsAny(placeholderRE.ReplaceAllString(s, ""), "{}") {
		return "has a stray { or }; placeholders look like {fieldName}"
	}
	return ""
}

func isNeverSet(name string) bool {
	return slices.Contains(headersNeverSet, http.CanonicalHeaderKey(name))
}

func orDefault(k KeyPlacement) KeyPlacement {
	if k == "" {
		return KeyInBearer
	}
	return k
}
