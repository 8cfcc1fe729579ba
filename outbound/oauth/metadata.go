package oauth

import (
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// Bounds of a connection's metadata.
const (
	// MaxMetadataKeys is the most keys a connection's metadata holds.
	MaxMetadataKeys = 32
	// MaxMetadataBytes bounds the metadata's JSON encoding.
	MaxMetadataBytes = 4096
	// MaxMetadataString bounds one string value, in bytes.
	MaxMetadataString = 512
)

// metadataKey is what a metadata key looks like: a name an expression can read as
// outputs.metadata.<key> and a list query can name as metadata.<key>.
var metadataKey = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_]{0,63}$`)

// secretWords are parts of key names that announce a credential. Metadata is returned by list
// and fetch, put in flow outputs and shown in the console, so it must never hold one.
var secretWords = []string{"secret", "password", "passwd", "token", "apikey", "api_key", "credential", "privatekey", "private_key"}

// MergeMetadata returns base with patch applied as a JSON merge patch (RFC 7396) of one level: a
// key with a nil value is removed, any other replaces base's. The result is checked against the
// metadata rules (see CheckMetadata); field names the request field the problems are reported
// under. Neither input is modified.
func MergeMetadata(base, patch map[string]any, field string) (map[string]any, error) {
	out := maps.Clone(base)
	if out == nil {
		out = map[string]any{}
	}
	var p fieldProblems
	for _, k := range slices.Sorted(maps.Keys(patch)) {
		v := patch[k]
		if v == nil {
			delete(out, k)
			continue
		}
		nv, msg := metadataValue(v)
		if msg != "" {
			p.add(field+"."+k, "%s", msg)
			continue
		}
		out[k] = nv
	}
	if err := p.err(); err != nil {
		return nil, err
	}
	if err := CheckMetadata(out, field); err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, nil
	}
	return out, nil
}

// CheckMetadata checks connection metadata: at most MaxMetadataKeys keys, each a letter then
// letters, digits or underscores (64 at most) naming no credential ("token", "secret",
// "password", ...), each value a string (MaxMetadataString bytes at most), a finite number or a
// boolean, and MaxMetadataBytes of JSON in all. Metadata is not sealed: it must never hold a
// secret.
func CheckMetadata(m map[string]any, field string) error {
	var p fieldProblems
	if len(m) > MaxMetadataKeys {
		p.add(field, "%s", fmt.Sprintf("holds %d keys; at most %d are allowed", len(m), MaxMetadataKeys))
	}
	for _, k := range slices.Sorted(maps.Keys(m)) {
		if msg := metadataKeyMessage(k); msg != "" {
			p.add(field+"."+k, "%s", msg)
			continue
		}
		if _, msg := metadataValue(m[k]); msg != "" {
			p.add(field+"."+k, "%s", msg)
		}
	}
	if err := p.err(); err != nil {
		return err
	}
	if b, _ := json.Marshal(m); len(b) > MaxMetadataBytes {
		p.add(field, "%s", fmt.Sprintf("is %d bytes of JSON; at most %d are allowed", len(b), MaxMetadataBytes))
	}
	return p.err()
}

func metadataKeyMessage(k string) string {
	if !metadataKey.MatchString(k) {
		return "a metadata key is a letter then letters, digits or underscores, 64 characters at most"
	}
	lower := strings.ToLower(k)
	for _, w := range secretWords {
		if strings.Contains(lower, w) {
			return "looks like a credential (" + w + "): metadata is not sealed and must never hold a secret"
		}
	}
	return ""
}

// metadataValue returns v as stored (numbers as float64), or why it cannot be.
func metadataValue(v any) (any, string) {
	switch x := v.(type) {
	case string:
		if len(x) > MaxMetadataString {
			return nil, fmt.Sprintf("is %d bytes long; a value holds at most %d", len(x), MaxMetadataString)
		}
		return x, ""
	case bool:
		return x, ""
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return nil, "must be a finite number"
		}
		return x, ""
	case int:
		return float64(x), ""
	case int64:
		return float64(x), ""
	case json.Number:
		f, err := x.Float64()
		if err != nil {
			return nil, "must be a finite number"
		}
		return f, ""
	}
	return nil, "must be a string, a number or a boolean"
}

// MatchesMetadata reports whether c's metadata has every key of want with the value written as
// want says: a string as is, a number in its shortest form (42, 1.5), a boolean as true or false.
func (c *Connection) MatchesMetadata(want map[string]string) bool {
	for k, w := range want {
		v, ok := c.Metadata[k]
		if !ok || metadataText(v) != w {
			return false
		}
	}
	return true
}

func metadataText(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case bool:
		return strconv.FormatBool(x)
	}
	return fmt.Sprint(v)
}

// FilterByMetadata keeps the connections whose metadata matches want (see MatchesMetadata);
// an empty want keeps them all. The keys of want are checked like metadata keys.
func FilterByMetadata(cs []Connection, want map[string]string) ([]Connection, error) {
	if len(want) == 0 {
		return cs, nil
	}
	var p fieldProblems
	for _, k := range slices.Sorted(maps.Keys(want)) {
		if !metadataKey.MatchString(k) {
			p.add("metadata."+k, "%s", "a metadata key is a letter then letters, digits or underscores, 64 characters at most")
		}
	}
	if err := p.err(); err != nil {
		return nil, err
	}
	out := []Connection{}
	for i := range cs {
		if cs[i].MatchesMetadata(want) {
			out = append(out, cs[i])
		}
	}
	return out, nil
}
