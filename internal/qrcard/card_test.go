package qrcard

import (
	"bytes"
	"encoding/binary"
	"image"
	"strings"
	"testing"
	"unicode/utf8"

	"golang.org/x/image/font"
	"golang.org/x/image/font/sfnt"
	"golang.org/x/image/math/fixed"
)

// Regions of the card, for checking what was drawn where.
var (
	invitationArea = image.Rect(0, cardMargin, CardWidth, cardQRTop)
	belowQRArea    = image.Rect(0, cardQRTop+cardQRSize, CardWidth, CardHeight)
)

// darkPixels counts the non-white pixels of img inside r (bytes.Count
// keeps this fast under -race, which instruments a per-pixel loop).
func darkPixels(img *image.Gray, r image.Rectangle) int {
	n := 0
	for y := r.Min.Y; y < r.Max.Y; y++ {
		row := img.Pix[img.PixOffset(r.Min.X, y):img.PixOffset(r.Max.X, y)]
		n += len(row) - bytes.Count(row, []byte{white})
	}
	return n
}

// inkRows returns the first and last rows of r holding any dark pixel,
// or -1, -1 when r is blank.
func inkRows(img *image.Gray, r image.Rectangle) (first, last int) {
	first, last = -1, -1
	for y := r.Min.Y; y < r.Max.Y; y++ {
		if darkPixels(img, image.Rect(r.Min.X, y, r.Max.X, y+1)) > 0 {
			if first < 0 {
				first = y
			}
			last = y
		}
	}
	return first, last
}

func TestCardPNG(t *testing.T) {
	welsh := Card{
		Link:       longestLink,
		BotName:    "mapio_cymuned_bot",
		Invitation: "Croeso! Dewch i rannu'r hyn sy'n bwysig i chi yn ein cymuned ŵ ŷ",
		FirstName:  "Siôn Llŷr",
	}
	tests := []struct {
		name string
		card Card
		// Which parts must be drawn (true) or left blank (false).
		invitation bool
		lines      int // lines of text under the code
	}{
		{"full", welsh, true, 2},
		{"no first name", Card{Link: welsh.Link, BotName: welsh.BotName, Invitation: welsh.Invitation}, true, 1},
		{"no invitation", Card{Link: welsh.Link, BotName: welsh.BotName, FirstName: welsh.FirstName}, false, 2},
		{"link only", Card{Link: welsh.Link}, false, 0},
		{"blank strings count as empty", Card{Link: welsh.Link, BotName: " ", Invitation: "\n\t", FirstName: "\u200b"}, false, 0},
		{"very long everything", Card{
			Link:       welsh.Link,
			BotName:    strings.Repeat("Mapio Cymuned Caerdydd ", 40),
			Invitation: strings.Repeat("Helpwch ni i fapio'r pethau da yn ein cymdogaeth ŵ ŷ. ", 2000),
			FirstName:  strings.Repeat("Gwenllïan", 100),
		}, true, 2},
		{"emoji, controls and invalid UTF-8", Card{
			Link:       welsh.Link,
			BotName:    "Bot 🤖\x00",
			Invitation: "Join us 🏘️\u202e\xff\xfe today",
			FirstName:  "Ann 🙂\r\n",
		}, true, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data, err := tt.card.PNG()
			if err != nil {
				t.Fatalf("PNG: %v", err)
			}
			img, ok := decodePNG(t, data).(*image.Gray)
			if !ok {
				t.Fatalf("card decodes as %T; want *image.Gray", decodePNG(t, data))
			}
			if got := img.Bounds().Size(); got != image.Pt(CardWidth, CardHeight) {
				t.Fatalf("size %v; want %dx%d", got, CardWidth, CardHeight)
			}
			phys, _ := physChunk(t, data)
			if ppm := binary.BigEndian.Uint32(phys); ppm != 11811 {
				t.Errorf("pHYs %d pixels per metre; want 11811 (300 dpi)", ppm)
			}
			if got := scan(t, img); got != tt.card.Link {
				t.Errorf("card's code decodes to %q; want %q", got, tt.card.Link)
			}
			if got := darkPixels(img, invitationArea) > 0; got != tt.invitation {
				t.Errorf("invitation drawn: %v; want %v", got, tt.invitation)
			}
			if got := textLines(img, belowQRArea); got != tt.lines {
				t.Errorf("%d lines under the code; want %d", got, tt.lines)
			}
			margins := []image.Rectangle{
				image.Rect(0, 0, CardWidth, cardMargin),
				image.Rect(0, CardHeight-cardMargin, CardWidth, CardHeight),
				image.Rect(0, 0, cardMargin, CardHeight),
				image.Rect(CardWidth-cardMargin, 0, CardWidth, CardHeight),
			}
			for _, m := range margins {
				if n := darkPixels(img, m); n > 0 {
					t.Errorf("%d dark pixels in the margin %v", n, m)
				}
			}
		})
	}
}

