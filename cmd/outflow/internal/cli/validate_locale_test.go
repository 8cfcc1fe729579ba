package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// validate reports what is wrong inside a message catalog at its file:line:col: a key given
// twice, a message that is not text, YAML that does not parse.
func TestValidateReportsCatalogErrorsWhereTheyAre(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for name, src := range map[string]string{
		"hello.yaml":      "id: hello\nsteps:\n  done:\n    end: {title: t:welcome.title}\n",
		"locales/en.yaml": "welcome:\n  title: Hello\n",
		"locales/de.yaml": "welcome:\n  title: Hallo\n  title: Doppelt\ntags: [a, b]\n",
		"locales/fr.yaml": "welcome:\n  title: \"Bonjour\n",
	} {
		if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, name)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	code, out, errOut := runCLI(t, nil, "validate", dir)
	all := out + errOut
	for _, want := range []string{
		filepath.Join(dir, "locales", "de.yaml") + `:3:3: duplicate message key "welcome.title"`,
		filepath.Join(dir, "locales", "de.yaml") + `:4:7: message "tags" must be text`,
		filepath.Join(dir, "locales", "fr.yaml") + `:2:`,
	} {
		if !strings.Contains(all, want) {
			t.Errorf("validate: want %q in\n%s", want, all)
		}
	}
	if code != 1 {
		t.Errorf("exit code %d, want 1", code)
	}
}
