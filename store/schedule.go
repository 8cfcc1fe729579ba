package store

import (
	"context"
	"crypto/rand"
	"fmt"
	"hash/fnv"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// DefaultScheduleShards is how many sorted sets a schedule spreads its members over.
const DefaultScheduleShards = 8

// Schedule is a named set of members, each due at a time, that any number of processes claim
// from with a lease: a claimed member is hidden from other claimers until its lease ends, so
// each due member is handled by one process at a time; one that dies holding a lease loses it
// when the lease ends and the member is claimed again. Members are spread over shards (sorted
// sets of their own hash tag), so the schedule works on a Redis Cluster.
type Schedule struct {
	s      *Store
	name   string
	shards int
}

// Schedule returns the schedule called name.
func (s *Store) Schedule(name string) *Schedule {
	return &Schedule{s: s, name: name, shards: DefaultScheduleShards}
}

// Claim is a member a process holds the lease of.
type Claim struct {
	Member string
	// Due is when the member was due.
	Due   time.Time
	token string
	shard int
}

func (q *Schedule) shard(member string) int {
	h := fnv.New32a()
	_, _ = h.Write([]byte(member))
	return int(h.Sum32() % uint32(q.shards))
}

func (q *Schedule) keys(n int) []string {
	k := q.s.keys
	return []string{k.ScheduleShard(q.name, n), k.ScheduleLeases(q.name, n)}
}

func ms(t time.Time) int64 { return t.UnixMilli() }

// Add schedules member at due, replacing its due time and dropping any lease on it (the
// holder's Done then changes nothing).
func (q *Schedule) Add(ctx context.Context, member string, due time.Time) error {
	k := q.keys(q.shard(member))
	_, err := q.s.client.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.ZAdd(ctx, k[0], redis.Z{Score: float64(ms(due)), Member: member})
		p.HDel(ctx, k[1], member)
		return nil
	})
	return wrapErr(ctx, err, "schedule %q in %q", member, q.name)
}

// Remove takes member off the schedule.
func (q *Schedule) Remove(ctx context.Context, member string) error {
	k := q.keys(q.shard(member))
	_, err := q.s.client.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.ZRem(ctx, k[0], member)
		p.HDel(ctx, k[1], member)
		return nil
	})
	return wrapErr(ctx, err, "unschedule %q in %q", member, q.name)
}

// Due returns when member is due (or, while claimed, when its lease ends); ok is false when it
// is not scheduled.
func (q *Schedule) Due(ctx context.Context, member string) (time.Time, bool, error) {
	v, err := q.s.client.ZScore(ctx, q.keys(q.shard(member))[0], member).Result()
	if err == redis.Nil {
		return time.Time{}, false, nil
	}
	if err != nil {
		return time.Time{}, false, wrapErr(ctx, err, "read schedule %q", q.name)
	}
	return time.UnixMilli(int64(v)), true, nil
}

// Len counts the scheduled members.
func (q *Schedule) Len(ctx context.Context) (int64, error) {
	var n int64
	for i := range q.shards {
		c, err := q.s.client.ZCard(ctx, q.keys(i)[0]).Result()
		if err != nil {
			return 0, wrapErr(ctx, err, "count schedule %q", q.name)
		}
		n += c
	}
	return n, nil
}

var claimScript = redis.NewScript(`
local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[3]))
local out = {}
for i, m in ipairs(ids) do
  local due = redis.call('ZSCORE', KEYS[1], m)
  redis.call('ZADD', KEYS[1], ARGV[2], m)
  local tok = ARGV[4] .. '.' .. i
  redis.call('HSET', KEYS[2], m, tok .. '|' .. due)
  out[#out+1] = m
  out[#out+1] = due
  out[#out+1] = tok
end
return out`)

// Claim takes the lease of up to max members due at now, for lease. Each claimed member is
// hidden from other claimers until now+lease unless Done or Release is called first.
func (q *Schedule) Claim(ctx context.Context, now time.Time, lease time.Duration, max int) ([]Claim, error) {
	var out []Claim
	start := int(rand.Text()[0]) % q.shards
	prefix := rand.Text()
	for j := range q.shards {
		if len(out) >= max {
			break
		}
		n := (start + j) % q.shards
		res, err := claimScript.Run(ctx, q.s.client, q.keys(n), ms(now), ms(now.Add(lease)), max-len(out), prefix).StringSlice()
		if err != nil && err != redis.Nil {
			return out, wrapErr(ctx, err, "claim from schedule %q", q.name)
		}
		for i := 0; i+2 < len(res); i += 3 {
			due, _ := strconv.ParseFloat(res[i+1], 64)
			out = append(out, Claim{Member: res[i], Due: time.UnixMilli(int64(due)), token: res[i+2], shard: n})
		}
	}
	return out, nil
}

var doneScript = redis.NewScript(`
local v = redis.call('HGET', KEYS[2], ARGV[1])
if not v then return 0 end
local sep = string.find(v, '|', 1, true)
if string.sub(v, 1, sep - 1) ~= ARGV[2] then return 0 end
redis.call('HDEL', KEYS[2], ARGV[1])
if ARGV[3] == 'restore' then
  redis.call('ZADD', KEYS[1], string.sub(v, sep + 1), ARGV[1])
elseif ARGV[3] == '' then
  redis.call('ZREM', KEYS[1], ARGV[1])
else
  redis.call('ZADD', KEYS[1], ARGV[3], ARGV[1])
end
return 1`)

// Done ends a claim: the member is due again at next, or leaves the schedule when next is zero.
// ok is false when the lease was no longer the caller's (it ended and another process claimed
// the member, or Add rescheduled it): then nothing changes.
func (q *Schedule) Done(ctx context.Context, c Claim, next time.Time) (bool, error) {
	arg := ""
	if !next.IsZero() {
		arg = strconv.FormatInt(ms(next), 10)
	}
	return q.end(ctx, c, arg)
}

// Release gives a claim back unhandled: the member is due again when it was due before.
func (q *Schedule) Release(ctx context.Context, c Claim) (bool, error) {
	return q.end(ctx, c, "restore")
}

func (q *Schedule) end(ctx context.Context, c Claim, arg string) (bool, error) {
	n, err := doneScript.Run(ctx, q.s.client, q.keys(c.shard), c.Member, c.token, arg).Int()
	if err != nil {
		return false, wrapErr(ctx, err, "end claim of %q in schedule %q", c.Member, q.name)
	}
	return n == 1, nil
}

// String names the claim for logs.
func (c Claim) String() string {
	return fmt.Sprintf("claim{%s due %s}", strings.ReplaceAll(c.Member, "\n", " "), c.Due.UTC().Format(time.RFC3339))
}

// Leased counts the members whose lease some process holds now.
func (q *Schedule) Leased(ctx context.Context) (int64, error) {
	var n int64
	for i := range q.shards {
		c, err := q.s.client.HLen(ctx, q.keys(i)[1]).Result()
		if err != nil {
			return 0, wrapErr(ctx, err, "count leases of schedule %q", q.name)
		}
		n += c
	}
	return n, nil
}
