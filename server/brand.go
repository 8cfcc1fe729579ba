package server

import (
	"fmt"
	"html/template"
	"math"
	"net/url"
	"regexp"
	"strconv"
	"strings"
)

// Brand is how the hosted pages look for a server or a tenant: the product's name, logo, primary
// colour, colour scheme and support link, applied to every page through CSS custom properties.
type Brand struct {
	// ProductName replaces "Outflow" in the pages' footer.
	ProductName string
	// LogoURL is an https: or data:image/ URL of the product's logo, shown in the footer.
	LogoURL string
	// PrimaryColor is the colour of the primary buttons, as #rrggbb; PrimaryTextColor the colour
	// of their text (default #ffffff). New refuses a pair whose contrast is under WCAG AA (4.5:1).
	PrimaryColor     string
	PrimaryTextColor string
	// PrimaryColorDark and PrimaryTextColorDark replace them in the dark colour scheme (default:
	// the same as in the light one); New checks their contrast the same way.
	PrimaryColorDark     string
	PrimaryTextColorDark string
	// Scheme is the pages' colour scheme: SchemeAuto ("" too) follows the browser's setting,
	// SchemeLight and SchemeDark force one. New checks the colours of every scheme that can show.
	Scheme string
	// SupportURL is an https: or mailto: link the footer offers for help.
	SupportURL string
}

// Colour schemes of the hosted pages.
const (
	SchemeAuto  = "auto"
	SchemeLight = "light"
	SchemeDark  = "dark"
)

// schemes returns the colour schemes the pages can show in: both unless Scheme forces one.
func (b Brand) schemes() []string {
	switch b.Scheme {
	case SchemeLight, SchemeDark:
		return []string{b.Scheme}
	}
	return []string{SchemeLight, SchemeDark}
}

// primary returns the primary colour and its text colour in scheme ("" when none is set), and
// the names of the fields they come from.
func (b Brand) primary(scheme string) (bg, fg, bgField, fgField string) {
	bg, fg, bgField, fgField = b.PrimaryColor, b.textColor(), "PrimaryColor", "PrimaryTextColor"
	if scheme == SchemeDark && b.PrimaryColorDark != "" {
		bg, bgField = b.PrimaryColorDark, "PrimaryColorDark"
	}
	if scheme == SchemeDark && b.PrimaryTextColorDark != "" {
		fg, fgField = b.PrimaryTextColorDark, "PrimaryTextColorDark"
	}
	if bg == "" {
		return "", "", "", ""
	}
	return bg, fg, bgField, fgField
}

var hexColor = regexp.MustCompile(`^#[0-9a-fA-F]{6}$`)

// validate checks a brand; field names the brand in errors ("Brand", "TenantBrands[acme]").
func (b Brand) validate(field string) error {
	bad := func(f, reason string) error { return &OptionsError{Field: field + "." + f, Reason: reason} }
	switch b.Scheme {
	case "", SchemeAuto, SchemeLight, SchemeDark:
	default:
		return bad("Scheme", fmt.Sprintf("must be auto, light or dark, got %q", b.Scheme))
	}
	if b.Scheme == SchemeLight && (b.PrimaryColorDark != "" || b.PrimaryTextColorDark != "") {
		return bad("PrimaryColorDark", "the pages are always light (Scheme: light): leave the dark colours out, or set Scheme to auto or dark")
	}
	if b.PrimaryColor == "" && (b.PrimaryColorDark != "" || b.PrimaryTextColorDark != "") {
		return bad("PrimaryColor", "is needed with PrimaryColorDark: the dark colours replace it in the dark scheme")
	}
	for _, scheme := range b.schemes() {
		if err := b.validatePrimary(scheme, bad); err != nil {
			return err
		}
	}
	if b.LogoURL != "" && !strings.HasPrefix(b.LogoURL, "https://") && !strings.HasPrefix(b.LogoURL, "data:image/") {
		return bad("LogoURL", "must be an https: or data:image/ URL")
	}
	if b.SupportURL != "" {
		u, err := url.Parse(b.SupportURL)
		if err != nil || (u.Scheme != "https" && u.Scheme != "mailto") {
			return bad("SupportURL", "must be an https: or mailto: URL")
		}
	}
	return nil
}