// textLines counts the bands of ink separated by blank rows in r.
func textLines(img *image.Gray, r image.Rectangle) int {
	lines, inInk := 0, false
	for y := r.Min.Y; y < r.Max.Y; y++ {
		ink := darkPixels(img, image.Rect(r.Min.X, y, r.Max.X, y+1)) > 0
		if ink && !inInk {
			lines++
		}
		inInk = ink
	}
	return lines
}

// TestCardInvitationCentred checks a one-line invitation sits in the middle
// of the space above the code rather than against the margin.
func TestCardInvitationCentred(t *testing.T) {
	data, err := Card{Link: longestLink, Invitation: "Tell us what matters"}.PNG()
	if err != nil {
		t.Fatalf("PNG: %v", err)
	}
	first, last := inkRows(decodePNG(t, data).(*image.Gray), invitationArea)
	mid := (invitationArea.Min.Y + invitationArea.Max.Y) / 2
	const slack = 40 // ascenders and descenders are not symmetric
	if first < 0 || (first+last)/2 < mid-slack || (first+last)/2 > mid+slack {
		t.Errorf("invitation ink spans rows %d-%d; want it centred on %d", first, last, mid)
	}
}

func TestWrap(t *testing.T) {
	faces, err := newCardFaces()
	if err != nil {
		t.Fatalf("newCardFaces: %v", err)
	}
	defer faces.close()
	face := faces.invitation
	width := fixed.I(cardTextWidth)
	tests := []struct {
		name      string
		text      string
		wantLines int
		shortened bool
	}{
		{"one line", "Tell us what matters", 1, false},
		{"two lines", "Tell us what matters to you in your street", 2, false},
		{"too long", strings.Repeat("Tell us what matters to you. ", 50), invitationRows, true},
		{"one huge word", strings.Repeat("ŵ", 500), invitationRows, true},
		{"huge word broken after a short one", "Croeso " + strings.Repeat("y", 50), 3, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lines := wrap(face, tt.text, width, invitationRows)
			if len(lines) != tt.wantLines {
				t.Fatalf("got %d lines %q; want %d", len(lines), lines, tt.wantLines)
			}
			for _, l := range lines {
				if w := font.MeasureString(face, l); w > width {
					t.Errorf("line %q is %v wide; want at most %v", l, w, width)
				}
				if !utf8.ValidString(l) {
					t.Errorf("line %q is not valid UTF-8", l)
				}
			}
			joined := strings.Join(lines, " ")
			if got := strings.HasSuffix(joined, ellipsis); got != tt.shortened {
				t.Errorf("ends with an ellipsis: %v; want %v (%q)", got, tt.shortened, lines)
			}
			if !tt.shortened && strings.ReplaceAll(joined, " ", "") != strings.ReplaceAll(tt.text, " ", "") {
				t.Errorf("lines %q lose text of %q", lines, tt.text)
			}
		})
	}
}

