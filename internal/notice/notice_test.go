package notice_test

import (
	"flag"
	"os"
	"strings"
	"testing"

	"github.com/assetbot/assetbot/flows"
	"github.com/assetbot/assetbot/internal/config"
	"github.com/assetbot/assetbot/internal/flow"
	"github.com/assetbot/assetbot/internal/notice"
)

var update = flag.Bool("update", false, "rewrite the README's Privacy section from the bot's texts")

// readme is the README whose Privacy section is the English notice.
const readme = "../../README.md"

// The markers around the generated notice in the README.
const (
	begin = "<!-- privacy-notice:begin -->\n"
	end   = "<!-- privacy-notice:end -->"
)

func resident(t *testing.T) *flow.Flow {
	t.Helper()
	fl, problems := flow.LoadFS(flows.FS, ".")
	if problems != nil {
		t.Fatal(problems)
	}
	return fl["resident"]
}

// TestREADMEPrivacy fails when the README's Privacy section and the texts
// the bot uses have drifted apart. Run it with -update to rewrite the
// section from the texts.
func TestREADMEPrivacy(t *testing.T) {
	want := notice.Privacy(resident(t), "en", config.Default().Privacy)
	data, err := os.ReadFile(readme)
	if err != nil {
		t.Fatal(err)
	}
	text := string(data)
	before, rest, ok := strings.Cut(text, begin)
	got, after, ok2 := strings.Cut(rest, end)
	if !ok || !ok2 {
		t.Fatalf("%s has no %q ... %q section", readme, strings.TrimSpace(begin), end)
	}
	if got == want {
		return
	}
	if *update {
		if err := os.WriteFile(readme, []byte(before+begin+want+end+after), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	t.Errorf("the README's Privacy section differs from the bot's texts; run go test ./internal/notice -update (or assetbot privacy-notice) and review the diff.\ngot:\n%s\nwant:\n%s", got, want)
}

func TestPrivacy(t *testing.T) {
	f := resident(t)
	tests := []struct {
		lang   string
		minAge int
		want   []string
	}{
		{"en", 16, []string{
			"**On the map**: needed to take part.",
			"> First, what I keep and who sees it:\n>\n> - your first name, your answers and the area you live in (never your address)\n> - only the volunteer",
			"> This map is for people aged 16 and over. Is that OK with you?",
			"You answer with a button: “Yes, and I'm 16 or over” · “No” · “I'm under 16”",
			"**Contact from organisers**: up to you.",
			"**Shown to neighbours**: up to you.",
			"They see your first name and your answers to “Skills to share”, “An offer”; nothing else",
			"You need to be 16 or over.",
			"deleted after 90 days.",
			"deleted 365 days later, after one message warning you",
			"- /privacy shows each of the choices above",
			"- /mydata sends you everything",
			"- /delete erases everything",
		}},
		{"en", 18, []string{"aged 18 and over", "“I'm under 18”", "You need to be 18 or over."}},
		{"cy", 16, []string{"**Ar y map**: mae ei angen i gymryd rhan.", "a'ch atebion i “Sgiliau i'w rhannu”, “Cynnig”;", "“Rwy o dan 16 oed”", "- Mae /mydata yn anfon popeth"}},
	}
	for _, tt := range tests {
		p := config.Default().Privacy
		p.MinAge = tt.minAge
		got := notice.Privacy(f, tt.lang, p)
		for _, w := range tt.want {
			if !strings.Contains(got, w) {
				t.Errorf("%s, %d: notice lacks %q:\n%s", tt.lang, tt.minAge, w, got)
			}
		}
		if strings.Contains(got, "{") {
			t.Errorf("%s: a placeholder left in the notice:\n%s", tt.lang, got)
		}
	}
}
