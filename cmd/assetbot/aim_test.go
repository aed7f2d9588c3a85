package main

import (
	"strings"
	"testing"

	"github.com/assetbot/assetbot/internal/config"
)

// TestCheckAim checks aim.options against the shipped flows.
func TestCheckAim(t *testing.T) {
	fl, problems, _ := flowSource("")
	if problems != nil {
		t.Fatal(problems)
	}
	tests := []struct {
		name    string
		options []string
		want    string // "" for no error
	}{
		{"none", nil, ""},
		{"known options", []string{"sport", "young_people"}, ""},
		{"a typo", []string{"sport", "young_peeple"}, `aim.options[1]: no flow has an option "young_peeple" (did you mean "young_people"?)`},
		{"nothing like it", []string{"zzzzzz"}, `aim.options[0]: no flow has an option "zzzzzz"` + "\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := checkAim(config.Aim{Text: "An aim", Options: tt.options}, fl)
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("got %v; want no error", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error()+"\n", tt.want)):
				t.Errorf("got %v; want an error with %q", err, tt.want)
			}
		})
	}
}

// TestAimRefusedAtStart: a command that loads the flows refuses an aim
// naming an option they do not have.
func TestAimRefusedAtStart(t *testing.T) {
	cfg := configFile(t, "aim:\n  text: Sport for girls\n  options: [sprot]\n")
	_, _, err := invoke(t, "", "--config", cfg, "export", "--format", "csv", "--out", t.TempDir()+"/x.csv")
	if err == nil || !strings.Contains(err.Error(), `aim.options[0]: no flow has an option "sprot" (did you mean "sport"?)`) {
		t.Errorf("got %v; want the unknown aim option named", err)
	}
}
