package storetest

import (
	"net"
	"testing"
)

// Silent returns the address of a listener that accepts connections and never answers: a Redis
// that hangs. It closes when the test ends.
func Silent(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go func() { <-t.Context().Done(); c.Close() }()
		}
	}()
	return l.Addr().String()
}
