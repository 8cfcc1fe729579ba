package engine_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/outflowhq/outflow/actions"
	"github.com/outflowhq/outflow/engine"
	"github.com/outflowhq/outflow/outbound"
	"github.com/outflowhq/outflow/store/storetest"
)

// A subject whose ids could not be stored and found again (1 MB, NUL, CR or LF) is refused at
// start with an input error naming the field; no execution is created.
func TestStartRefusesSubjectsWithBadIds(t *testing.T) {
	t.Parallel()
	b := setup(t, storetest.New(t))
	b.add(t, b.engine, "choose-plan.yaml", examplePlanFlow(t))
	for _, tt := range []struct {
		subject actions.Subject
		field   string
	}{
		{actions.Subject{UserID: strings.Repeat("u", 1<<20)}, "userId"},
		{actions.Subject{UserID: "ada\x00"}, "userId"},
		{actions.Subject{UserID: "ada", TenantID: "acme\r\n"}, "tenantId"},
	} {
		r, err := b.engine.Start(context.Background(), "choose-plan", engine.StartRequest{Subject: tt.subject})
		var ie *outbound.InvalidError
		if !errors.As(err, &ie) || len(ie.Fields) != 1 || ie.Messages()[tt.field] == "" {
			t.Errorf("start for %.30q: %v, %.200v; want an input error on %s", tt.subject, r, err, tt.field)
		}
	}
	if r := mustStart(t, b.engine, "choose-plan", nil); r.Status != engine.StatusWaiting {
		t.Errorf("a start without a subject: %s", r.Status)
	}
}
