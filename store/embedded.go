package store

import (
	"crypto/rand"
	"fmt"
	"sync"
	"time"

	"github.com/alicebob/miniredis/v2"
)

// tickEvery is how often the embedded server's clock moves forward.
const tickEvery = 250 * time.Millisecond

// embedded is the in-process Redis used when no URL is given. Miniredis only expires keys when
// told time has passed, so a ticker fast-forwards it by the wall time elapsed since the last tick.
//
// It listens on loopback, where any process of the machine can connect, so it requires a password
// generated for this process, which only the store's own client knows.
type embedded struct {
	srv      *miniredis.Miniredis
	password string
	stop     chan struct{}
	done     sync.WaitGroup
}

func startEmbedded() (*embedded, error) {
	srv := miniredis.NewMiniRedis()
	password := rand.Text()
	srv.RequireAuth(password)
	if err := srv.StartAddr("127.0.0.1:0"); err != nil {
		return nil, fmt.Errorf("store: start embedded redis: %w", err)
	}
	e := &embedded{srv: srv, password: password, stop: make(chan struct{})}
	e.done.Add(1)
	go e.tick()
	return e, nil
}

func (e *embedded) addr() string { return e.srv.Addr() }

func (e *embedded) tick() {
	defer e.done.Done()
	t := time.NewTicker(tickEvery)
	defer t.Stop()
	last := time.Now()
	for {
		select {
		case <-e.stop:
			return
		case now := <-t.C:
			// The ticker's time is monotonic; a suspended process catches up on its next tick.
			if d := now.Sub(last); d > 0 {
				e.srv.FastForward(d)
				last = now
			}
		}
	}
}

func (e *embedded) close() {
	close(e.stop)
	e.done.Wait()
	e.srv.Close()
}
