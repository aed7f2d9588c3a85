package config

import (
	"os"
	"strings"
	"testing"
)

// FuzzParse checks that no input makes parse panic, that every failure has
// a message, and that whatever parses also validates.
func FuzzParse(f *testing.F) {
	if data, err := os.ReadFile("../../config.example.yaml"); err == nil {
		f.Add(data)
	}
	for _, s := range []string{
		"",
		"# only a comment\n",
		"databse: x\n",
		"telegram:\n  send:\n    rate: fast\n",
		"telegram: {mode: webhook, webhook: {url: 'https://x.org/h', secret: abc}}",
		"organisers: [1, -2, bob, 99999999999999999999]",
		"flows: {dir: '${DIR:-/x}$$${NOPE'}",
		"a: &a [*a]\ntelegram: &t {send: *t}\n",
		"telegram: &t {webhook: *t, send: *t}",
		"log: {<<: {level: info}}",
		"? [a]\n: b\n",
		"--- 1\n--- 2\n",
		"log:\n\tlevel: x\n",
		"timezone: !!binary aGVsbG8=\n",
		"telegram: {poll_timeout: 9223372036854775807ns}",
	} {
		f.Add([]byte(s))
	}
	lookup := env("DIR", "/srv", "TELEGRAM_BOT_TOKEN", "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw")
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := parse("fuzz.yaml", data, lookup)
		if err != nil {
			if err.Error() == "" {
				t.Fatal("got an error with no message")
			}
			if strings.Contains(err.Error(), "AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw") {
				t.Fatalf("error shows the token: %v", err)
			}
			return
		}
		if err := c.Validate(); err != nil {
			t.Fatalf("parsed config fails Validate: %v", err)
		}
	})
}
