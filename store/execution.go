package store

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
)

// Execution is a stored flow execution: its data, revision and the nonce of its current pause.
// It lives in the hash Keys.Execution(id) with fields rev, data, nonce, link (see
// PutExecutionLink) and, while a request holds it, claim and claimExp; its event log in the list
// Keys.ExecutionEvents(id).
type Execution struct {
	Rev   int64
	Data  []byte
	Nonce string
	// Link is the token hash of the execution's one-time link (Keys.BrowserLink; "" when none), as
	// ClaimExecution reads it.
	Link string
}

// KEYS[1] execution, KEYS[2] events. ARGV: data, nonce, ttl ms, max events, events...
var scriptCreateExecution = redis.NewScript(`
if redis.call('EXISTS', KEYS[1]) == 1 then return -2 end
redis.call('HSET', KEYS[1], 'rev', 1, 'data', ARGV[1], 'nonce', ARGV[2])
local ttl = tonumber(ARGV[3])
redis.call('PEXPIRE', KEYS[1], ttl)
` + appendLog(5, 4) + `
return 1
`)

// AnyNonce claims an execution whatever its nonce (for binding it to a browser).
const AnyNonce = "*"

// KEYS[1] execution. ARGV: nonce (or AnyNonce), hold ms, claim token. The claim's expiry is kept in
// Redis's own time, so instances whose clocks disagree cannot both hold it. Returns nil when missing,
// else {claimed (1/0), rev, data, nonce, link}.
var scriptClaimExecution = redis.NewScript(`
local v = redis.call('HMGET', KEYS[1], 'rev', 'data', 'nonce', 'claim', 'claimExp', 'link')
if not v[1] then return false end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local nonce = v[3] or ''
local free = (not v[4]) or (not v[5]) or tonumber(v[5]) <= now
local claimed = 0
if free and (ARGV[1] == '*' or (ARGV[1] ~= '' and nonce == ARGV[1])) then
  redis.call('HSET', KEYS[1], 'claim', ARGV[3], 'claimExp', now + tonumber(ARGV[2]))
  claimed = 1
end
return {claimed, v[1], v[2] or '', nonce, v[6] or ''}
`)

// KEYS[1] execution, KEYS[2] events. ARGV: expected rev, data, ttl ms, max events, nonce, claim
// token, drop link (1/0), events... The write happens only while the caller still holds its claim.
var scriptUpdateExecution = redis.NewScript(`
local cur = redis.call('HGET', KEYS[1], 'rev')
if not cur then return -1 end
if tonumber(cur) ~= tonumber(ARGV[1]) then return -2 end
if redis.call('HGET', KEYS[1], 'claim') ~= ARGV[6] then return -2 end
local rev = redis.call('HINCRBY', KEYS[1], 'rev', 1)
redis.call('HSET', KEYS[1], 'data', ARGV[2], 'nonce', ARGV[5])
if ARGV[7] == '1' then
  redis.call('HDEL', KEYS[1], 'claim', 'claimExp', 'link')
else
  redis.call('HDEL', KEYS[1], 'claim', 'claimExp')
end
local ttl = tonumber(ARGV[3])
redis.call('PEXPIRE', KEYS[1], ttl)
` + appendLog(8, 4) + `
return rev
`)

// KEYS[1] execution. ARGV: claim token. Only the claim's holder ends it.
var scriptReleaseExecution = redis.NewScript(`
if redis.call('HGET', KEYS[1], 'claim') == ARGV[1] then
  return redis.call('HDEL', KEYS[1], 'claim', 'claimExp')
end
return 0
`)

// ExecutionCreate is a new execution, written by CreateExecution.
type ExecutionCreate struct {
	// ID names the execution; Data is its first state and Nonce the nonce of its first pause.
	ID    string
	Data  []byte
	Nonce string
	// TTL is how long the execution and its events are kept; it must be positive.
	TTL time.Duration
	// Events are its first events; the log keeps the newest MaxEvents (0: all).
	Events    [][]byte
	MaxEvents int
}

// CreateExecution writes a new execution at revision 1 with its first events, in one round trip.
// ErrConflict when the id exists.
func (s *Store) CreateExecution(ctx context.Context, c ExecutionCreate) error {
	if c.TTL <= 0 {
		return fmt.Errorf("store: create execution %q: ttl must be positive", c.ID)
	}
	key, logKey := s.keys.Execution(c.ID), s.keys.ExecutionEvents(c.ID)
	args := append([]any{c.Data, c.Nonce, c.TTL.Milliseconds(), c.MaxEvents}, entryArgs(c.Events)...)
	res, err := s.runWrite(ctx, scriptCreateExecution, []string{key, logKey}, args...).Int64()
	_, err = casResult(ctx, res, err, "create execution %q", c.ID)
	return err
}

