package actions_test

import (
	"strings"
	"testing"

	"github.com/outflowhq/outflow/actions"
)

func TestCheckID(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		id   string
		want string // part of the message; "" means accepted
	}{
		{"ada", ""},
		{"user@example.com", ""},
		{"Zoë Ünïcødé 用户 🙂", ""},
		{strings.Repeat("é", actions.MaxIDLen), ""},
		{"", "empty"},
		{strings.Repeat("a", actions.MaxIDLen+1), "longer than 256"},
		{strings.Repeat("a", 1<<20), "longer than 256"},
		{"a\x00b", "control"},
		{"a\r\nb", "control"},
		{"tab\there", "control"},
		{"c1\u0085", "control"},
		{"bad\xffutf8", "UTF-8"},
	} {
		got := actions.CheckID(tt.id)
		if (tt.want == "") != (got == "") || !strings.Contains(got, tt.want) {
			t.Errorf("CheckID(%.40q) = %q, want %q", tt.id, got, tt.want)
		}
	}
}

func TestSubjectProblemsNameTheField(t *testing.T) {
	t.Parallel()
	if p := (actions.Subject{}).Problems(); p != nil {
		t.Errorf("empty subject: %v", p)
	}
	p := actions.Subject{UserID: "a\nb", TenantID: strings.Repeat("t", 300)}.Problems()
	if len(p) != 2 || !strings.Contains(p["userId"], "control") || !strings.Contains(p["tenantId"], "longer") {
		t.Errorf("problems %v, want userId and tenantId", p)
	}
}
