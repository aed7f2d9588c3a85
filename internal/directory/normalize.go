package directory

import (
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// latinFolds maps a lower-case Latin letter with a diacritic (or a ligature)
// to the plain letters people type when their keyboard lacks it, so that
// "Cafe" finds "Café" and "Ty Cerdd" finds "Tŷ Cerdd".
var latinFolds = buildFolds(map[string]string{
	"a":  "àáâãäåāăąǎȁȃȧạảấầẩẫậắằẳẵặ",
	"ae": "æǣǽ",
	"c":  "çćĉċč",
	"d":  "ďđð",
	"e":  "èéêëēĕėęěȅȇẹẻẽếềểễệ",
	"g":  "ĝğġģǧ",
	"h":  "ĥħ",
	"i":  "ìíîïĩīĭįıǐȉȋịỉ",
	"j":  "ĵ",
	"k":  "ķǩ",
	"l":  "ĺļľŀł",
	"n":  "ñńņňŉ",
	"o":  "òóôõöøōŏőǒȍȏọỏốồổỗộơớờởỡợ",
	"oe": "œ",
	"r":  "ŕŗř",
	"s":  "śŝşšș",
	"ss": "ß",
	"t":  "ţťŧț",
	"th": "þ",
	"u":  "ùúûüũūŭůűųǔưứừửữựụủ",
	"w":  "ŵẁẃẅ",
	"y":  "ýÿŷỳỹỷỵ",
	"z":  "źżž",
})

// buildFolds inverts plain → accented letters into a per-rune table.
func buildFolds(plain map[string]string) map[rune]string {
	folds := make(map[rune]string)
	for to, from := range plain {
		for _, r := range from {
			folds[r] = to
		}
	}
	return folds
}

// isOptionalMark reports whether r is a mark that writers may or may not
// type without changing the word: combining accents (a decomposed "é"),
// Arabic short vowels and tatweel, Hebrew points. Marks that are part of
// the spelling in other scripts (Devanagari vowel signs, say) are kept.
func isOptionalMark(r rune) bool {
	switch {
	case r >= 0x0300 && r <= 0x036F: // combining diacritical marks
		return true
	case r >= 0x064B && r <= 0x065F, r == 0x0670, r == 0x0640: // Arabic harakat, superscript alef, tatweel
		return true
	case r >= 0x0591 && r <= 0x05C7 && r != 0x05BE && r != 0x05C0 && r != 0x05C3 && r != 0x05C6: // Hebrew points, not punctuation
		return true
	}
	return false
}

// isApostrophe reports whether r joins the letters on either side rather
// than separating words: "Men's Shed" is searched as "mens shed", and
// "O'Brien" as "obrien", not "o brien".
func isApostrophe(r rune) bool {
	switch r {
	case '\'', '’', 'ʼ', '`', '‘':
		return true
	}
	return false
}

// Normalize folds a name for comparison: lower case (Unicode), letters and
// digits only with single spaces between words, common Latin diacritics
// folded (é→e, â→a, ŵ→w, ŷ→y, ü→u, ß→ss, ...), "&" read as "and". Emoji
// and punctuation vanish; scripts such as Arabic, Hebrew, Cyrillic, CJK are
// kept.
func Normalize(name string) string {
	s, _ := normalize(name, -1)
	return s
}

// normalize is Normalize stopping after maxRunes runes of output (no limit
// if negative), so that a huge input costs no more than its first words.
// It reports whether anything was cut off.
func normalize(name string, maxRunes int) (string, bool) {
	w := newWordWriter(len(name), maxRunes)
	for _, r := range name {
		r = unicode.ToLower(r)
		// Only letters beyond ASCII fold; nearly every rune is ASCII, and
		// the table costs half of a search's folding.
		if r >= utf8.RuneSelf {
			if fold, ok := latinFolds[r]; ok {
				w.writeLetters(fold)
				continue
			}
		}
		switch {
		case r == '&':
			w.endWord()
			w.writeLetters("and")
			w.endWord()
		case isApostrophe(r), isOptionalMark(r):
		case unicode.IsLetter(r), unicode.IsDigit(r), unicode.Is(unicode.M, r):
			w.writeRune(r)
		default:
			w.endWord()
		}
		if w.full {
			break
		}
	}
	return w.b.String(), w.full
}

// wordWriter builds a normalised name: words separated by single spaces,
// no space at either end, at most max runes (no limit if negative).
type wordWriter struct {
	b       strings.Builder
	runes   int
	max     int
	pending bool // a word has ended and another may follow
	full    bool // a rune did not fit
}

func newWordWriter(inputLen, maxRunes int) *wordWriter {
	w := &wordWriter{max: maxRunes}
	if maxRunes >= 0 {
		inputLen = min(inputLen, maxRunes*utf8.UTFMax)
	}
	w.b.Grow(inputLen)
	return w
}

func (w *wordWriter) endWord() {
	if w.runes > 0 {
		w.pending = true
	}
}

func (w *wordWriter) writeLetters(s string) {
	for _, r := range s {
		w.writeRune(r)
	}
}

func (w *wordWriter) writeRune(r rune) {
	if w.full {
		return
	}
	need := 1
	if w.pending {
		need = 2
	}
	if w.max >= 0 && w.runes+need > w.max {
		w.full = true
		return
	}
	if w.pending {
		w.b.WriteByte(' ')
		w.pending = false
	}
	w.b.WriteRune(r)
	w.runes += need
}

// ukPostcode matches a normalised, upper-cased UK postcode ("LS6 2AB",
// "LS62AB") or postcode district ("LS6"), capturing the outward code.
var ukPostcode = regexp.MustCompile(`^([A-Z]{1,2}[0-9][A-Z0-9]?)(?: ?[0-9][A-Z]{2})?$`)

// NormalizeArea folds an area for comparison: a UK postcode or postcode
// district ("LS6 2AB", "ls6") becomes its outward code upper case ("LS6");
// anything else is Normalize(text). Two addresses in one district are then
// treated as possibly the same place, which is what "is this the one you
// mean?" needs.
func NormalizeArea(text string) string {
	n := Normalize(text)
	if m := ukPostcode.FindStringSubmatch(strings.ToUpper(n)); m != nil {
		return m[1]
	}
	return n
}
