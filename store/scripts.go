package store

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/redis/go-redis/v9"
)

// Script results below 1 are statuses; 1 and above are the new revision.
const (
	scriptNotFound = -1
	scriptConflict = -2
	scriptLockLost = -3
)

// casBody is the compare-and-set shared by the record scripts. KEYS[1] is the record (a hash
// {rev, data}); ARGV[1] the expected revision (0: must not exist), ARGV[2] the data, ARGV[3] the
// TTL in ms (0: no expiry). It leaves the new revision in `rev` or returns a status.
const casBody = `
local cur = redis.call('HGET', KEYS[1], 'rev')
local expect = tonumber(ARGV[1])
if expect == 0 then
  if cur then return -2 end
else
  if not cur then return -1 end
  if tonumber(cur) ~= expect then return -2 end
end
local rev = redis.call('HINCRBY', KEYS[1], 'rev', 1)
redis.call('HSET', KEYS[1], 'data', ARGV[2])
local ttl = tonumber(ARGV[3])
if ttl > 0 then
  redis.call('PEXPIRE', KEYS[1], ttl)
else
  redis.call('PERSIST', KEYS[1])
end
`

var scriptPut = redis.NewScript(casBody + `
return rev
`)

// appendLog is the Lua that appends ARGV[first..] to the list KEYS[2] (in batches, as unpack has
// a limit), keeps its newest ARGV[keep] entries (0: all) and gives it the TTL in the script's `ttl`
// variable (ms; 0: none). The record scripts that keep a log share it.
func appendLog(first, keep int) string {
	return fmt.Sprintf(`
local n = #ARGV
local i = %d
while i <= n do
  local j = math.min(i + 99, n)
  redis.call('RPUSH', KEYS[2], unpack(ARGV, i, j))
  i = j + 1
end
local keep = tonumber(ARGV[%d])
if keep > 0 then
  redis.call('LTRIM', KEYS[2], -keep, -1)
end
if redis.call('EXISTS', KEYS[2]) == 1 then
  if ttl > 0 then
    redis.call('PEXPIRE', KEYS[2], ttl)
  else
    redis.call('PERSIST', KEYS[2])
  end
end
`, first, keep)
}

// KEYS[2] is the log list; ARGV[4] the number of entries to keep (0: all); ARGV[5..] the entries.
var scriptPutAndAppend = redis.NewScript(casBody + appendLog(5, 4) + `
return rev
`)

// KEYS[2] is the index set; ARGV[4] the member to add.
var scriptPutIndexed = redis.NewScript(casBody + `
redis.call('SADD', KEYS[2], ARGV[4])
return rev
`)

// PutIndexed plus a companion value: KEYS[3] the companion, ARGV[5] the operation (0 keep, 1 set,
// 2 delete), ARGV[6] its data and ARGV[7] its TTL in ms (0: none) when set.
var scriptPutIndexedWith = redis.NewScript(casBody + `
redis.call('SADD', KEYS[2], ARGV[4])
local op = tonumber(ARGV[5])
if op == 1 then
  local cttl = tonumber(ARGV[7])
  if cttl > 0 then
    redis.call('SET', KEYS[3], ARGV[6], 'PX', cttl)
  else
    redis.call('SET', KEYS[3], ARGV[6])
  end
elseif op == 2 then
  redis.call('DEL', KEYS[3])
end
return rev
`)

// lockFence ends a script with status -3 unless the lock KEYS[3] still holds the owner token
// ARGV[5].
const lockFence = `
if redis.call('GET', KEYS[3]) ~= ARGV[5] then return -3 end
`

// PutIndexed fenced by a lock: KEYS[3] the lock, ARGV[5] its owner token.
var scriptPutIndexedIfLocked = redis.NewScript(lockFence + casBody + `
redis.call('SADD', KEYS[2], ARGV[4])
return rev
`)

// KEYS[1] a plain value, ARGV[1] the value it must hold, ARGV[2] its replacement. The TTL is kept.
var scriptReplaceValue = redis.NewScript(`
local cur = redis.call('GET', KEYS[1])
if not cur then return -1 end
if cur ~= ARGV[1] then return -2 end
local ttl = redis.call('PTTL', KEYS[1])
if ttl > 0 then
  redis.call('SET', KEYS[1], ARGV[2], 'PX', ttl)
else
  redis.call('SET', KEYS[1], ARGV[2])
end
return 1
`)

// KEYS[1] the record, KEYS[2] the index set, KEYS[3..] further keys to delete, ARGV[1] the member.
var scriptDeleteIndexed = redis.NewScript(`
redis.call('DEL', KEYS[1])
for i = 3, #KEYS do
  redis.call('DEL', KEYS[i])
end
redis.call('SREM', KEYS[2], ARGV[1])
return 1
`)

// KEYS[1] the lock, ARGV[1] the owner token.
var scriptUnlock = redis.NewScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
`)

// KEYS[1] the lock, ARGV[1] the owner token, ARGV[2] the new TTL in ms.
var scriptExtend = redis.NewScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0
`)

var allScripts = []*redis.Script{scriptPut, scriptPutAndAppend, scriptPutIndexed, scriptPutIndexedWith,
	scriptPutIndexedIfLocked, scriptReplaceValue, scriptDeleteIndexed, scriptUnlock, scriptExtend, scriptCreateExecution, scriptClaimExecution, scriptUpdateExecution, scriptReleaseExecution, scriptHit}

// loadScripts puts the scripts in the server's cache so the first call of each is one EVALSHA.
// Failure is harmless: Script.Run falls back to EVAL.
func (s *Store) loadScripts(ctx context.Context) {
	for _, sc := range allScripts {
		if err := sc.Load(ctx, s.client).Err(); err != nil {
			s.log.Debug("store: preload script", slog.Any("error", err))
			return
		}
	}
}
