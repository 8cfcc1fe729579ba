package server

import (
	"encoding/json"
	"net/url"
	"testing"

	"github.com/outflowhq/outflow/actions"
)

func TestFormInput(t *testing.T) {
	t.Parallel()
	sc := &actions.Screen{Fields: []actions.Field{
		{Name: "name", Type: actions.FieldText},
		{Name: "seats", Type: actions.FieldNumber},
		{Name: "terms", Type: actions.FieldCheckbox},
		{Name: "news", Type: actions.FieldCheckbox},
		{Name: "topics", Type: actions.FieldMultiSelect},
		{Name: "plan", Type: actions.FieldSelect},
		{Name: "key", Type: actions.FieldText, Secret: true},
	}}
	for _, tc := range []struct {
		form string
		want string
	}{
		{"", `{"news":false,"terms":false,"topics":[]}`},
		{"name=Ada&seats=12&terms=true&topics=a&topics=b&plan=pro&key=+sk+&other=x",
			`{"key":" sk ","name":"Ada","news":false,"plan":"pro","seats":"12","terms":true,"topics":["a","b"]}`},
		{"terms=false&news=on&topics=", `{"news":true,"terms":false,"topics":[]}`},
	} {
		form, _ := url.ParseQuery(tc.form)
		got, _ := json.Marshal(formInput(sc, form))
		if string(got) != tc.want {
			t.Errorf("%q: %s, want %s", tc.form, got, tc.want)
		}
	}
}

func TestScreenViewTiesMessagesToFields(t *testing.T) {
	t.Parallel()
	sc := &actions.Screen{
		Title: "Key", App: &actions.AppBadge{ID: "x", Name: "acme", Logo: "http://insecure.example.com/logo.png"},
		Fields: []actions.Field{
			{Name: "org", Type: actions.FieldText, Label: "Org", Hint: "Your org", Value: "acme"},
			{Name: "key", Type: actions.FieldText, Label: "Key", Secret: true, Value: "leaked"},
		},
		Messages: []actions.Message{
			{Level: actions.LevelError, Field: "key", Text: "Bad key."},
			{Level: actions.LevelWarning, Text: "Two attempts left."},
			{Level: actions.LevelError, Field: "gone", Text: "A field the screen lacks."},
		},
		Buttons: []actions.Button{{ID: "save", Label: "Save"}, {ID: "cancel", Label: "Cancel", Kind: actions.ButtonSecondary, NoValidate: true}},
	}
	v := newScreenView(sc, "/flows/run/x", "csrf", "nonce", "step")
	org, key := v.Fields[0], v.Fields[1]
	switch {
	case org.Error != "" || org.Autofocus || org.DescribedBy != "f0-org-hint" || org.Value != "acme":
		t.Errorf("org: %+v", org)
	case key.Kind != "password" || key.Value != "" || key.Error != "Bad key." || !key.Autofocus || key.DescribedBy != "f1-key-error":
		t.Errorf("key: %+v", key)
	case len(v.Messages) != 2 || v.Messages[0].Text != "Two attempts left." || v.Messages[1].Text != "A field the screen lacks.":
		t.Errorf("messages above the fields: %+v", v.Messages)
	case v.App.Logo != "" || v.App.Initial != "A":
		t.Errorf("an http logo must not load; the initial stands in: %+v", v.App)
	case v.Buttons[0].Kind != "primary" || !v.Buttons[1].NoValidate:
		t.Errorf("buttons: %+v", v.Buttons)
	}
}
