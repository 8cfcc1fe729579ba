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
	"time"

	"github.com/outflowhq/outflow/engine"
	"github.com/outflowhq/outflow/store"
)

// linkPathPrefix is where one-time links point: GET /flows/link/{token} shows a Continue button,
// POST uses the link.
const linkPathPrefix = "/flows/link/"

// linkJSON is the one-time link of a started execution.
type linkJSON struct {
	// URL opens the execution's hosted pages in a browser, once.
	URL       string    `json:"url"`
	ExpiresAt time.Time `json:"expiresAt"`
}

// linkRecord is what a link points at, kept in Redis under the hash of its token.
type linkRecord struct {
	ExecutionID string `json:"executionId"`
}

// newLink makes a single-use link to an execution, valid for LinkTTL (and never past the
// execution's expiry). Only the SHA-256 of its token is stored. An execution that finished at
// once gets a link too: it shows its finished page, or sends the browser to its redirect URL.
// It returns nil when the execution has too little time left.
func (s *Server) newLink(ctx context.Context, r *http.Request, resp *engine.Response) (*linkJSON, error) {
	now := s.clock.Now().UTC()
	ttl := min(s.opts.LinkTTL, resp.ExpiresAt.Sub(now))
	if ttl < time.Second {
		return nil, nil
	}
	token := rand.Text()
	data, err := json.Marshal(linkRecord{ExecutionID: resp.ExecutionID})
	if err != nil {
		return nil, err
	}
	if err := s.opts.Store.PutOnce(ctx, s.linkKey(token), data, ttl); err != nil {
		return nil, fmt.Errorf("keep the link of execution %q: %w", resp.ExecutionID, err)
	}
	return &linkJSON{URL: s.publicURL(r) + linkPathPrefix + token, ExpiresAt: now.Add(ttl).Truncate(time.Second)}, nil
}

func (s *Server) linkKey(token string) string {
	h := sha256.Sum256([]byte(token))
	return s.opts.Store.Keys().BrowserLink(hex.EncodeToString(h[:]))
}

// showLink is GET /flows/link/{token}: a page with a Continue button that posts back. Fetching a
// link (a mail scanner, a chat preview) therefore never uses it up.
func (s *Server) showLink(w http.ResponseWriter, r *http.Request) {
	token := r.PathValue("token")
	if len(token) < 20 || len(token) > 64 {
		s.failPage(w, r, errLinkMalformed)
		return
	}
	key := s.linkKey(token)
	if _, err := s.opts.Store.Peek(r.Context(), key); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			err = errLinkUsed
		}
		s.failPage(w, r, err)
		return
	}
	s.renderContinue(w, r, key, "Continue in your browser", "Press Continue to open the next step here.")
}

// renderContinue shows the Continue page of the single-use value under key.
func (s *Server) renderContinue(w http.ResponseWriter, r *http.Request, key, title, text string) {
	expires := ""
	if ttl, err := s.opts.Store.TTL(r.Context(), key); err == nil && ttl > 0 {
		expires = s.clock.Now().Add(ttl).UTC().Format("15:04 MST")
	}
	w.Header().Set("Referrer-Policy", "no-referrer")
	s.renderPage(w, http.StatusOK, "continue", continueView{Title: title, Text: text, Action: r.URL.Path, ExpiresAt: expires})
}

// openLink is POST /flows/link/{token}: it uses up the link, gives the browser its cookie when it
// has none, binds the execution to that browser and sends it to the execution's page.
func (s *Server) openLink(w http.ResponseWriter, r *http.Request) {
	s.useLink(w, r, r.PathValue("token"))
}

// useLink uses up a link in the browser of request r and sends it on.
func (s *Server) useLink(w http.ResponseWriter, r *http.Request, token string) {
	if len(token) < 20 || len(token) > 64 {
		s.failPage(w, r, errLinkMalformed)
		return
	}
	data, err := s.opts.Store.TakeOnce(r.Context(), s.linkKey(token))
	if errors.Is(err, store.ErrNotFound) {
		s.failPage(w, r, errLinkUsed)
		return
	}
	if err != nil {
		s.failPage(w, r, err)
		return
	}
	var rec linkRecord
	if err := json.Unmarshal(data, &rec); err != nil || rec.ExecutionID == "" {
		s.failPage(w, r, fmt.Errorf("read link: %w", errors.Join(err, errors.New("no execution"))))
		return
	}
	cookie := s.ensureCookie(w, r)
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
	http.Redirect(w, r, runPath(rec.ExecutionID), http.StatusSeeOther)
}
