package oauth

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"time"

	"github.com/outflowhq/outflow/internal/tracing"
	"github.com/outflowhq/outflow/outbound/apps"
)

// userInfoTimeout bounds the user-info request of a consent (less, when ProviderTimeout is).
const userInfoTimeout = 5 * time.Second

// maxSubjectLen bounds a provider account id taken from user-info.
const maxSubjectLen = 256

// userInfoSubject asks the app's user-info endpoint whose account the access token is, and
// returns its "sub", else its "id" (a string or a number): the provider's id of the account,
// which tells an owner's several accounts apart. It is best effort: any failure gives "" and a
// log line, never a failed consent.
func (v *Vault) userInfoSubject(ctx context.Context, app *apps.App, accessToken string) string {
	ctx, cancel := context.WithTimeout(ctx, min(v.vo.ProviderTimeout, userInfoTimeout))
	defer cancel()
	fail := func(why string) string {
		v.log.WarnContext(ctx, "outbound: user-info unavailable; the connection has no account id", "app", app.ID, "reason", why)
		return ""
	}
	req, err := http.NewRequestWithContext(tracing.WithCall(ctx, "oauth.userinfo"), http.MethodGet, app.UserInfoURL, nil)
	if err != nil {
		return fail("invalid userInfoUrl")
	}
	req.Header.Set("Authorization", "Bearer "+accessToken)
	req.Header.Set("Accept", "application/json")
	resp, err := v.client.Do(req)
	if err != nil {
		return fail(oneLine(scrub(err.Error(), accessToken), 200))
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fail("http " + resp.Status)
	}
	dec := json.NewDecoder(io.LimitReader(resp.Body, 1<<20))
	dec.UseNumber()
	var info map[string]any
	if err := dec.Decode(&info); err != nil {
		return fail("the answer is not a JSON object")
	}
	for _, k := range []string{"sub", "id"} {
		var id string
		switch x := info[k].(type) {
		case string:
			id = x
		case json.Number:
			id = x.String()
		}
		if id != "" && len(id) <= maxSubjectLen {
			return id
		}
	}
	return fail("the answer has neither sub nor id")
}