// GetExecution reads an execution. ErrNotFound when missing.
func (s *Store) GetExecution(ctx context.Context, id string) (Execution, error) {
	key := s.keys.Execution(id)
	vals, err := s.client.HMGet(ctx, key, "rev", "data", "nonce").Result()
	if err != nil {
		return Execution{}, wrapErr(ctx, err, "get execution %q", id)
	}
	revStr, ok1 := vals[0].(string)
	data, ok2 := vals[1].(string)
	if !ok1 || !ok2 {
		return Execution{}, fmt.Errorf("store: get execution %q: %w", id, ErrNotFound)
	}
	rev, err := strconv.ParseInt(revStr, 10, 64)
	if err != nil {
		return Execution{}, fmt.Errorf("store: get execution %q: malformed revision", id)
	}
	nonce, _ := vals[2].(string)
	return Execution{Rev: rev, Data: []byte(data), Nonce: nonce}, nil
}

// ClaimExecution reads an execution and, when nonce is its current nonce (or AnyNonce) and no
// other request holds it, claims it for hold — atomically, in one round trip — so that of several
// requests presenting the same nonce exactly one proceeds. It returns the execution either way (the
// caller decides between "expired", "stale" and "busy") and the claim's token, "" when it did not
// claim. ErrNotFound when missing. Only the token's holder can then write (UpdateExecution) or end
// the claim (ReleaseExecution); an abandoned claim ends by itself after hold.
func (s *Store) ClaimExecution(ctx context.Context, id, nonce string, hold time.Duration) (Execution, string, error) {
	token := randomToken()
	res, err := scriptClaimExecution.Run(ctx, s.client, []string{s.keys.Execution(id)}, nonce, hold.Milliseconds(), token).Slice()
	if errors.Is(err, redis.Nil) {
		return Execution{}, "", fmt.Errorf("store: claim execution %q: %w", id, ErrNotFound)
	}
	if err != nil {
		return Execution{}, "", wrapErr(ctx, err, "claim execution %q", id)
	}
	if len(res) != 5 {
		return Execution{}, "", fmt.Errorf("store: claim execution %q: unexpected reply", id)
	}
	claimed, _ := res[0].(int64)
	revStr, _ := res[1].(string)
	data, _ := res[2].(string)
	cur, _ := res[3].(string)
	link, _ := res[4].(string)
	link = hex.EncodeToString([]byte(link))
	rev, err := strconv.ParseInt(revStr, 10, 64)
	if err != nil {
		return Execution{}, "", fmt.Errorf("store: claim execution %q: malformed revision", id)
	}
	if claimed != 1 {
		token = ""
	}
	return Execution{Rev: rev, Data: []byte(data), Nonce: cur, Link: link}, token, nil
}

// ExecutionUpdate is an execution's next state, as UpdateExecution writes it.
type ExecutionUpdate struct {
	// ID names the execution; Rev is the revision the caller read and Claim the token
	// ClaimExecution gave it: the write lands only while both still hold.
	ID    string
	Rev   int64
	Claim string
	// Data is the new state and Nonce the nonce of its new pause ("" when it no longer waits).
	Data  []byte
	Nonce string
	// TTL is how long the execution and its events are kept from now on; it must be positive.
	TTL time.Duration
	// Events are appended to the execution's events, which keep the newest MaxEvents (0: all).
	Events    [][]byte
	MaxEvents int
	// DropLink is the token hash of the execution's one-time link (Execution.Link), deleted once
	// the write lands: the execution finished, and its link must not outlive it.
	DropLink string
}

