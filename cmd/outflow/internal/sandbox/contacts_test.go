package sandbox

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

func TestContactsListsTheTokenOwnersAddressBook(t *testing.T) {
	t.Parallel()
	f := setup(t, Config{Decision: DecisionApprove, Subject: "margaret"})
	tok := f.connect(t)
	resp := f.get(t, f.p.ContactsURL(), tok.AccessToken)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /api/contacts: %d", resp.StatusCode)
	}
	var got contactList
	if err := json.NewDecoder(resp.Body).Decode(&got); err != nil {
		t.Fatal(err)
	}
	if got.Subject != "margaret" || len(got.Contacts) != 3 || got.Contacts[0].Name != "Ada Lovelace" {
		t.Errorf("GET /api/contacts = %+v", got)
	}
	if !strings.HasPrefix(f.p.ContactsURL(), f.p.APIBaseURL()+"/") {
		t.Errorf("ContactsURL %s is not under APIBaseURL %s", f.p.ContactsURL(), f.p.APIBaseURL())
	}
}

func TestContactsRefusesMissingTokensAndScopes(t *testing.T) {
	t.Parallel()
	f := setup(t, Config{Decision: DecisionApprove})
	if resp := f.get(t, f.p.ContactsURL(), ""); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("no token: %d, want 401", resp.StatusCode)
	}
	if resp := f.get(t, f.p.ContactsURL(), "not-a-token"); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("unknown token: %d, want 401", resp.StatusCode)
	}
	f.conf.Scopes = []string{"openid", "offline"}
	tok := f.connect(t)
	resp := f.get(t, f.p.ContactsURL(), tok.AccessToken)
	if resp.StatusCode != http.StatusForbidden || !strings.Contains(resp.Header.Get("WWW-Authenticate"), "insufficient_scope") {
		t.Errorf("a token without contacts.read: %d %q, want 403 insufficient_scope", resp.StatusCode, resp.Header.Get("WWW-Authenticate"))
	}
}
