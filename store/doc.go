// Package store is Outflow's only way to Redis: the connection, the key layout, atomic primitives
// (versioned records with compare-and-set, single-use values, owner-token locks, streams) and the
// sealing of secrets. Domain packages keep their own JSON and logic and build on these primitives
// with key names from Keys.
//
// # Connecting
//
// Open takes a URL: redis:// or rediss:// (single node), redis+sentinel://h1,h2/master
// (Sentinel) or redis+cluster://h1,h2 (Cluster). An empty URL starts an embedded in-memory Redis
// in the process — for trying Outflow out and for tests; everything is lost on exit, and Open
// logs a warning saying so. On the embedded Redis a clock ticks every 250ms so TTLs expire in
// real time; a key may expire up to one tick early, so use TTLs well above that.
// NewFromClient wraps a go-redis client the host already has. Redis 6.2 or later is required
// (GETDEL, exclusive XRANGE). go-redis's default retries ride out a brief failover, so an
// operation against a Redis that is down fails with ErrUnavailable after about two seconds; tune
// with URL options such as max_retries and dial_timeout.
//
// # Durability
//
// Where the master has replicas, a record write (executions, connections and their tokens, API
// keys) is followed by WAIT 1 on the same connection — on a Cluster, on the master that took it —
// and returns only once a replica has it, or fails with ErrNotReplicated (which matches
// ErrUnavailable) after Options.ReplicaTimeout. Options.Durability (URL option durability=tokens)
// limits the waiting to writes made under Durable, the vault's token writes. Each master's
// replica count is read at most once a second; where there is none, nothing waits.
//
// # Key layout
//
// Every key starts with the prefix ("of" by default) and carries a hash tag naming its entity, so
// all keys of one entity are in one Cluster slot and a script may touch them together:
//
//	of:{exec:ID}                       execution record
//	of:{exec:ID}:ev                    its event log (list)
//	of:{flow:ID}:src:HASH              a flow version's source
//	of:{link:H}                        single-use browser link (by token hash)
//	of:{state:H}                       pending OAuth state (by state hash)
//	of:{apps}:app:ID, of:{apps}:ids    app definitions and their index
//	of:{sub:KIND:ID}:tok:APP           a subject's OAuth tokens for an app
//	of:{sub:KIND:ID}:key:APP           a subject's API keys for an app
//	of:{sub:KIND:ID}:keyprev:APP       its rotated-out key (expires with the overlap window)
//	of:{sub:KIND:ID}:idx               a subject's credential index
//	of:{sub:KIND:ID}:lock:APP:CONN     refresh lock
//	of:{appsub:APP}                    subjects holding credentials for an app
//	of:{conn:ID}                       connection pointer
//	of:{events:N}                      event stream, shard N of EventShards (8)
//
// IDs are escaped (EscapeID): letters, digits and "._@+-" stay, every other byte becomes %XX, so
// no id can break a hash tag, inject a separator or a SCAN glob.
//
// # Guarantees
//
//   - Every primitive is one atomic Redis operation, one round trip (Lua scripts for the multi-step
//     ones, preloaded by Open so the first call is one EVALSHA): a transition of a record and its
//     log (PutAndAppend), or a record and its index (PutIndexed, DeleteIndexed), and a companion
//     value with its own TTL (PutIndexedWith, read back with GetWith), is all or nothing.
//     Keys used together must share a hash tag; the store refuses them otherwise, on any Redis.
//   - Put is a compare-and-set on the revision: of two writers racing from the same revision one
//     wins and the other gets ErrConflict.
//   - TakeOnce is GETDEL: among any number of concurrent takers exactly one gets the value.
//   - A Lock is released or extended only by its owner (a 128-bit random token).
//   - Errors: ErrNotFound (missing, expired, already taken), ErrConflict (lost a compare-and-set),
//     ErrLocked (held by someone else), ErrUnavailable (Redis down, unreachable, loading or
//     failing over — the original error is wrapped too). Every error says what was being done.
//
// # Sealing
//
// A Keyring (ParseKeyring, from "ID:BASE64,ID:BASE64") seals secrets with AES-256-GCM before they
// are stored: "of1.<keyID>.<base64url(nonce|ciphertext)>", with associated data binding each
// ciphertext to its owner record. The first key seals, all keys open, so keys rotate without
// downtime; NeedsReseal finds values still under an old key.
//
// # Size
//
// The package is above 3,000 lines (about 3,200) and needs more than 120 exported identifiers
// (about 160, methods included) for a reason: it is the one layer that speaks to Redis, and its
// exported names are its primitives (each one atomic operation with its own guarantee above), the
// key layout and the keyring. Every domain package builds on them; hiding them behind a smaller
// facade would make each of those packages reach around it for the primitive it needs.
//
// The storetest package gives tests a fresh store (embedded, or the real Redis named by
// OUTFLOW_TEST_REDIS_URL) and a round-trip counter.
package store
