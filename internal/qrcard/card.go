package qrcard

import (
	"fmt"
	"image"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/skip2/go-qrcode"
	"golang.org/x/image/font"
	"golang.org/x/image/font/gofont/gobold"
	"golang.org/x/image/font/gofont/goregular"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/math/fixed"
)

// Card geometry in pixels: A6 portrait (105 x 148 mm) at CardDPI.
const (
	// CardDPI is the print resolution the card is drawn for and records.
	CardDPI = 300
	// CardWidth and CardHeight are A6 at CardDPI: 105 mm and 148 mm.
	CardWidth  = 1240
	CardHeight = 1748

	// cardMargin is the blank border a printer or scissors may eat into.
	cardMargin = 100
	// cardTextWidth is the widest a line of text may be.
	cardTextWidth = CardWidth - 2*cardMargin
	// cardQRSize is the side of the square the code (quiet zone included)
	// is drawn in: about 8 cm printed, scannable from arm's length.
	cardQRSize = 960
	// cardQRTop centres the code vertically on the card.
	cardQRTop = (CardHeight - cardQRSize) / 2
	// cardGap is the space between the code and the lines under it, and
	// between those lines.
	cardGap = 24
)

// Text sizes in pixels (the faces are made at 72 dpi, where a point is a
// pixel).
const (
	invitationPx   = 64
	botNamePx      = 64
	firstNamePx    = 56
	fontDPI        = 72
	invitationRows = 3
)

// printLevel is the error correction for printed cards: high, so a card
// that is creased, smudged or rained on still scans.
const printLevel = qrcode.High

// ellipsis ends a line that was shortened to fit.
const ellipsis = "…"

// Card is a printable doorstep card: an invitation at the top, the QR code
// of Link in the middle, the bot's name and who gave the card under it.
type Card struct {
	// Link is the deep link the code opens; required.
	Link string
	// BotName is the bot's username (drawn as "@name") or display name;
	// empty leaves the line out.
	BotName string
	// Invitation is a short line asking the reader to take part; wrapped
	// to at most three lines and shortened with an ellipsis beyond that.
	// Empty leaves it out.
	Invitation string
	// FirstName is the volunteer's or resident's first name, drawn as
	// "From <FirstName>"; empty leaves the line out.
	FirstName string
}

// PNG draws the card as a white CardWidth x CardHeight PNG recording
// CardDPI, for printing at A6. Any UTF-8 text is accepted; a character the
// Go fonts lack prints as a box.
func (c Card) PNG() ([]byte, error) {
	modules, err := encode(c.Link, printLevel)
	if err != nil {
		return nil, err
	}
	faces, err := newCardFaces()
	if err != nil {
		return nil, err
	}
	defer faces.close()

	img := image.NewGray(image.Rect(0, 0, CardWidth, CardHeight))
	fillWhite(img)
	qrArea := image.Rect(0, cardQRTop, cardQRSize, cardQRTop+cardQRSize).Add(image.Pt((CardWidth-cardQRSize)/2, 0))
	drawModules(img, qrArea, modules)

	if inv := clean(c.Invitation); inv != "" {
		lines := wrap(faces.invitation, inv, fixed.I(cardTextWidth), invitationRows)
		m := faces.invitation.Metrics()
		block := m.Height.Mul(fixed.I(len(lines)))
		// Centre the block in the space between the top margin and the code.
		baseline := fixed.I(cardMargin) + (fixed.I(cardQRTop-cardMargin)-block)/2 + m.Ascent
		for _, line := range lines {
			drawCentred(img, faces.invitation, line, baseline)
			baseline += m.Height
		}
	}

	below := []struct {
		face font.Face
		text string
	}{
		{faces.botName, botLine(c.BotName)},
		{faces.firstName, fromLine(c.FirstName)},
	}
	top := fixed.I(cardQRTop + cardQRSize + cardGap)
	for _, l := range below {
		if l.text == "" {
			continue
		}
		m := l.face.Metrics()
		drawCentred(img, l.face, shorten(l.face, l.text, fixed.I(cardTextWidth)), top+m.Ascent)
		top += m.Height + fixed.I(cardGap)
	}

	data, err := encodePNG(img)
	if err != nil {
		return nil, err
	}
	return withDPI(data, CardDPI)
}

// botLine is the line naming the bot: "@name" for a Telegram username,
// else the name as given.
func botLine(name string) string {
	name = clean(name)
	if u := strings.TrimPrefix(name, "@"); isUsername(u) {
		return "@" + u
	}
	return name
}

// Telegram usernames are 5 to 32 characters of A-Za-z0-9_.
const (
	usernameMin = 5
	usernameMax = 32
)

// isUsername reports whether s looks like a Telegram username.
func isUsername(s string) bool {
	if len(s) < usernameMin || len(s) > usernameMax {
		return false
	}
	for _, r := range s {
		if r != '_' && (r > unicode.MaxASCII || !unicode.IsLetter(r) && !unicode.IsDigit(r)) {
			return false
		}
	}
	return true
}

// fromLine says who gave the card, or is empty without a name.
func fromLine(firstName string) string {
	if name := clean(firstName); name != "" {
		return "From " + name
	}
	return ""
}

// maxTextBytes bounds the text laid out for one field: far more than three
// lines can show, and it keeps a huge config value from costing seconds of
// measuring.
const maxTextBytes = 1024

