package search

import (
	"strings"
	"testing"
)

// FuzzMayHaveStem checks that mayHaveStem never rules out a stem a text
// has: every stem of every word of text, and of text with its case
// changed, is one it may have.
func FuzzMayHaveStem(f *testing.F) {
	for _, s := range []string{
		"Party time", "parties", "days out", "O'Brien's bikes", "Fish & chips", "GARDENING club", "Café crème",
		"Tŷ Cerdd", "dancing, singing; classes", "taxi", "bye-bye eyes", "Men`s shed", "1st aid", "кафе", "",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		for _, variant := range []string{text, strings.ToUpper(text), strings.ToLower(text)} {
			for _, s := range stems(variant) {
				if !mayHaveStem(variant, s) {
					t.Errorf("mayHaveStem(%q, %q) = false; stems(%[1]q) = %q", variant, s, stems(variant))
				}
			}
		}
	})
}

// TestMayHaveStemRulesOut checks that mayHaveStem rules out plain text
// without the stem's start, which is what saves a search its work.
func TestMayHaveStemRulesOut(t *testing.T) {
	for _, tt := range []struct {
		text, stem string
		want       bool
	}{
		{"some words about head", "cook", false},
		{"Cooking and baking", "cook", true},
		{"A PARTY", "parti", true},
		{"apart", "parti", true}, // holds "part": may, though it has not
		{"café", "cook", true},   // not ASCII: may
		{"rock & roll", "and", true},
		{"it's", "its", true},
		{"", "cook", false},
	} {
		if got := mayHaveStem(tt.text, tt.stem); got != tt.want {
			t.Errorf("mayHaveStem(%q, %q) = %v; want %v", tt.text, tt.stem, got, tt.want)
		}
	}
}
