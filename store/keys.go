package store

import (
	"strconv"
	"strings"
)

// DefaultPrefix is the key prefix used when Options.Prefix is empty.
const DefaultPrefix = "of"

// Keys builds every Redis key Outflow uses. It is the only place key strings are made.
//
// Every key carries a hash tag ({...}) naming its entity, so all keys of one entity live in the
// same Redis Cluster slot and multi-key scripts over them are Cluster-safe. IDs are escaped (see
// EscapeID), so any user, tenant or app id is safe, including ones with ':', '{', '}' or glob
// characters. The zero Keys uses DefaultPrefix.
type Keys struct {
	prefix string
}

// NewKeys returns the key builder for prefix ("" means DefaultPrefix), or an error saying why
// the prefix is invalid (see Options.Prefix).
func NewKeys(prefix string) (Keys, error) {
	if prefix == "" {
		prefix = DefaultPrefix
	}
	if err := validatePrefix(prefix); err != nil {
		return Keys{}, err
	}
	return Keys{prefix: prefix}, nil
}

// Prefix returns the key prefix.
func (k Keys) Prefix() string {
	if k.prefix == "" {
		return DefaultPrefix
	}
	return k.prefix
}

// Pattern returns the SCAN pattern that matches every key under the prefix: "p:*".
func (k Keys) Pattern() string { return k.Prefix() + ":*" }

func (k Keys) tagged(tag string, suffix ...string) string {
	var b strings.Builder
	b.WriteString(k.Prefix())
	b.WriteString(":{")
	b.WriteString(tag)
	b.WriteByte('}')
	for _, s := range suffix {
		b.WriteByte(':')
		b.WriteString(s)
	}
	return b.String()
}

// Execution is the execution record: p:{exec:ID}.
func (k Keys) Execution(id string) string { return k.tagged("exec:" + EscapeID(id)) }

// ExecutionEvents is the execution's event log (a list): p:{exec:ID}:ev.
func (k Keys) ExecutionEvents(id string) string { return k.tagged("exec:"+EscapeID(id), "ev") }

// FlowSource is one version of a flow's source, by content hash: p:{flow:ID}:src:HASH.
func (k Keys) FlowSource(flowID, hash string) string {
	return k.tagged("flow:"+EscapeID(flowID), "src", EscapeID(hash))
}

// BrowserLink is a single-use browser link, by the hash of its token: p:{link:H}.
func (k Keys) BrowserLink(tokenHash string) string { return k.tagged("link:" + EscapeID(tokenHash)) }

// ConsentLink is a single-use link that starts an OAuth consent in the browser that opens it, by
// the hash of its token: p:{clink:H}.
func (k Keys) ConsentLink(tokenHash string) string { return k.tagged("clink:" + EscapeID(tokenHash)) }

// OAuthState is a pending OAuth authorization, by the hash of its state value: p:{state:H}.
func (k Keys) OAuthState(stateHash string) string { return k.tagged("state:" + EscapeID(stateHash)) }

// App is an outbound app definition: p:{apps}:app:ID. All apps share one slot with AppIndex.
func (k Keys) App(id string) string { return k.tagged("apps", "app", EscapeID(id)) }

// AppIndex is the set of all app ids: p:{apps}:ids.
func (k Keys) AppIndex() string { return k.tagged("apps", "ids") }

// TenantSettings is one tenant's settings of an app (its own OAuth client, endpoints, ...):
// p:{apps}:tenant:APP:TENANT. It shares the apps' slot, so deleting an app can drop them atomically.
func (k Keys) TenantSettings(appID, tenantID string) string {
	return k.tagged("apps", "tenant", EscapeID(appID), EscapeID(tenantID))
}

// TenantIndex is the set of tenant ids with settings of an app: p:{apps}:tenants:APP.
func (k Keys) TenantIndex(appID string) string { return k.tagged("apps", "tenants", EscapeID(appID)) }

func subjectTag(kind, id string) string { return "sub:" + EscapeID(kind) + ":" + EscapeID(id) }

// Subject is the base key of a subject (a user or tenant, by kind and id): p:{sub:KIND:ID}. Every
// key of the subject below shares its hash tag.
func (k Keys) Subject(kind, id string) string { return k.tagged(subjectTag(kind, id)) }

// Tokens holds a subject's OAuth tokens for one app: p:{sub:KIND:ID}:tok:APP.
func (k Keys) Tokens(kind, id, appID string) string {
	return k.tagged(subjectTag(kind, id), "tok", EscapeID(appID))
}

// APIKeys holds a subject's API keys for one app: p:{sub:KIND:ID}:key:APP.
func (k Keys) APIKeys(kind, id, appID string) string {
	return k.tagged(subjectTag(kind, id), "key", EscapeID(appID))
}

// APIKeyPrevious holds a subject's rotated-out API key for one app while its overlap window
// lasts (it expires with the window): p:{sub:KIND:ID}:keyprev:APP.
func (k Keys) APIKeyPrevious(kind, id, appID string) string {
	return k.tagged(subjectTag(kind, id), "keyprev", EscapeID(appID))
}

// SubjectIndex is the set of credential keys a subject holds: p:{sub:KIND:ID}:idx.
func (k Keys) SubjectIndex(kind, id string) string { return k.tagged(subjectTag(kind, id), "idx") }

// RefreshLock guards the refresh of one connection's tokens:
// p:{sub:KIND:ID}:lock:APP:CONN.
func (k Keys) RefreshLock(kind, id, appID, connID string) string {
	return k.tagged(subjectTag(kind, id), "lock", EscapeID(appID), EscapeID(connID))
}

