package oauth

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/outflowhq/outflow/outbound/apps"
)

// userInfoServer answers GET /userinfo with whatever body is set, after checking the bearer
// token.
type userInfoServer struct {
	srv *httptest.Server

	mu     sync.Mutex
	status int
	body   string
	tokens []string
}

func newUserInfoServer(t *testing.T) *userInfoServer {
	u := &userInfoServer{status: 200}
	u.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u.mu.Lock()
		defer u.mu.Unlock()
		u.tokens = append(u.tokens, strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer "))
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(u.status)
		_, _ = w.Write([]byte(u.body))
	}))
	t.Cleanup(u.srv.Close)
	return u
}

func (u *userInfoServer) answer(status int, body string) {
	u.mu.Lock()
	u.status, u.body = status, body
	u.mu.Unlock()
}

// Without an ID token, the app's user-info endpoint names the provider account (its sub, else
// its id, a string or a number), and that tells an owner's accounts apart.
func TestUserInfoTellsAccountsApart(t *testing.T) {
	t.Parallel()
	ui := newUserInfoServer(t)
	f := setupVault(t, func(p *apps.AppPatch) { p.UserInfoURL = ptr(ui.srv.URL + "/userinfo") })

	ui.answer(200, `{"sub":"acct-1","name":"Alice at work"}`)
	work := f.connect(t, alice, "")
	ui.answer(200, `{"id":987654321012,"login":"alice-home"}`)
	home := f.connect(t, alice, "")
	ui.answer(200, `{"id":"acct-1"}`)
	workAgain := f.connect(t, alice, "")

	if work.Connection.Subject != "acct-1" || home.Connection.Subject != "987654321012" {
		t.Errorf("subjects %q and %q, want acct-1 and 987654321012", work.Connection.Subject, home.Connection.Subject)
	}
	if work.ConnectionID == home.ConnectionID || workAgain.ConnectionID != work.ConnectionID || !workAgain.Reconnected {
		t.Errorf("work %s, home %s, work again %s: want two accounts, the first reconnected", work.ConnectionID, home.ConnectionID, workAgain.ConnectionID)
	}
	issued := f.p.issuedTokens()
	ui.mu.Lock()
	sent := append([]string(nil), ui.tokens...)
	ui.mu.Unlock()
	for _, tok := range sent {
		if !strings.HasPrefix(tok, "AT-") || !strings.Contains(strings.Join(issued, " "), tok) {
			t.Errorf("user-info was called with %q, not the access token just issued", tok)
		}
	}

	// User-info is best effort: when it fails, the consent still connects.
	for _, answer := range []struct {
		status int
		body   string
	}{{500, `{"error":"oops"}`}, {200, `not json`}, {200, `{"name":"no id"}`}} {
		ui.answer(answer.status, answer.body)
		res := f.connect(t, acme, "", "contacts.write")
		if res.Connection.Subject != "" {
			t.Errorf("user-info %d %s: subject %q", answer.status, answer.body, res.Connection.Subject)
		}
	}
}
