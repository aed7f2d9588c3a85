package directory

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestNormalize(t *testing.T) {
	tests := []struct {
		in, want string
	}{
		{"Hyde Park Allotments", "hyde park allotments"},
		{"  Hyde   Park\tAllotments \n", "hyde park allotments"},
		{"HYDE-PARK (allotments)!", "hyde park allotments"},
		{"Café Nova", "cafe nova"},
		{"Cafe\u0301 Nova", "cafe nova"}, // é typed as e and a combining accent
		{"Tŷ Cerdd", "ty cerdd"},
		{"Neuadd Ŵyl", "neuadd wyl"},
		{"Über Straße", "uber strasse"},
		{"Łódź Æsir Œuvre Þing", "lodz aesir oeuvre thing"},
		{"Arts & Crafts", "arts and crafts"},
		{"Arts&Crafts", "arts and crafts"},
		{"St. Mary's Church", "st marys church"},
		{"St Mary’s Church", "st marys church"},
		{"O'Brien Hall", "obrien hall"},
		{"🌳 Tree Club 🌳", "tree club"},
		{"🌳🎉", ""},
		{"", ""},
		{"...", ""},
		{"مركز المجتمع", "مركز المجتمع"},
		{"مَرْكَز", "مركز"}, // short vowels are optional in Arabic
		{"בית הכנסת", "בית הכנסת"},
		{"בַּיִת", "בית"}, // so are Hebrew points
		{"Хор «Дружба»", "хор дружба"},
		{"東京 コミュニティ", "東京 コミュニティ"},
		{"नमस्ते", "नमस्ते"}, // Devanagari vowel signs are part of the spelling
		{"Unit 7, 12B", "unit 7 12b"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := Normalize(tt.in); got != tt.want {
				t.Errorf("got %q; want %q", got, tt.want)
			}
		})
	}
}

func TestNormalizeCap(t *testing.T) {
	tests := []struct {
		in      string
		max     int
		want    string
		wantCut bool
	}{
		{"hyde park", 9, "hyde park", false},
		{"hyde park", 8, "hyde par", true},
		{"hyde park", 5, "hyde", true}, // no space left dangling
		{"ß", 1, "s", true},            // as much of "ss" as fits
		{"x & y", 3, "x a", true},      // and of "and"
		{strings.Repeat("a", 10000), 64, strings.Repeat("a", 64), true},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			got, cut := normalize(tt.in, tt.max)
			if got != tt.want || cut != tt.wantCut {
				t.Errorf("got %q, %v; want %q, %v", got, cut, tt.want, tt.wantCut)
			}
		})
	}
}

func TestNormalizeArea(t *testing.T) {
	tests := []struct {
		in, want string
	}{
		{"LS6 2AB", "LS6"},
		{"ls6 2ab", "LS6"},
		{"LS62AB", "LS6"},
		{" ls6 ", "LS6"},
		{"LS6", "LS6"},
		{"SW1A 1AA", "SW1A"},
		{"M1 1AE", "M1"},
		{"CF10 1EP", "CF10"},
		{"cf10", "CF10"},
		{"LS6 2AB.", "LS6"},
		{"Hyde Park", "hyde park"},
		{"12 Cardigan Road, LS6 2AB", "12 cardigan road ls6 2ab"}, // an address, not a postcode
		{"Llandŵ", "llandw"},
		{"LS", "ls"},
		{"", ""},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := NormalizeArea(tt.in); got != tt.want {
				t.Errorf("got %q; want %q", got, tt.want)
			}
		})
	}
}

// FuzzNormalize checks what callers rely on: the result is normalised
// (normalising again changes nothing), has single spaces between words and
// none at the ends, and the capped form is the start of the full one.
func FuzzNormalize(f *testing.F) {
	for _, s := range []string{"Hyde Park", "Tŷ Cerdd & Café", "مَرْكَز", "🌳 x", "a\u0301", "İstanbul", "ǅ"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n := Normalize(s)
		if !utf8.ValidString(n) {
			t.Fatalf("Normalize(%q) = %q: not UTF-8", s, n)
		}
		if again := Normalize(n); again != n {
			t.Fatalf("Normalize(%q) = %q, but Normalize(%q) = %q", s, n, n, again)
		}
		if strings.HasPrefix(n, " ") || strings.HasSuffix(n, " ") || strings.Contains(n, "  ") {
			t.Fatalf("Normalize(%q) = %q: stray spaces", s, n)
		}
		const limit = 5
		capped, cut := normalize(s, limit)
		runes := []rune(n)
		want := strings.TrimRight(string(runes[:min(limit, len(runes))]), " ")
		if capped != want || cut != (len(runes) > limit) {
			t.Fatalf("normalize(%q, %d) = %q, %v; want %q, %v", s, limit, capped, cut, want, len(runes) > limit)
		}
	})
}

// TestFoldsBeyondASCII checks that every letter latinFolds folds is beyond
// ASCII, which normalize relies on to look up only those.
func TestFoldsBeyondASCII(t *testing.T) {
	for r := range latinFolds {
		if r < utf8.RuneSelf {
			t.Errorf("latinFolds folds %q, an ASCII letter: normalize never looks it up", r)
		}
	}
}
