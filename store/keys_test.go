package store

import (
	"strings"
	"testing"
)

func TestKeyNames(t *testing.T) {
	t.Parallel()
	k := mustKeys(t, "of")
	tests := []struct {
		name, got, want string
	}{
		{"execution", k.Execution("e1"), "of:{exec:e1}"},
		{"execution events", k.ExecutionEvents("e1"), "of:{exec:e1}:ev"},
		{"flow source", k.FlowSource("signup", "ab12"), "of:{flow:signup}:src:ab12"},
		{"browser link", k.BrowserLink("h1"), "of:{link:h1}"},
		{"consent link", k.ConsentLink("h1"), "of:{clink:h1}"},
		{"oauth state", k.OAuthState("h2"), "of:{state:h2}"},
		{"app", k.App("google"), "of:{apps}:app:google"},
		{"app index", k.AppIndex(), "of:{apps}:ids"},
		{"subject", k.Subject("user", "u1"), "of:{sub:user:u1}"},
		{"tokens", k.Tokens("user", "u1", "google"), "of:{sub:user:u1}:tok:google"},
		{"api keys", k.APIKeys("tenant", "t1", "openai"), "of:{sub:tenant:t1}:key:openai"},
		{"previous api key", k.APIKeyPrevious("tenant", "t1", "openai"), "of:{sub:tenant:t1}:keyprev:openai"},
		{"subject index", k.SubjectIndex("user", "u1"), "of:{sub:user:u1}:idx"},
		{"refresh lock", k.RefreshLock("user", "u1", "google", "c9"), "of:{sub:user:u1}:lock:google:c9"},
		{"app subjects", k.AppSubjects("google"), "of:{appsub:google}"},
		{"connection", k.Connection("c9"), "of:{conn:c9}"},
		{"event stream", k.EventStream(3), "of:{events:3}"},
		{"pattern", k.Pattern(), "of:*"},
		{"escaped id", k.Execution("a:b{c}%d"), "of:{exec:a%3Ab%7Bc%7D%25d}"},
		{"escaped subject", k.Tokens("user", "x}:tok:y", "g"), "of:{sub:user:x%7D%3Atok%3Ay}:tok:g"},
		{"email kept", k.Subject("user", "ann+1@example.com"), "of:{sub:user:ann+1@example.com}"},
		{"other prefix", mustKeys(t, "acme:of").Execution("e1"), "acme:of:{exec:e1}"},
		{"zero keys", Keys{}.Execution("e1"), "of:{exec:e1}"},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s: got %q, want %q", tt.name, tt.got, tt.want)
		}
	}
}

func TestEscapeID(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"", ""},
		{"plain-ID_1.2@x+y", "plain-ID_1.2@x+y"},
		{"a:b", "a%3Ab"},
		{"{x}", "%7Bx%7D"},
		{"100%", "100%25"},
		{"glob*?[]", "glob%2A%3F%5B%5D"},
		{"sp ace/slash", "sp%20ace%2Fslash"},
		{"é", "%C3%A9"},
		{"\x00\xff", "%00%FF"},
	}
	for _, tt := range tests {
		got := EscapeID(tt.in)
		if got != tt.want {
			t.Errorf("EscapeID(%q) = %q, want %q", tt.in, got, tt.want)
		}
		back, err := UnescapeID(got)
		if err != nil || back != tt.in {
			t.Errorf("UnescapeID(%q) = %q, %v; want %q", got, back, err, tt.in)
		}
	}
	for _, bad := range []string{"%", "%4", "%zz", "a%G1"} {
		if _, err := UnescapeID(bad); err == nil {
			t.Errorf("UnescapeID(%q): want an error", bad)
		}
	}
}

func TestSubjectMember(t *testing.T) {
	t.Parallel()
	m := SubjectMember("user", "org:42:ann")
	if m != "user:org%3A42%3Aann" {
		t.Fatalf("SubjectMember = %q", m)
	}
	kind, id, ok := ParseSubjectMember(m)
	if !ok || kind != "user" || id != "org:42:ann" {
		t.Fatalf("ParseSubjectMember(%q) = %q, %q, %v", m, kind, id, ok)
	}
	for _, bad := range []string{"nocolon", "user:%zz"} {
		if _, _, ok := ParseSubjectMember(bad); ok {
			t.Errorf("ParseSubjectMember(%q): want not ok", bad)
		}
	}
}

func TestValidatePrefix(t *testing.T) {
	t.Parallel()
	for _, p := range []string{"of", "acme:of", "t-1.2_x"} {
		if err := validatePrefix(p); err != nil {
			t.Errorf("validatePrefix(%q): %v", p, err)
		}
	}
	for _, p := range []string{"", "a{b}", "a*", "a b", strings.Repeat("x", 65), "a@b"} {
		if err := validatePrefix(p); err == nil {
			t.Errorf("validatePrefix(%q): want an error", p)
		}
	}
}

