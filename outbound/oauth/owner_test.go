package oauth

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/outflowhq/outflow/outbound"
	"github.com/outflowhq/outflow/outbound/apikeys"
	"github.com/outflowhq/outflow/store/storetest"
)

// fieldOf returns the fields a request error names (an *outbound.InvalidError).
func fieldOf(err error) []string {
	var (
		re  *outbound.InvalidError
		kre *outbound.InvalidError
		fs  []outbound.FieldError
	)
	switch {
	case errors.As(err, &re):
		fs = re.Fields
	case errors.As(err, &kre):
		fs = kre.Fields
	}
	var out []string
	for _, f := range fs {
		out = append(out, f.Field)
	}
	return out
}

// Ids that could not be listed or deleted again (huge, or with NUL, CR or LF) are refused by
// every call of the Go API with an error naming the field, and nothing is written.
func TestEveryCallRefusesBadIds(t *testing.T) {
	t.Parallel()
	f := setupVault(t)
	ctx := context.Background()
	keys := apikeys.NewAPIKeys(f.apps)
	huge := strings.Repeat("u", 1<<20)
	bad := []struct {
		name  string
		owner outbound.Owner
		ext   string
		field string
	}{
		{"a 1 MB user id", outbound.Owner{UserID: huge}, "", "userId"},
		{"a user id with NUL", outbound.Owner{UserID: "ada\x00root"}, "", "userId"},
		{"a tenant id with CR LF", outbound.Owner{UserID: "ada", TenantID: "acme\r\nx"}, "", "tenantId"},
		{"a tenant owner with LF", outbound.Owner{TenantID: "acme\n"}, "", "tenantId"},
		{"an external id with LF", alice, "work\nhome", "externalId"},
	}
	for _, tt := range bad {
		calls := map[string]func() error{
			"Connect": func() error {
				_, err := f.v.Connect(ctx, ConnectRequest{AppID: "crm", Owner: tt.owner, ExternalID: tt.ext})
				return err
			},
			"Import": func() error {
				_, err := f.v.Import(ctx, ImportRequest{AppID: "crm", Owner: tt.owner, ExternalID: tt.ext, AccessToken: "AT-imported"})
				return err
			},
			"Fetch": func() error {
				_, _, err := f.v.Fetch(ctx, FetchRequest{AppID: "crm", Owner: tt.owner, ExternalID: tt.ext})
				return err
			},
		}
		if tt.ext == "" {
			calls["List"] = func() error { _, err := f.v.List(ctx, tt.owner, "crm"); return err }
			calls["Disconnect"] = func() error {
				_, err := f.v.Disconnect(ctx, DisconnectRequest{AppID: "crm", Owner: tt.owner})
				return err
			}
			calls["APIKeys.Put"] = func() error {
				_, err := keys.Put(ctx, apikeys.PutRequest{AppID: "crm", Owner: tt.owner, APIKey: outbound.NewSecret("sk-x")})
				return err
			}
			calls["APIKeys.List"] = func() error { _, err := keys.List(ctx, tt.owner); return err }
			calls["APIKeys.Delete"] = func() error { return keys.Delete(ctx, tt.owner, "crm") }
		}
		for name, call := range calls {
			err := call()
			if got := fieldOf(err); len(got) != 1 || got[0] != tt.field {
				t.Errorf("%s with %s: %.200v, want an error on %s", name, tt.name, err, tt.field)
			}
			if err != nil && strings.Contains(err.Error(), huge[:300]) {
				t.Errorf("%s with %s: the error repeats the id", name, tt.name)
			}
		}
	}
	for _, id := range []string{"ada\x00root", "acme\r\nx", "acme\n", "work\nhome", huge[:300]} {
		if hits := storetest.Find(t, f.s, id); len(hits) > 0 {
			t.Errorf("a refused id (%.20q) was written to %d Redis keys", id, len(hits))
		}
	}
}

// Malformed app and connection ids are request errors naming the field, not lookups.
func TestMalformedAppAndConnectionIdsAreRequestErrors(t *testing.T) {
	t.Parallel()
	f := setupVault(t)
	ctx := context.Background()
	keys := apikeys.NewAPIKeys(f.apps)
	_, err := f.v.Connect(ctx, ConnectRequest{AppID: "CRM\n" + strings.Repeat("x", 1000), Owner: alice})
	if got := fieldOf(err); len(got) != 1 || got[0] != "appId" {
		t.Errorf("Connect: %v, want an error on appId", err)
	}
	_, _, err = f.v.Fetch(ctx, FetchRequest{AppID: "crm", Owner: alice, ConnectionID: "cn_\x00" + strings.Repeat("x", 1000)})
	if got := fieldOf(err); len(got) != 1 || got[0] != "connectionId" {
		t.Errorf("Fetch: %v, want an error on connectionId", err)
	}
	if _, err := keys.Fetch(ctx, alice, "../crm"); !slicesEqual(fieldOf(err), []string{"appId"}) {
		t.Errorf("APIKeys.Fetch: %v, want an error on appId", err)
	}
}

func slicesEqual(a, b []string) bool { return strings.Join(a, "\x00") == strings.Join(b, "\x00") }
