package storetest

import (
	"io"
	"net"
	"sync"
	"sync/atomic"
	"testing"
)

// Pausable returns the address of a TCP proxy to the Redis at addr, and a function that pauses
// it: from then on the proxy passes nothing on in either direction and keeps every connection
// open, as a Redis stopped with SIGSTOP does. The proxy closes when the test ends.
func Pausable(t testing.TB, addr string) (proxy string, pause func()) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &pausable{upstream: addr, stop: make(chan struct{})}
	t.Cleanup(func() {
		l.Close()
		p.close()
	})
	go p.serve(l)
	return l.Addr().String(), func() { p.paused.Store(true) }
}

type pausable struct {
	upstream string
	paused   atomic.Bool
	stop     chan struct{}
	once     sync.Once
	mu       sync.Mutex
	conns    []net.Conn
}

func (p *pausable) serve(l net.Listener) {
	for {
		c, err := l.Accept()
		if err != nil {
			return
		}
		up, err := net.Dial("tcp", p.upstream)
		if err != nil {
			c.Close()
			continue
		}
		p.mu.Lock()
		p.conns = append(p.conns, c, up)
		p.mu.Unlock()
		go p.pipe(up, c)
		go p.pipe(c, up)
	}
}

// pipe copies from src to dst until the proxy pauses, then holds both ends open, silent, until
// the proxy closes.
func (p *pausable) pipe(dst io.Writer, src io.Reader) {
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		if p.paused.Load() {
			<-p.stop
			return
		}
		if n > 0 {
			if _, werr := dst.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

func (p *pausable) close() {
	p.once.Do(func() { close(p.stop) })
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range p.conns {
		c.Close()
	}
}
