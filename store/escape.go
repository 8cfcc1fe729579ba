package store

import (
	"errors"
	"fmt"
	"strings"
)

// EscapeID makes an id safe inside a key: ASCII letters, digits and "._@+-" are kept as they are;
// every other byte (including ':', '{', '}', '%', '*', spaces and non-ASCII) becomes %XX. The
// result never contains a hash-tag brace, a key separator or a SCAN glob character, and escaping
// is reversible with UnescapeID.
func EscapeID(id string) string {
	n := 0
	for i := 0; i < len(id); i++ {
		if !safeIDByte(id[i]) {
			n++
		}
	}
	if n == 0 {
		return id
	}
	const hex = "0123456789ABCDEF"
	b := make([]byte, 0, len(id)+2*n)
	for i := 0; i < len(id); i++ {
		c := id[i]
		if safeIDByte(c) {
			b = append(b, c)
			continue
		}
		b = append(b, '%', hex[c>>4], hex[c&15])
	}
	return string(b)
}

// UnescapeID reverses EscapeID.
func UnescapeID(s string) (string, error) {
	if !strings.Contains(s, "%") {
		return s, nil
	}
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if s[i] != '%' {
			b = append(b, s[i])
			continue
		}
		if i+2 >= len(s) {
			return "", errors.New("store: truncated escape in id")
		}
		hi, ok1 := unhex(s[i+1])
		lo, ok2 := unhex(s[i+2])
		if !ok1 || !ok2 {
			return "", fmt.Errorf("store: bad escape at byte %d of id", i)
		}
		b = append(b, hi<<4|lo)
		i += 2
	}
	return string(b), nil
}

func safeIDByte(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	case c == '.', c == '_', c == '@', c == '+', c == '-':
		return true
	}
	return false
}

func unhex(c byte) (byte, bool) {
	switch {
	case '0' <= c && c <= '9':
		return c - '0', true
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10, true
	case 'A' <= c && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

// validatePrefix accepts 1–64 characters of [A-Za-z0-9._:-]. Braces would hijack the hash tags and
// glob characters would break Pattern.
func validatePrefix(p string) error {
	if len(p) == 0 || len(p) > 64 {
		return fmt.Errorf("store: key prefix must be 1 to 64 characters, got %d", len(p))
	}
	for i := 0; i < len(p); i++ {
		c := p[i]
		if !(safeIDByte(c) && c != '@' && c != '+') && c != ':' {
			return fmt.Errorf("store: key prefix %q: character %q not allowed (use A-Z a-z 0-9 . _ : -)", p, c)
		}
	}
	return nil
}

// hashTag returns the part of key Redis Cluster hashes: the content of the first {...} when it is
// non-empty, else the whole key.
func hashTag(key string) string {
	if i := strings.IndexByte(key, '{'); i >= 0 {
		if j := strings.IndexByte(key[i+1:], '}'); j > 0 {
			return key[i+1 : i+1+j]
		}
	}
	return key
}

// sameSlot checks that keys used together in one script share a hash tag, so a mistake shows on a
// single Redis too and not only on a Cluster.
func sameSlot(keys ...string) error {
	for _, k := range keys[1:] {
		if hashTag(k) != hashTag(keys[0]) {
			return fmt.Errorf("store: keys %q and %q are in different cluster slots (give them the same hash tag)", keys[0], k)
		}
	}
	return nil
}