// ProxyBackoff holds until when requests made with one connection's credential wait, after the
// app's API answered 429 or 503 with Retry-After: p:{sub:KIND:ID}:backoff:APP:CONN.
func (k Keys) ProxyBackoff(kind, id, appID, connID string) string {
	return k.tagged(subjectTag(kind, id), "backoff", EscapeID(appID), EscapeID(connID))
}

// AppSubjects is the set of subjects holding credentials for an app: p:{appsub:APP}. Members are
// built with SubjectMember.
func (k Keys) AppSubjects(appID string) string { return k.tagged("appsub:" + EscapeID(appID)) }

// Connection is a pointer record from a connection id to its owner: p:{conn:ID}.
func (k Keys) Connection(connID string) string { return k.tagged("conn:" + EscapeID(connID)) }

// KeyCheck holds the check value of a sealing key id, sealed with that key (see
// Store.CheckKeyring): p:{keyring}:check:ID.
func (k Keys) KeyCheck(keyID string) string { return k.tagged("keyring", "check", EscapeID(keyID)) }

// ConsoleSession is a console session, under the hash of its id: p:{console:s:HASH}.
func (k Keys) ConsoleSession(idHash string) string { return k.tagged("console:s:" + EscapeID(idHash)) }

// ConsoleSignIns counts the failed console sign-ins of one client address, under its hash:
// p:{console:f:HASH}.
func (k Keys) ConsoleSignIns(addrHash string) string {
	return k.tagged("console:f:" + EscapeID(addrHash))
}

// ExecutionPattern is the SCAN pattern of every execution record: p:{exec:*}. Event logs
// (p:{exec:ID}:ev) do not match it.
func (k Keys) ExecutionPattern() string { return k.Prefix() + ":{exec:*}" }

// ExecutionID returns the execution id of a key made by Execution, or false.
func (k Keys) ExecutionID(key string) (string, bool) {
	rest, ok := strings.CutPrefix(key, k.Prefix()+":{exec:")
	if !ok || !strings.HasSuffix(rest, "}") {
		return "", false
	}
	id, err := UnescapeID(strings.TrimSuffix(rest, "}"))
	return id, err == nil
}

// EventShards is how many streams the events are spread over (see EventStream), so that on a
// Cluster no single key, and no single node, takes every event.
const EventShards = 8

// EventStream is shard n (0 <= n < EventShards) of the stream of audit and lifecycle events:
// p:{events:N}. Each shard has its own hash tag, so the shards spread over the Cluster's slots;
// none is used with another key in a script.
func (k Keys) EventStream(n int) string { return k.tagged("events:" + strconv.Itoa(n)) }

// EventStreams returns every shard of the event stream, in shard order.
func (k Keys) EventStreams() []string {
	out := make([]string, EventShards)
	for i := range out {
		out[i] = k.EventStream(i)
	}
	return out
}

// SubjectMember is the set member naming a subject, "KIND:ID" with both parts escaped, so that it
// splits back unambiguously with ParseSubjectMember.
func SubjectMember(kind, id string) string { return EscapeID(kind) + ":" + EscapeID(id) }

// ParseSubjectMember splits a member made by SubjectMember. ok is false when m is malformed.
func ParseSubjectMember(m string) (kind, id string, ok bool) {
	ek, eid, found := strings.Cut(m, ":")
	if !found {
		return "", "", false
	}
	kind, err1 := UnescapeID(ek)
	id, err2 := UnescapeID(eid)
	if err1 != nil || err2 != nil {
		return "", "", false
	}
	return kind, id, true
}

// ScheduleShard is one shard of a named schedule (a sorted set of members by due time):
// p:{sched:NAME:N}. Members spread over shards so no schedule is a single hot key on a Cluster.
func (k Keys) ScheduleShard(name string, n int) string {
	return k.tagged("sched:" + EscapeID(name) + ":" + strconv.Itoa(n))
}

// ScheduleLeases holds the leases of a schedule shard's claimed members: p:{sched:NAME:N}:lease.
func (k Keys) ScheduleLeases(name string, n int) string {
	return k.tagged("sched:"+EscapeID(name)+":"+strconv.Itoa(n), "lease")
}

// Webhook is a webhook endpoint: p:{webhooks}:ep:ID. All endpoints share one slot with
// WebhookIndex.
func (k Keys) Webhook(id string) string { return k.tagged("webhooks", "ep", EscapeID(id)) }

// WebhookIndex is the set of all webhook endpoint ids: p:{webhooks}:ids.
func (k Keys) WebhookIndex() string { return k.tagged("webhooks", "ids") }

// WebhookDelivery is one delivery of an event to an endpoint: p:{whd:ID}.
func (k Keys) WebhookDelivery(id string) string { return k.tagged("whd:" + EscapeID(id)) }

// WebhookDeliveries lists an endpoint's deliveries by time (a sorted set): p:{whdl:ID}.
func (k Keys) WebhookDeliveries(endpointID string) string {
	return k.tagged("whdl:" + EscapeID(endpointID))
}

// WebhookQueue is the stream of deliveries due now, read by every worker with a consumer
// group: p:{whq}.
func (k Keys) WebhookQueue() string { return k.tagged("whq") }

// ConnectionUsed is when a connection's token was last fetched (kept coarsely, for the
// keep-alive refresh): p:{conn:ID}:used.
func (k Keys) ConnectionUsed(connID string) string { return k.tagged("conn:"+EscapeID(connID), "used") }

// RateWindow counts uses of a rate-limited thing in one second: p:{rate:NAME}:UNIX.
func (k Keys) RateWindow(name string, unix int64) string {
	return k.tagged("rate:"+EscapeID(name), strconv.FormatInt(unix, 10))
}