// validatePrimary checks the primary colours of scheme: both #rrggbb, their contrast WCAG AA.
func (b Brand) validatePrimary(scheme string, bad func(f, reason string) error) error {
	bg, fg, bgField, fgField := b.primary(scheme)
	if bg == "" {
		return nil
	}
	if !hexColor.MatchString(bg) {
		return bad(bgField, fmt.Sprintf("must be a colour as #rrggbb, got %q", bg))
	}
	if !hexColor.MatchString(fg) {
		return bad(fgField, fmt.Sprintf("must be a colour as #rrggbb, got %q", fg))
	}
	if ratio := contrast(bg, fg); ratio < 4.5 {
		best, _ := textOn(bg)
		return bad(bgField, fmt.Sprintf("in the %s colour scheme, text in %s on %s has a contrast of %.2f:1; WCAG AA needs 4.5:1 (set %s to %s, or pick another colour)", scheme, fg, bg, ratio, fgField, best))
	}
	return nil
}

func (b Brand) textColor() string {
	if b.PrimaryTextColor == "" {
		return "#ffffff"
	}
	return b.PrimaryTextColor
}

// contrast is the WCAG contrast ratio of two colours (#rrggbb).
func contrast(a, b string) float64 {
	la, lb := luminance(a), luminance(b)
	return (max(la, lb) + 0.05) / (min(la, lb) + 0.05)
}

// textOn returns the text colour (white or black) that contrasts more on the background bg
// (#rrggbb), and that contrast.
func textOn(bg string) (string, float64) {
	l := luminance(bg)
	white, black := (1.05)/(l+0.05), (l+0.05)/0.05
	if white >= black {
		return "#ffffff", white
	}
	return "#000000", black
}

// luminance is the relative luminance of #rrggbb (WCAG 2.1).
func luminance(hex string) float64 {
	var c [3]float64
	for i := range c {
		v, _ := strconv.ParseUint(hex[1+2*i:3+2*i], 16, 8)
		s := float64(v) / 255
		if s <= 0.04045 {
			c[i] = s / 12.92
		} else {
			c[i] = math.Pow((s+0.055)/1.055, 2.4)
		}
	}
	return 0.2126*c[0] + 0.7152*c[1] + 0.0722*c[2]
}

// brandView is what the layout renders of a brand. The primary colour fills the primary buttons
// (--brand, with --brand-fg on it); links and focus rings keep the page's own colours, which
// contrast with its background in both colour schemes.
type brandView struct {
	Name, Logo, Support string
	// CSS sets the custom properties of the primary colour (colours checked as #rrggbb); CSSDark
	// those of the dark scheme, when they differ.
	CSS, CSSDark template.CSS
	// Scheme is "light" or "dark" when the brand forces one (<html data-scheme>); "" follows the
	// browser.
	Scheme string
}

// brandFor returns the brand of a tenant's pages: its own, else the server's.
func (s *Server) brandFor(tenantID string) *brandView {
	b, ok := s.opts.TenantBrands[tenantID]
	if tenantID == "" || !ok {
		b = s.opts.Brand
	}
	if b == (Brand{}) {
		return nil
	}
	v := &brandView{Name: b.ProductName, Logo: b.LogoURL, Support: b.SupportURL}
	if b.Scheme == SchemeLight || b.Scheme == SchemeDark {
		v.Scheme = b.Scheme
	}
	css := func(scheme string) template.CSS {
		bg, fg, _, _ := b.primary(scheme)
		if bg == "" {
			return ""
		}
		return template.CSS(fmt.Sprintf("--brand: %s; --brand-fg: %s;", bg, fg)) // #nosec: both matched ^#[0-9a-f]{6}$ in validate
	}
	v.CSS = css(SchemeLight)
	if dark := css(SchemeDark); dark != v.CSS {
		v.CSSDark = dark
	}
	return v
}
