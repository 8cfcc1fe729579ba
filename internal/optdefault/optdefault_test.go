package optdefault

import (
	"testing"
	"time"
)

func TestFill(t *testing.T) {
	t.Parallel()
	d := time.Duration(0)
	if p := Fill(&d, 30*time.Second); p != "" || d != 30*time.Second {
		t.Errorf("zero duration: %q %s", p, d)
	}
	d = time.Second
	if p := Fill(&d, 30*time.Second); p != "" || d != time.Second {
		t.Errorf("set duration: %q %s", p, d)
	}
	d = -time.Minute
	if p := Fill(&d, 30*time.Second); p != "is -1m0s; use a positive duration, or 0 for the default (30s)" || d != -time.Minute {
		t.Errorf("negative duration: %q %s", p, d)
	}
	n := int64(-1)
	if p := Fill(&n, 1<<20); p != "is -1; use a positive number, or 0 for the default (1048576)" {
		t.Errorf("negative number: %q", p)
	}
	i := 0
	if p := Fill(&i, 64); p != "" || i != 64 {
		t.Errorf("zero number: %q %d", p, i)
	}
}
