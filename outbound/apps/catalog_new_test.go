package apps

import (
	"encoding/xml"
	"math"
	"strconv"
	"strings"
	"testing"
)

// newTemplateIDs are the templates added with the grown catalog; each must be complete (logo,
// categories, keywords, API bases and sources for every kind of fact it states).
var newTemplateIDs = []string{
	"activecampaign", "adobe-acrobat-sign", "aircall", "attio", "bamboohr", "bigcommerce", "braze",
	"brevo", "brex", "chargebee", "close", "constant-contact", "copper", "customer-io", "deel",
	"dropbox-sign", "freshbooks", "freshdesk", "front", "gong", "gorgias", "gusto", "help-scout",
	"klaviyo", "microsoft-dynamics-365", "mixpanel", "netsuite", "outreach", "pagerduty", "paddle",
	"pandadoc", "ramp", "recurly", "ringcentral", "sage-accounting", "salesloft", "servicenow",
	"square", "surveymonkey", "typeform", "woocommerce", "zoho-crm",
}

func TestCatalogNewTemplatesAreComplete(t *testing.T) {
	t.Parallel()
	c := loadTestCatalog(t)
	for _, id := range newTemplateIDs {
		tmpl, ok := c.Get(id)
		if !ok {
			t.Errorf("%s missing from the catalog", id)
			continue
		}
		if err := tmpl.CheckComplete(); err != nil {
			t.Errorf("%s: %v", id, err)
		}
		if tmpl.Sources.Checked != "2026-12-07" {
			t.Errorf("%s: sources.checked %q", id, tmpl.Sources.Checked)
		}
		for _, q := range tmpl.Quirks {
			if !strings.HasSuffix(q, ".") || strings.ToUpper(q[:1]) != q[:1] {
				t.Errorf("%s: quirk %q is not a full sentence", id, q)
			}
		}
	}
}

// The new logos are the drawn monogram: a 64x64 rounded square in the brand colour whose
// initials contrast with it at 4.5:1 or more (WCAG AA for text), titled with the provider.
func TestCatalogNewLogosAreAccessibleMonograms(t *testing.T) {
	t.Parallel()
	for _, id := range newTemplateIDs {
		data, err := catalogFS.ReadFile("catalog/logos/" + id + ".svg")
		if err != nil {
			t.Errorf("%s: %v", id, err)
			continue
		}
		var svg struct {
			ViewBox string `xml:"viewBox,attr"`
			Title   string `xml:"title"`
			Rect    struct {
				Fill string `xml:"fill,attr"`
			} `xml:"rect"`
			Text struct {
				Fill  string `xml:"fill,attr"`
				Value string `xml:",chardata"`
			} `xml:"text"`
		}
		if err := xml.Unmarshal(data, &svg); err != nil {
			t.Errorf("%s: %v", id, err)
			continue
		}
		tmpl := mustTemplate(t, id)
		switch {
		case svg.ViewBox != "0 0 64 64":
			t.Errorf("%s: viewBox %q", id, svg.ViewBox)
		case svg.Title != tmpl.Name:
			t.Errorf("%s: title %q, want %q", id, svg.Title, tmpl.Name)
		case strings.TrimSpace(svg.Text.Value) == "":
			t.Errorf("%s: no initials", id)
		}
		if r := contrastRatio(t, svg.Rect.Fill, svg.Text.Fill); r < 4.5 {
			t.Errorf("%s: initials %s on %s contrast %.2f:1, want at least 4.5:1", id, svg.Text.Fill, svg.Rect.Fill, r)
		}
	}
}

func mustTemplate(t *testing.T, id string) Template {
	t.Helper()
	c := loadTestCatalog(t)
	tmpl, ok := c.Get(id)
	if !ok {
		t.Fatalf("%s missing", id)
	}
	return tmpl
}

// contrastRatio is the WCAG 2.1 contrast ratio of two #rrggbb colours.
func contrastRatio(t *testing.T, a, b string) float64 {
	t.Helper()
	la, lb := relativeLuminance(t, a), relativeLuminance(t, b)
	return (math.Max(la, lb) + 0.05) / (math.Min(la, lb) + 0.05)
}

func relativeLuminance(t *testing.T, hex string) float64 {
	t.Helper()
	if len(hex) != 7 || hex[0] != '#' {
		t.Fatalf("colour %q is not #rrggbb", hex)
	}
	var lin [3]float64
	for i := range lin {
		v, err := strconv.ParseUint(hex[1+2*i:3+2*i], 16, 8)
		if err != nil {
			t.Fatalf("colour %q: %v", hex, err)
		}
		c := float64(v) / 255
		if c <= 0.03928 {
			lin[i] = c / 12.92
		} else {
			lin[i] = math.Pow((c+0.055)/1.055, 2.4)
		}
	}
	return 0.2126*lin[0] + 0.7152*lin[1] + 0.0722*lin[2]
}
