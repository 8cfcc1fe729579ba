package server

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/outflowhq/outflow/engine"
	"github.com/outflowhq/outflow/store"
)

// linkPathPrefix is where one-time links point: GET /flows/link/{token} shows a Continue button,
// POST uses the link.
const linkPathPrefix = "/flows/link/"

// linkFormLimit bounds the body of a Continue press (a CSRF token).
const linkFormLimit = 4096

// linkJSON is the one-time link of a started execution.
type linkJSON struct {
	// URL opens the execution's hosted pages in a browser, once.
	URL       string    `json:"url"`
	ExpiresAt time.Time `json:"expiresAt"`
}

// linkRecord is what a link points at, kept in Redis under the hash of its token.
type linkRecord struct {
	ExecutionID string `json:"executionId"`
	// FlowID names the flow on the Continue page.
	FlowID string `json:"flowId,omitempty"`
}

// newLink makes a single-use link to an execution, valid for LinkTTL (and never past the
// execution's expiry). Only the SHA-256 of its token is stored. A waiting execution's link is
// deleted when it finishes. An execution that finished at once gets a link too: it shows its
// finished page, or sends the browser to its redirect URL.
// It returns nil when the execution has too little time left.
func (s *Server) newLink(ctx context.Context, r *http.Request, resp *engine.Response) (*linkJSON, error) {
	now := s.clock.Now().UTC()
	ttl := min(s.opts.LinkTTL, resp.ExpiresAt.Sub(now))
	if ttl < time.Second {
		return nil, nil
	}
	token := rand.Text()
	data, err := json.Marshal(linkRecord{ExecutionID: resp.ExecutionID, FlowID: resp.FlowID})
	if err != nil {
		return nil, err
	}
	if resp.Status == engine.StatusWaiting {
		// The execution keeps the link's hash, and deletes the link when it finishes.
		err = s.opts.Store.PutExecutionLink(ctx, resp.ExecutionID, tokenHash(token), data, ttl)
	} else {
		err = s.opts.Store.PutOnce(ctx, s.linkKey(token), data, ttl)
	}
	if err != nil {
		return nil, fmt.Errorf("keep the link of execution %q: %w", resp.ExecutionID, err)
	}
	return &linkJSON{URL: s.publicURL(r) + linkPathPrefix + token, ExpiresAt: now.Add(ttl).Truncate(time.Second)}, nil
}

func (s *Server) linkKey(token string) string {
	return s.opts.Store.Keys().BrowserLink(tokenHash(token))
}

// tokenHash is the hex SHA-256 of a link's token: its key in Redis, and what its Continue
// page's CSRF token is made for.
func tokenHash(token string) string {
	h := sha256.Sum256([]byte(token))
	return hex.EncodeToString(h[:])
}

// wellFormedToken reports whether token can be a link's token.
func wellFormedToken(token string) bool { return len(token) >= 20 && len(token) <= 64 }

// linkToken returns the token of a link route, or answers the malformed-link page.
func (s *Server) linkToken(w http.ResponseWriter, r *http.Request) (string, bool) {
	token := r.PathValue("token")
	if !wellFormedToken(token) {
		s.failPage(w, r, errLinkMalformed)
		return "", false
	}
	return token, true
}

// readLink reads the record of a link at key: only looking (Peek), or using it up (TakeOnce). A
// link that is gone gets the used-link page, as does any other failure its own page.
func (s *Server) readLink(w http.ResponseWriter, r *http.Request, key string, useUp bool) ([]byte, bool) {
	read := s.opts.Store.Peek
	if useUp {
		read = s.opts.Store.TakeOnce
	}
	data, err := read(r.Context(), key)
	if errors.Is(err, store.ErrNotFound) {
		err = errLinkUsed
	}
	if err != nil {
		s.failPage(w, r, err)
		return nil, false
	}
	return data, true
}

// showLink is GET /flows/link/{token}: a page that says which flow it continues, with a
// Continue button that posts back. Fetching a link (a mail scanner, a chat preview) therefore
// never uses it up. The page gives the browser its cookie, and its form a CSRF token made from
// that cookie and the link: another site cannot make this browser press Continue.
func (s *Server) showLink(w http.ResponseWriter, r *http.Request) {
	token, ok := s.linkToken(w, r)
	if !ok {
		return
	}
	key := s.linkKey(token)
	data, ok := s.readLink(w, r, key, false)
	if !ok {
		return
	}
	loc := localeOf(r, "")
	v := continueView{Title: loc.T("link.title"), Text: loc.T("link.text")}
	var rec linkRecord
	if json.Unmarshal(data, &rec) == nil && rec.FlowID != "" {
		if f, ok := s.opts.Engine.Flow(rec.FlowID); ok {
			v.Flow = &continueFlow{Name: flowName(f), Description: strings.TrimSpace(f.Description)}
		}
	}
	if v.Flow == nil {
		v.Text = loc.T("link.text_step")
	}
	s.renderContinue(w, r, key, "link:"+tokenHash(token), linkPathPrefix+url.PathEscape(token), v)
}

// renderContinue shows the Continue page v of the single-use value under key, whose form posts
// to path with a CSRF token for purpose.
func (s *Server) renderContinue(w http.ResponseWriter, r *http.Request, key, purpose, path string, v continueView) {
	if ttl, err := s.opts.Store.TTL(r.Context(), key); err == nil && ttl > 0 {
		v.ExpiresAt = localeOf(r, "").Time(s.clock.Now().Add(ttl).UTC())
	}
	v.Action = s.path(path)
	v.CSRF = s.csrfToken(s.ensureCookie(w, r), purpose)
	// The page's URL holds the link's token: it is never sent to another site. (same-origin, not
	// no-referrer, so that the Continue press carries the page's Origin.)
	w.Header().Set("Referrer-Policy", "same-origin")
	s.renderPage(w, r, http.StatusOK, "continue", v)
}

// openLink is POST /flows/link/{token}, the Continue press: with the CSRF token of the link's
// page, from the browser that was shown it, it uses up the link, binds the execution to that
// browser and sends it to the execution's page.
func (s *Server) openLink(w http.ResponseWriter, r *http.Request) {
	token, ok := s.linkToken(w, r)
	if !ok {
		return
	}
	cookie, ok := s.readForm(w, r, linkFormLimit, "link:"+tokenHash(token))
	if !ok {
		return
	}
	s.useLink(w, r, token, cookie)
}

// useLink uses up a link in the browser of request r, whose cookie is given, and sends it on.
func (s *Server) useLink(w http.ResponseWriter, r *http.Request, token, cookie string) {
	data, ok := s.readLink(w, r, s.linkKey(token), true)
	if !ok {
		return
	}
	var rec linkRecord
	if err := json.Unmarshal(data, &rec); err != nil {
		s.failPage(w, r, fmt.Errorf("server: read link: %w", err))
		return
	}
	if rec.ExecutionID == "" {
		s.failPage(w, r, errors.New("server: read link: it names no execution"))
		return
	}
	resp, err := s.opts.Engine.Bind(r.Context(), rec.ExecutionID, bindingOf(cookie))
	if err != nil {
		s.failPage(w, r, err)
		return
	}
	w.Header().Set("Referrer-Policy", "no-referrer")
	if resp.Status == engine.StatusWaiting && resp.Redirect != nil && resp.Redirect.URL != "" {
		// A flow that starts with a redirect (an OAuth consent) goes there at once.
		http.Redirect(w, r, resp.Redirect.URL, http.StatusSeeOther)
		return
	}
	http.Redirect(w, r, s.runPath(rec.ExecutionID), http.StatusSeeOther)
}
