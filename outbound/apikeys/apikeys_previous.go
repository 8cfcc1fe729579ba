package apikeys

import (
	"encoding/json"
	"fmt"
	"maps"
	"time"

	"github.com/outflowhq/outflow/store"
)

// previousKeyGrace is how long Redis keeps a previous key past the end of its overlap window.
// The window itself is checked against the clock on every read; the Redis TTL only removes the
// key, and may fire a little early (the embedded Redis ticks every 250ms), so it runs a little
// longer than the window rather than cut it short.
const previousKeyGrace = time.Second

// keyState is an (app, owner) record as loaded, with the key it replaced.
type keyState struct {
	rec *keyRecord
	rev int64
	// prev is the rotated-out key, whatever the clock says: the one in its own Redis key or,
	// in a record written before those existed, the one inline (the newer of the two if both
	// are there).
	prev *keyEntry
	// prevRaw is the stored value of prev when it came from its own Redis key, so that a
	// reseal can replace exactly that value.
	prevRaw []byte
}

// newKeyState pairs a record with the previous-key value read beside it (nil when none). A
// previous key whose version is not below the active one belongs to no rotation of this
// record and is ignored.
func newKeyState(rec *keyRecord, rev int64, raw []byte) (*keyState, error) {
	st := &keyState{rec: rec, rev: rev}
	if p := rec.Previous; p != nil && p.Version < rec.Current.Version {
		st.prev = p
	}
	if raw != nil {
		var p keyEntry
		if err := json.Unmarshal(raw, &p); err != nil {
			return nil, fmt.Errorf("decode previous API key of app %q: %w", rec.AppID, err)
		}
		if p.Version < rec.Current.Version && (st.prev == nil || p.Version >= st.prev.Version) {
			st.prev, st.prevRaw = &p, raw
		}
	}
	return st, nil
}

// inline reports whether the record still holds a previous key inline, so that its next write
// must move it out.
func (s *keyState) inline() bool { return s.rec.Previous != nil }

// previous returns the previous key while its overlap window is open at now, else nil.
func (s *keyState) previous(now time.Time) *keyEntry {
	if s.prev == nil || !now.Before(s.prev.ExpiresAt) {
		return nil
	}
	return s.prev
}

// info is the record's metadata at now.
func (s *keyState) info(now time.Time) KeyInfo {
	c := s.rec.Current
	info := KeyInfo{
		AppID: s.rec.AppID, Owner: s.rec.Owner, Version: c.Version, CreatedAt: c.CreatedAt,
		Last4: c.Last4, Fields: fieldsOrEmpty(c.Fields), InvalidAt: c.InvalidAt,
	}
	if p := s.previous(now); p != nil {
		info.HasPrevious, info.PreviousExpiresAt = true, p.ExpiresAt
	}
	return info
}

// setPrevious stores p as the previous key until the end of its window (plus the grace), or
// removes the previous key when p is nil or its window is over at now.
func setPrevious(p *keyEntry, now time.Time) (store.Companion, error) {
	if p == nil || !now.Before(p.ExpiresAt) {
		return store.Companion{Op: store.CompanionDelete}, nil
	}
	data, err := json.Marshal(p)
	if err != nil {
		return store.Companion{}, fmt.Errorf("encode previous API key: %w", err)
	}
	return store.Companion{Op: store.CompanionSet, Data: data, TTL: p.ExpiresAt.Sub(now) + previousKeyGrace}, nil
}

// keepPrevious is what a write that does not rotate does to the previous key: it leaves it,
// TTL included, unless the record still holds it inline, in which case it moves it out.
func (s *keyState) keepPrevious(now time.Time) (store.Companion, error) {
	if !s.inline() {
		return store.Companion{Op: store.CompanionKeep}, nil
	}
	return setPrevious(s.prev, now)
}

func fieldsOrEmpty(f map[string]string) map[string]string {
	if f == nil {
		return map[string]string{}
	}
	return maps.Clone(f)
}