// crc16 is CRC16/XMODEM, the checksum Redis Cluster uses for key slots, written here from the
// specification so the test does not trust the code it checks.
func crc16(b []byte) uint16 {
	var crc uint16
	for _, c := range b {
		crc ^= uint16(c) << 8
		for range 8 {
			if crc&0x8000 != 0 {
				crc = crc<<1 ^ 0x1021
			} else {
				crc <<= 1
			}
		}
	}
	return crc
}

// slot is Redis Cluster's HASH_SLOT: the hash tag when there is a non-empty one, else the key.
func slot(key string) uint16 {
	if i := strings.IndexByte(key, '{'); i >= 0 {
		if j := strings.IndexByte(key[i+1:], '}'); j > 0 {
			key = key[i+1 : i+1+j]
		}
	}
	return crc16([]byte(key)) % 16384
}

func TestClusterSlot(t *testing.T) {
	t.Parallel()
	// Reference values from the Redis Cluster specification and CLUSTER KEYSLOT.
	if got := crc16([]byte("123456789")); got != 0x31C3 {
		t.Fatalf("crc16 check value = %#x, want 0x31c3", got)
	}
	for key, want := range map[string]uint16{"foo": 12182, "somekey": 11058, "{user1000}.following": 3443} {
		if got := slot(key); got != want {
			t.Fatalf("slot(%q) = %d, want %d", key, got, want)
		}
	}
}

func TestKeysOfOneEntityShareASlot(t *testing.T) {
	t.Parallel()
	k := mustKeys(t, "of")
	// Awkward ids: braces and separators must not split an entity across slots.
	for _, id := range []string{"e1", "a}b", "{x}", "a:b:c", "%7B", "ünï"} {
		groups := map[string][]string{
			"execution": {k.Execution(id), k.ExecutionEvents(id)},
			"flow":      {k.FlowSource(id, "h1"), k.FlowSource(id, "h2")},
			"apps":      {k.App(id), k.App(id + "x"), k.AppIndex()},
			"subject": {
				k.Subject("user", id), k.Tokens("user", id, "g"), k.APIKeys("user", id, "o"),
				k.SubjectIndex("user", id), k.RefreshLock("user", id, "g", "c1"),
				k.APIKeyPrevious("user", id, "o"), k.ProxyBackoff("user", id, "g", "c1"),
			},
			"connection": {k.Connection(id), k.ConnectionUsed(id)},
			"schedule":   {k.ScheduleShard(id, 3), k.ScheduleLeases(id, 3)},
			"webhooks":   {k.Webhook(id), k.Webhook(id + "x"), k.WebhookIndex()},
		}
		for name, keys := range groups {
			want := slot(keys[0])
			for _, key := range keys[1:] {
				if got := slot(key); got != want {
					t.Errorf("id %q, %s: %q is in slot %d, %q in slot %d", id, name, keys[0], want, key, got)
				}
			}
			if err := sameSlot(keys...); err != nil {
				t.Errorf("id %q, %s: sameSlot: %v", id, name, err)
			}
		}
	}
	// Different subjects are spread over slots rather than piled into one.
	if slot(k.Subject("user", "u1")) == slot(k.Subject("user", "u2")) && slot(k.Subject("user", "u3")) == slot(k.Subject("user", "u4")) {
		t.Error("different subjects land in the same slot; the hash tag does not include the id")
	}
	if err := sameSlot(k.Execution("a"), k.Execution("b")); err == nil {
		t.Error("sameSlot accepted keys of two executions")
	}
}

// The event stream's shards each have a slot of their own, and a Cluster of three masters with
// the slots split evenly (as redis-cli --cluster create does) has some on every master.
func TestEventShardsSpreadOverTheCluster(t *testing.T) {
	t.Parallel()
	k := mustKeys(t, "of")
	streams := k.EventStreams()
	if len(streams) != EventShards {
		t.Fatalf("%d streams, want %d", len(streams), EventShards)
	}
	slots := map[uint16]bool{}
	var perMaster [3]int
	for _, s := range streams {
		sl := slot(s)
		slots[sl] = true
		perMaster[min(int(sl)/5461, 2)]++
	}
	if len(slots) != EventShards {
		t.Errorf("the %d shards share slots: %v", EventShards, streams)
	}
	for i, n := range perMaster {
		if n == 0 {
			t.Errorf("master %d of 3 holds no event shard", i+1)
		}
	}
}

func mustKeys(t testing.TB, prefix string) Keys {
	t.Helper()
	k, err := NewKeys(prefix)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// An invalid prefix is an error, not a panic, and "" means DefaultPrefix.
func TestNewKeysRefusesAnInvalidPrefix(t *testing.T) {
	t.Parallel()
	for _, prefix := range []string{"a{b}", strings.Repeat("p", 65), "sp ace"} {
		if _, err := NewKeys(prefix); err == nil || !strings.HasPrefix(err.Error(), "store: key prefix") {
			t.Errorf("NewKeys(%q): %v, want an error about the key prefix", prefix, err)
		}
	}
	if k := mustKeys(t, ""); k.Prefix() != DefaultPrefix {
		t.Errorf(`NewKeys(""): prefix %q, want %q`, k.Prefix(), DefaultPrefix)
	}
}
