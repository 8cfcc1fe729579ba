package apps

import (
	"bytes"
	"encoding/base64"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strings"
	"time"
)

// categories are the template library's categories; a template has one or more of them.
var categories = []string{
	"crm", "sales", "support", "marketing", "email", "calendar", "storage", "chat", "video",
	"dev-tools", "infrastructure", "productivity", "project-management", "design", "forms",
	"accounting", "payments", "e-commerce", "e-signature", "hr", "analytics", "ai",
}

// Categories returns the template library's categories; a template has one or more of them. The
// slice is the caller's own.
func Categories() []string { return slices.Clone(categories) }

// Sources are the documentation a template's facts come from, and when they were checked.
type Sources struct {
	// Checked is the date (YYYY-MM-DD) the facts were last checked against the sources.
	Checked string `json:"checked" yaml:"checked"`
	// Endpoints document the authorization, token and revocation URLs (oauth2), or the key's
	// base URL and the probe endpoint (apikey).
	Endpoints []string `json:"endpoints,omitempty" yaml:"endpoints,omitempty"`
	// Scopes is the provider's scope list (oauth2 templates with scopes).
	Scopes []string `json:"scopes,omitempty" yaml:"scopes,omitempty"`
	// Refresh documents refresh, expiry and rotation (oauth2).
	Refresh []string `json:"refresh,omitempty" yaml:"refresh,omitempty"`
	// Keys documents where the key goes: header, prefix, query or basic (apikey).
	Keys []string `json:"keys,omitempty" yaml:"keys,omitempty"`
	// API documents the API bases.
	API []string `json:"api,omitempty" yaml:"api,omitempty"`
}

// lists names each list of links with its field name.
func (s *Sources) lists() []struct {
	field string
	links []string
} {
	return []struct {
		field string
		links []string
	}{
		{"endpoints", s.Endpoints}, {"scopes", s.Scopes}, {"refresh", s.Refresh},
		{"keys", s.Keys}, {"api", s.API},
	}
}

func (s *Sources) clone() Sources {
	out := *s
	out.Endpoints = slices.Clone(s.Endpoints)
	out.Scopes = slices.Clone(s.Scopes)
	out.Refresh = slices.Clone(s.Refresh)
	out.Keys = slices.Clone(s.Keys)
	out.API = slices.Clone(s.API)
	return out
}

var keywordRE = regexp.MustCompile(`^[a-z0-9][a-z0-9 .+&'-]{0,39}$`)

const maxKeywords = 30

// validateMeta checks the catalog metadata: categories, keywords and sources, as far as they
// are given (CheckComplete says whether enough is given).
func (t *Template) validateMeta(p *Problems) {
	for i, c := range t.Categories {
		at := fmt.Sprintf("categories[%d]", i)
		switch {
		case !slices.Contains(categories, c):
			p.Add(at, "%q is not a category; use one of %s", c, strings.Join(categories, ", "))
		case slices.Index(t.Categories, c) != i:
			p.Add(at, "is listed twice")
		}
	}
	if len(t.Keywords) > maxKeywords {
		p.Add("keywords", "lists more than %d keywords", maxKeywords)
	}
	for i, k := range t.Keywords {
		at := fmt.Sprintf("keywords[%d]", i)
		switch {
		case !keywordRE.MatchString(k):
			p.Add(at, "must be a lower-case search word (letters, digits, space, . + & ' -), at most 40 characters")
		case slices.Index(t.Keywords, k) != i:
			p.Add(at, "is listed twice")
		}
	}
	s := &t.Sources
	if s.Checked != "" {
		if _, err := time.Parse(time.DateOnly, s.Checked); err != nil {
			p.Add("sources.checked", "must be a date such as 2026-12-07")
		}
	}
	for _, l := range s.lists() {
		for i, link := range l.links {
			at := fmt.Sprintf("sources.%s[%d]", l.field, i)
			checkDocLinkField(p, at, link)
			if link == "" {
				p.Add(at, "must not be empty")
			}
		}
	}
}

// CheckComplete reports what a catalog template lacks beyond validity: a logo, at least one
// category and keyword, at least one API base, and the sources its kind needs (the checked date;
// endpoints; for oauth2 refresh, and scopes when it lists scopes; for apikey keys; api for its
// API bases). It returns nil or an *outbound.InvalidError.
func (t Template) CheckComplete() error {
	var p Problems
	if t.Logo == "" {
		p.Add("logo", "required: draw catalog/logos/%s.svg", t.ID)
	}
	if len(t.Categories) == 0 {
		p.Add("categories", "required: one or more of %s", strings.Join(categories, ", "))
	}
	if len(t.Keywords) == 0 {
		p.Add("keywords", "required: at least one lower-case search word besides the name")
	}
	if len(t.APIBaseURLs) == 0 {
		p.Add("apiBaseUrls", "required: the API origins a credential may be sent to")
	}
	s := t.Sources
	need := func(field string, links []string, why string) {
		if len(links) == 0 {
			p.Add("sources."+field, "required: %s", why)
		}
	}
	need("checked", strings.Fields(s.Checked), "the date the facts were checked (YYYY-MM-DD)")
	switch t.Kind {
	case KindOAuth2:
		need("endpoints", s.Endpoints, "docs for the authorization, token and revocation URLs")
		need("refresh", s.Refresh, "docs for refresh, expiry and rotation")
		if len(t.Scopes) > 0 {
			need("scopes", s.Scopes, "the provider's scope list")
		}
	case KindAPIKey:
		need("endpoints", s.Endpoints, "docs for the key's base URL and the probe endpoint")
		need("keys", s.Keys, "docs for where the key goes (header, prefix, query or basic)")
	}
	need("api", s.API, "docs for the API bases")
	return p.Err()
}

// maxLogoFile bounds a catalog logo file.
const maxLogoFile = 16 << 10

// logoDataURI checks a catalog logo (an SVG document whose root is <svg> with a non-empty
// <title>) and returns it as a data:image/svg+xml;base64 URI, the form an app's logo takes.
func logoDataURI(svg []byte) (string, error) {
	if len(svg) > maxLogoFile {
		return "", fmt.Errorf("logo is larger than %d KiB; draw a simple one", maxLogoFile>>10)
	}
	if bytes.Contains(bytes.ToLower(svg), []byte("<script")) || bytes.Contains(svg, []byte("href")) {
		return "", errors.New("logo must not hold scripts or links")
	}
	dec := xml.NewDecoder(bytes.NewReader(svg))
	depth, title, root := 0, "", ""
	inTitle := false
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return "", fmt.Errorf("logo is not well-formed XML: %w", err)
		}
		switch el := tok.(type) {
		case xml.StartElement:
			if depth == 0 {
				root = el.Name.Local
			}
			inTitle = depth == 1 && el.Name.Local == "title"
			depth++
		case xml.EndElement:
			depth--
			inTitle = false
		case xml.CharData:
			if inTitle {
				title += string(el)
			}
		}
	}
	switch {
	case root != "svg":
		return "", errors.New("logo's root element must be <svg>")
	case strings.TrimSpace(title) == "":
		return "", errors.New("logo needs a <title> naming the provider, as the first level below <svg>")
	}
	return "data:image/svg+xml;base64," + base64.StdEncoding.EncodeToString(svg), nil
}
