package engine

import (
	"strings"

	"github.com/outflowhq/outflow/actions"
)

// minScrubbed is the shortest secret scrubbing looks for: shorter ones would hit ordinary words.
const minScrubbed = 4

// scrub replaces every secret submitted in this request wherever a flow could have copied it:
// step outputs, the flow output, the screens it shows and the events it writes. The loader already
// refuses flows that copy secret fields into values; this is the second line.
func (t *transition) scrub() {
	var secrets []string
	for _, s := range t.secrets {
		if len(s) >= minScrubbed {
			secrets = append(secrets, s)
		}
	}
	if len(secrets) == 0 {
		return
	}
	r := scrubber(secrets)
	rec := t.rec
	for _, res := range rec.Results {
		if out, ok := res["output"]; ok {
			res["output"] = r.value(out)
		}
	}
	if rec.Output != nil {
		rec.Output = r.value(rec.Output).(map[string]any)
	}
	if rec.Pause != nil {
		r.screen(rec.Pause.Screen)
	}
	if rec.Finish != nil {
		r.screen(rec.Finish.Screen)
	}
	if rec.Error != nil {
		rec.Error.Message = r.str(rec.Error.Message)
	}
	for i := range t.events {
		if ev := &t.events[i]; ev.payload != nil {
			data, err := payloadData(ev.payload)
			if err != nil {
				data = map[string]any{"dropped": "the event's data could not be stored"}
			}
			ev.payload, ev.Data = nil, data
		}
		if t.events[i].Data != nil {
			t.events[i].Data = r.value(t.events[i].Data).(map[string]any)
		}
	}
}

type scrubber []string

func (r scrubber) str(s string) string {
	for _, secret := range r {
		s = strings.ReplaceAll(s, secret, Redacted)
	}
	return s
}

func (r scrubber) value(v any) any {
	switch x := v.(type) {
	case string:
		return r.str(x)
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = r.value(e)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = r.value(e)
		}
		return out
	}
	return v
}

func (r scrubber) screen(s *actions.Screen) {
	if s == nil {
		return
	}
	s.Title, s.Text = r.str(s.Title), r.str(s.Text)
	for i := range s.Fields {
		f := &s.Fields[i]
		f.Label, f.Hint, f.Placeholder = r.str(f.Label), r.str(f.Hint), r.str(f.Placeholder)
		f.Value = r.value(f.Value)
	}
	for i := range s.Messages {
		s.Messages[i].Text = r.str(s.Messages[i].Text)
	}
	for i := range s.Buttons {
		s.Buttons[i].Label = r.str(s.Buttons[i].Label)
	}
}

// redacted returns output with the values of keys shown as Redacted, for the event log; output
// itself, which later steps read, is left as it is.
func redacted(output map[string]any, keys []string) map[string]any {
	if len(keys) == 0 || output == nil {
		return output
	}
	out := make(map[string]any, len(output))
	for k, v := range output {
		out[k] = v
	}
	for _, k := range keys {
		if _, ok := out[k]; ok {
			out[k] = Redacted
		}
	}
	return out
}