// UpdateExecution writes an execution's next state if its revision is still u.Rev and the caller
// still holds the claim token, sets the nonce of its new pause, ends the claim and appends
// events — one round trip. ErrConflict when another request wrote first or the claim was lost;
// ErrNotFound when it is gone.
func (s *Store) UpdateExecution(ctx context.Context, u ExecutionUpdate) (int64, error) {
	if u.TTL <= 0 {
		return 0, fmt.Errorf("store: update execution %q: ttl must be positive", u.ID)
	}
	if u.Claim == "" {
		return 0, fmt.Errorf("store: update execution %q: no claim", u.ID)
	}
	key, logKey := s.keys.Execution(u.ID), s.keys.ExecutionEvents(u.ID)
	drop := 0
	if u.DropLink != "" {
		drop = 1
	}
	args := append([]any{u.Rev, u.Data, u.TTL.Milliseconds(), u.MaxEvents, u.Nonce, u.Claim, drop}, entryArgs(u.Events)...)
	res, err := s.runWrite(ctx, scriptUpdateExecution, []string{key, logKey}, args...).Int64()
	rev, err := casResult(ctx, res, err, "update execution %q at rev %d", u.ID, u.Rev)
	if err == nil && u.DropLink != "" {
		// The link lives in its own slot, so it goes in a second round trip, only when an
		// execution that has one finishes. Should this fail, the link lives out its own TTL and
		// opens the finished execution (or finds it gone).
		if derr := s.client.Del(ctx, s.keys.BrowserLink(u.DropLink)).Err(); derr != nil {
			s.log.Warn("store: delete the link of a finished execution", "execution", u.ID, "error", derr)
		}
	}
	return rev, err
}

// KEYS[1] execution. ARGV: the link's token hash. Only an existing execution gets it: a hash made here
// would have no TTL.
var scriptAttachLink = `
if redis.call('EXISTS', KEYS[1]) == 1 then
  redis.call('HSET', KEYS[1], 'link', ARGV[1])
end
return 1
`

// PutExecutionLink keeps the one-time link of a waiting execution: data under
// Keys.BrowserLink(tokenHash) for ttl (as PutOnce), and the token hash in the execution, so the
// link is deleted when the execution finishes (see ExecutionUpdate.DropLink). One round trip.
// ErrConflict when the link exists.
func (s *Store) PutExecutionLink(ctx context.Context, id, tokenHash string, data []byte, ttl time.Duration) error {
	if err := checkTTL(ttl); err != nil {
		return fmt.Errorf("store: put link of execution %q: %w", id, err)
	}
	// The execution keeps the hash's bytes, not its hex: every byte of a paused execution is kept
	// for as long as it waits.
	raw, err := hex.DecodeString(tokenHash)
	if err != nil || len(raw) == 0 {
		return fmt.Errorf("store: put link of execution %q: the token hash must be hex", id)
	}
	var set *redis.BoolCmd
	// EVAL rather than EVALSHA: a pipeline cannot fall back when the script cache is empty.
	_, err = s.client.Pipelined(ctx, func(p redis.Pipeliner) error {
		set = p.SetNX(ctx, s.keys.BrowserLink(tokenHash), data, ttl)
		p.Eval(ctx, scriptAttachLink, []string{s.keys.Execution(id)}, raw)
		return nil
	})
	if err != nil {
		return wrapErr(ctx, err, "put link of execution %q", id)
	}
	if !set.Val() {
		return fmt.Errorf("store: put link of execution %q: %w", id, ErrConflict)
	}
	return nil
}

// ReleaseExecution ends a claim without writing anything; only the claim's holder can.
func (s *Store) ReleaseExecution(ctx context.Context, id, claim string) error {
	err := scriptReleaseExecution.Run(ctx, s.client, []string{s.keys.Execution(id)}, claim).Err()
	return wrapErr(ctx, err, "release execution %q", id)
}

// ExecutionEvents returns an execution's event log, oldest first (empty when it has none).
func (s *Store) ExecutionEvents(ctx context.Context, id string) ([][]byte, error) {
	return s.Log(ctx, s.keys.ExecutionEvents(id))
}

// PutFlowSource keeps the source of a flow version so executions pinned to it can continue on any
// instance. Sources are kept without expiry, by content hash; writing one twice is a no-op.
func (s *Store) PutFlowSource(ctx context.Context, flowID, hash string, src []byte) error {
	err := s.client.SetNX(ctx, s.keys.FlowSource(flowID, hash), src, 0).Err()
	return wrapErr(ctx, err, "put source of flow %q", flowID)
}

// GetFlowSource reads a flow version's source. ErrNotFound when unknown.
func (s *Store) GetFlowSource(ctx context.Context, flowID, hash string) ([]byte, error) {
	return s.GetValue(ctx, s.keys.FlowSource(flowID, hash))
}

func randomToken() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func entryArgs(entries [][]byte) []any {
	out := make([]any, len(entries))
	for i, e := range entries {
		out[i] = e
	}
	return out
}
