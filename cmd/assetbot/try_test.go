package main

import (
	"strings"
	"testing"
)

// TestTryLang checks that try --lang runs the conversation in that
// language, as Telegram's language_code would.
func TestTryLang(t *testing.T) {
	cfg := configFile(t, "log:\n  level: warn\n")
	tests := []struct {
		lang      string
		want, not []string
	}{
		{"cy", []string{"Helo alice! 👋", "• Sgiliau i'w rhannu: Coginio, Garddio", "• Ardal: LS6", "Mae'r cyfan wedi'i gadw."}, []string{"Hi alice", "Skills to share"}},
		{"cy-GB", []string{"Helo alice! 👋"}, []string{"Hi alice"}},
		{"fr", []string{"Hi alice! 👋", "That's all saved."}, []string{"Helo"}},
	}
	for _, tt := range tests {
		t.Run(tt.lang, func(t *testing.T) {
			stdout, stderr, err := invoke(t, residentScript, "--config", cfg, "try", "--user", "alice", "--db", t.TempDir()+"/try.db", "--lang", tt.lang)
			if err != nil {
				t.Fatalf("try --lang %s: %v\n%s", tt.lang, err, stderr)
			}
			for _, want := range tt.want {
				if !strings.Contains(stdout, want) {
					t.Errorf("output lacks %q:\n%s", want, stdout)
				}
			}
			for _, not := range tt.not {
				if strings.Contains(stdout, not) {
					t.Errorf("output holds %q:\n%s", not, stdout)
				}
			}
		})
	}
}