// clean makes text safe to lay out: invalid UTF-8 becomes U+FFFD, control
// and format characters (newlines, bidi overrides, zero-width joiners)
// are dropped or turned into spaces, runs of spaces become one, and text
// beyond maxTextBytes is cut off and marked with an ellipsis.
func clean(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) || unicode.IsPrint(r) {
			return r
		}
		return -1
	}, s)
	s = strings.Join(strings.Fields(s), " ")
	if len(s) <= maxTextBytes {
		return s
	}
	end := maxTextBytes
	for !utf8.RuneStart(s[end]) {
		end--
	}
	return s[:end] + ellipsis
}

// wrap breaks text (already cleaned) into at most maxLines lines no wider
// than width, breaking inside a word only when the word alone is too wide.
// If text does not fit, the last line ends in an ellipsis.
func wrap(face font.Face, text string, width fixed.Int26_6, maxLines int) []string {
	var lines []string
	line := ""
	words := strings.Fields(text)
	// Stop one line past the limit: that is enough to know text overflows,
	// and keeps a huge input from being laid out in full.
	for len(words) > 0 && len(lines) <= maxLines {
		candidate := words[0]
		if line != "" {
			candidate = line + " " + words[0]
		}
		switch {
		case font.MeasureString(face, candidate) <= width:
			line, words = candidate, words[1:]
		case line != "":
			lines, line = append(lines, line), ""
		default: // a single word wider than the line
			n := fittingPrefix(face, words[0], "", width)
			lines = append(lines, words[0][:n])
			words[0] = words[0][n:]
		}
	}
	if line != "" {
		lines = append(lines, line)
	}
	if len(lines) > maxLines || len(words) > 0 {
		rest := lines[maxLines-1] + " " + strings.Join(append(lines[maxLines:], words...), " ")
		lines = lines[:maxLines]
		lines[maxLines-1] = withEllipsis(face, rest, width)
	}
	return lines
}

// shorten returns s if it fits in width, else its longest prefix that fits
// with an ellipsis after it.
func shorten(face font.Face, s string, width fixed.Int26_6) string {
	if font.MeasureString(face, s) <= width {
		return s
	}
	return withEllipsis(face, s, width)
}

// withEllipsis returns the longest prefix of s that fits in width with an
// ellipsis after it, marking that s goes on.
func withEllipsis(face font.Face, s string, width fixed.Int26_6) string {
	n := fittingPrefix(face, s, ellipsis, width)
	return strings.TrimRight(s[:n], " ") + ellipsis
}

// fittingPrefix returns the byte length of the longest prefix of s, cut at
// a rune boundary, that fits in width with suffix after it; at least one
// rune, so that text always makes progress however narrow the width.
func fittingPrefix(face font.Face, s, suffix string, width fixed.Int26_6) int {
	bounds := runeEnds(s)
	// Binary search: widths grow with the prefix, and measuring every
	// prefix of a long string would be quadratic.
	lo, hi := 0, len(bounds)-1
	for lo < hi {
		mid := (lo + hi + 1) / 2
		if font.MeasureString(face, s[:bounds[mid]]+suffix) <= width {
			lo = mid
		} else {
			hi = mid - 1
		}
	}
	return bounds[lo]
}

// runeEnds returns the byte offsets at which each rune of s ends.
func runeEnds(s string) []int {
	var ends []int
	for i := range s {
		if i > 0 {
			ends = append(ends, i)
		}
	}
	return append(ends, len(s))
}

// cardFaces are the sized fonts one card is drawn with. opentype faces keep
// a scratch buffer, so each PNG call makes its own and cards can be drawn
// concurrently.
type cardFaces struct {
	invitation, botName, firstName font.Face
}

// goFonts are the two Go fonts a card uses.
type goFonts struct {
	regular, bold *opentype.Font
}

// parseGoFonts parses the Go fonts once: parsed fonts are read-only and
// safe to share.
var parseGoFonts = sync.OnceValues(func() (goFonts, error) {
	regular, err := opentype.Parse(goregular.TTF)
	if err != nil {
		return goFonts{}, fmt.Errorf("qrcard: parse Go Regular: %w", err)
	}
	bold, err := opentype.Parse(gobold.TTF)
	if err != nil {
		return goFonts{}, fmt.Errorf("qrcard: parse Go Bold: %w", err)
	}
	return goFonts{regular: regular, bold: bold}, nil
})

// newCardFaces makes the faces for one card.
func newCardFaces() (*cardFaces, error) {
	fonts, err := parseGoFonts()
	if err != nil {
		return nil, err
	}
	f := &cardFaces{}
	for _, spec := range []struct {
		dst  *font.Face
		font *opentype.Font
		px   float64
	}{
		{&f.invitation, fonts.bold, invitationPx},
		{&f.botName, fonts.bold, botNamePx},
		{&f.firstName, fonts.regular, firstNamePx},
	} {
		face, err := opentype.NewFace(spec.font, &opentype.FaceOptions{Size: spec.px, DPI: fontDPI, Hinting: font.HintingFull})
		if err != nil {
			f.close()
			return nil, fmt.Errorf("qrcard: make %g px face: %w", spec.px, err)
		}
		*spec.dst = face
	}
	return f, nil
}

// close releases the faces made so far.
func (f *cardFaces) close() {
	for _, face := range []font.Face{f.invitation, f.botName, f.firstName} {
		if face != nil {
			face.Close()
		}
	}
}

// drawCentred draws one line of text in black, centred across the card,
// on the given baseline.
func drawCentred(dst *image.Gray, face font.Face, text string, baseline fixed.Int26_6) {
	d := font.Drawer{Dst: dst, Src: image.Black, Face: face}
	d.Dot = fixed.Point26_6{X: (fixed.I(CardWidth) - d.MeasureString(text)) / 2, Y: baseline}
	d.DrawString(text)
}