func TestShorten(t *testing.T) {
	faces, err := newCardFaces()
	if err != nil {
		t.Fatalf("newCardFaces: %v", err)
	}
	defer faces.close()
	width := fixed.I(cardTextWidth)
	tests := []struct{ in, want string }{
		{"From Siân", "From Siân"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := shorten(faces.firstName, tt.in, width); got != tt.want {
			t.Errorf("shorten(%q) = %q; want %q", tt.in, got, tt.want)
		}
	}
	long := "From " + strings.Repeat("Gwenllïan ", 30)
	got := shorten(faces.firstName, long, width)
	if !strings.HasSuffix(got, ellipsis) || !strings.HasPrefix(long, strings.TrimSuffix(got, ellipsis)) {
		t.Errorf("shorten(long) = %q; want a prefix of it and an ellipsis", got)
	}
	if w := font.MeasureString(faces.firstName, got); w > width {
		t.Errorf("shortened line is %v wide; want at most %v", w, width)
	}
}

func TestBotLine(t *testing.T) {
	tests := []struct{ in, want string }{
		{"assetbot_cymru_bot", "@assetbot_cymru_bot"},
		{"@assetbot_cymru_bot", "@assetbot_cymru_bot"},
		{"Mapio Cymuned", "Mapio Cymuned"},
		{"bot", "bot"},             // too short for a username
		{"mapiŵ_bot", "mapiŵ_bot"}, // usernames are ASCII
		{"  Mapio\nCymuned ", "Mapio Cymuned"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := botLine(tt.in); got != tt.want {
			t.Errorf("botLine(%q) = %q; want %q", tt.in, got, tt.want)
		}
	}
}

func TestClean(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Siôn  Llŷr", "Siôn Llŷr"},
		{"\tAnn\r\nJones\x00", "Ann Jones"},
		{"a\u202eb\u200bc", "abc"},
		{"bad\xffbyte", "bad\uFFFDbyte"},
		{"🙂", "🙂"},
		{strings.Repeat("ŵ", maxTextBytes), strings.Repeat("ŵ", maxTextBytes/len("ŵ")) + ellipsis},
		{strings.Repeat("a", maxTextBytes-1) + "ŵ", strings.Repeat("a", maxTextBytes-1) + ellipsis},
	}
	for _, tt := range tests {
		if got := clean(tt.in); got != tt.want {
			t.Errorf("clean(%q) = %q; want %q", tt.in, got, tt.want)
		}
	}
}

// TestWelshGlyphs checks the Go fonts draw every Welsh letter (and the
// ellipsis), so a Welsh card never shows a box.
func TestWelshGlyphs(t *testing.T) {
	fonts, err := parseGoFonts()
	if err != nil {
		t.Fatalf("parseGoFonts: %v", err)
	}
	var buf sfnt.Buffer
	for i, f := range []*sfnt.Font{fonts.regular, fonts.bold} {
		for _, r := range "âêîôûŵŷÂÊÎÔÛŴŶáéíóúẃýàèìòùẁỳäëïöüẅÿ" + ellipsis {
			idx, err := f.GlyphIndex(&buf, r)
			if err != nil || idx == 0 {
				t.Errorf("font %d has no glyph for %q (index %d, err %v)", i, r, idx, err)
			}
		}
	}
}

// FuzzWrap checks that any text, once cleaned, wraps to at most
// invitationRows valid UTF-8 lines that each fit the card.
func FuzzWrap(f *testing.F) {
	for _, seed := range []string{"", "Croeso ŵ ŷ", strings.Repeat("ŵ", 300), "a\xffb\u202e 🙂 \n\t", strings.Repeat("word ", 200)} {
		f.Add(seed)
	}
	faces, err := newCardFaces()
	if err != nil {
		f.Fatalf("newCardFaces: %v", err)
	}
	defer faces.close()
	width := fixed.I(cardTextWidth)
	f.Fuzz(func(t *testing.T, text string) {
		lines := wrap(faces.invitation, clean(text), width, invitationRows)
		if len(lines) > invitationRows {
			t.Fatalf("%d lines; want at most %d", len(lines), invitationRows)
		}
		for _, l := range lines {
			if !utf8.ValidString(l) || font.MeasureString(faces.invitation, l) > width {
				t.Fatalf("line %q is invalid or wider than %v", l, width)
			}
		}
	})
}
