// Package qrcard draws a volunteer's or resident's invitation link as a QR
// code PNG (to send as a Telegram photo) and as a printable A6 doorstep card.
//
// It is pure: it takes strings and returns PNG bytes, reads no files and no
// config, and renders text with the Go fonts compiled into the binary, so a
// card prints the same on any machine with nothing installed.
package qrcard

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/png"
	"strings"

	"github.com/skip2/go-qrcode"
)

// MaxLinkBytes is the longest link accepted. A Telegram deep link is at
// most 116 bytes (https://t.me/ + a 32-character username + ?start= + a
// 64-character payload); the cap keeps the code's modules big enough to scan
// from a phone screen at QRSize and from a printed card.
const MaxLinkBytes = 300

// QRSize is the width and height in pixels of the PNG that QR returns:
// comfortably scannable when Telegram shows the photo on another phone.
const QRSize = 512

// screenLevel is the error correction for codes shown on a screen: medium
// keeps the code coarse (easy to scan) while tolerating glare.
const screenLevel = qrcode.Medium

// Gray levels of *image.Gray pixels.
const (
	black = 0x00
	white = 0xff
)

// ErrEmptyLink is returned when there is no link to encode.
var ErrEmptyLink = errors.New("qrcard: the link is empty")

// ErrLinkTooLong is returned for a link longer than MaxLinkBytes.
var ErrLinkTooLong = fmt.Errorf("qrcard: the link is longer than %d bytes, too long for a scannable QR code", MaxLinkBytes)

// QR returns a QRSize x QRSize PNG of link as a QR code with a quiet zone.
func QR(link string) ([]byte, error) {
	modules, err := encode(link, screenLevel)
	if err != nil {
		return nil, err
	}
	img := image.NewGray(image.Rect(0, 0, QRSize, QRSize))
	fillWhite(img)
	drawModules(img, img.Bounds(), modules)
	return encodePNG(img)
}

// encode checks link and returns its QR modules, quiet zone included, as
// rows of dark (true) and light (false).
func encode(link string, level qrcode.RecoveryLevel) ([][]bool, error) {
	if strings.TrimSpace(link) == "" {
		return nil, ErrEmptyLink
	}
	if len(link) > MaxLinkBytes {
		return nil, fmt.Errorf("%w (got %d bytes)", ErrLinkTooLong, len(link))
	}
	code, err := qrcode.New(link, level)
	if err != nil {
		return nil, fmt.Errorf("qrcard: encode link as QR code: %w", err)
	}
	// The library's border is the 4-module quiet zone the QR specification
	// requires so scanners can find the code.
	return code.Bitmap(), nil
}

// drawModules draws modules as black squares of a whole number of pixels,
// as large as fit in the square area, centred in it: equal-width modules
// scan better than ones stretched to a size that is not a multiple.
// MaxLinkBytes keeps a code far narrower than any area it is drawn in, so a
// module is always several pixels wide.
func drawModules(dst *image.Gray, area image.Rectangle, modules [][]bool) {
	n := len(modules)
	px := min(area.Dx(), area.Dy()) / n
	origin := area.Min.Add(image.Pt((area.Dx()-px*n)/2, (area.Dy()-px*n)/2))
	dark := bytes.Repeat([]byte{black}, px)
	// Draw each row of modules as one row of pixels, then copy that row
	// down: whole-slice copies rather than a store per pixel.
	for my, row := range modules {
		y0 := origin.Y + my*px
		first := dst.Pix[dst.PixOffset(origin.X, y0):dst.PixOffset(origin.X+n*px, y0)]
		for mx, isDark := range row {
			if isDark {
				copy(first[mx*px:], dark)
			}
		}
		for y := y0 + 1; y < y0+px; y++ {
			copy(dst.Pix[dst.PixOffset(origin.X, y):], first)
		}
	}
}

// fillWhite paints the whole image white, doubling the painted part with
// each copy.
func fillWhite(img *image.Gray) {
	if len(img.Pix) == 0 {
		return
	}
	img.Pix[0] = white
	for done := 1; done < len(img.Pix); done *= 2 {
		copy(img.Pix[done:], img.Pix[:done])
	}
}

// encodePNG returns img as PNG bytes. Fastest compression: black and white
// images come out small anyway (a card about 25 kB), and the bot may make
// many at once.
func encodePNG(img image.Image) ([]byte, error) {
	var buf bytes.Buffer
	enc := png.Encoder{CompressionLevel: png.BestSpeed}
	if err := enc.Encode(&buf, img); err != nil {
		return nil, fmt.Errorf("qrcard: encode PNG: %w", err)
	}
	return buf.Bytes(), nil
}
