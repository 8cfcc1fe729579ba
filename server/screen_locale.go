package server

import (
	"net/http"
	"slices"

	"github.com/outflowhq/outflow/actions"
	"github.com/outflowhq/outflow/actions/screentext"
	"github.com/outflowhq/outflow/engine"
)

// localized returns the screen of resp in lang: its flow's message keys (t:<key>) read from the
// catalogs of its flow, and the texts of built-in screens (actions.BuiltinText) from package
// screentext.
func (s *Server) localized(resp *engine.Response, lang string) *actions.Screen {
	sc := resp.Screen
	if sc == nil {
		return nil
	}
	var flowText func(string, string) string
	if f, ok := s.opts.Engine.Flow(resp.FlowID); ok && f.Messages != nil {
		flowText = f.Messages.Text
	}
	lang = pageCatalog.inLang(lang).Lang
	t := func(v string) string { return screentext.Text(lang, v, flowText) }
	out := *sc
	out.Title, out.Text = t(sc.Title), t(sc.Text)
	out.Fields = slices.Clone(sc.Fields)
	for i := range out.Fields {
		fd := &out.Fields[i]
		fd.Label, fd.Hint, fd.Placeholder, fd.PatternMessage = t(fd.Label), t(fd.Hint), t(fd.Placeholder), t(fd.PatternMessage)
		fd.Options = slices.Clone(fd.Options)
		for j := range fd.Options {
			fd.Options[j].Label, fd.Options[j].Description = t(fd.Options[j].Label), t(fd.Options[j].Description)
		}
	}
	out.Buttons = slices.Clone(sc.Buttons)
	for i := range out.Buttons {
		out.Buttons[i].Label = t(out.Buttons[i].Label)
	}
	out.Messages = slices.Clone(sc.Messages)
	for i := range out.Messages {
		out.Messages[i].Text = t(out.Messages[i].Text)
	}
	return &out
}

// inLanguage reads the message keys of an execution's screen in the language of r (the flow's
// locale input, else ?locale=, else Accept-Language), for the JSON answers.
func (s *Server) inLanguage(r *http.Request, resp *engine.Response) {
	if resp != nil {
		resp.Screen = s.localized(resp, localeOf(r, resp.Locale).Lang)
	}
}
