package qrcard

import (
	"bytes"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"image"
	"image/png"
	"strings"
	"testing"

	"github.com/makiuchi-d/gozxing"
	zxingqr "github.com/makiuchi-d/gozxing/qrcode"
)

// longestLink is a deep link with Telegram's longest start payload.
var longestLink = "https://t.me/some_bot?start=" + strings.Repeat("aZ0_-", 12) + "abcd"

// decodePNG decodes data as a PNG image.
func decodePNG(t *testing.T, data []byte) image.Image {
	t.Helper()
	img, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("png.Decode: %v", err)
	}
	return img
}

// scan finds and decodes the QR code in img, as a phone's camera would.
func scan(t *testing.T, img image.Image) string {
	t.Helper()
	bmp, err := gozxing.NewBinaryBitmapFromImage(img)
	if err != nil {
		t.Fatalf("gozxing bitmap: %v", err)
	}
	res, err := zxingqr.NewQRCodeReader().Decode(bmp, nil)
	if err != nil {
		t.Fatalf("gozxing decode: %v", err)
	}
	return res.GetText()
}

func TestQRRoundTrip(t *testing.T) {
	if got := len(strings.TrimPrefix(longestLink, "https://t.me/some_bot?start=")); got != 64 {
		t.Fatalf("longest payload is %d characters; want 64", got)
	}
	tests := []struct {
		name, link string
	}{
		{"short", "https://t.me/some_bot"},
		{"start payload", "https://t.me/assetbot_cymru_bot?start=Xk3_9a-QpL"},
		{"64-character payload", longestLink},
		{"at the byte limit", "https://t.me/x?start=" + strings.Repeat("a", MaxLinkBytes-len("https://t.me/x?start="))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data, err := QR(tt.link)
			if err != nil {
				t.Fatalf("QR: %v", err)
			}
			img := decodePNG(t, data)
			if got := img.Bounds().Size(); got != image.Pt(QRSize, QRSize) {
				t.Errorf("size %v; want %dx%d", got, QRSize, QRSize)
			}
			if got := scan(t, img); got != tt.link {
				t.Errorf("decoded %q; want %q", got, tt.link)
			}
		})
	}
}

// quietModules is the white border, in modules, that the QR specification
// requires around a code so scanners can find it.
const quietModules = 4

// TestQRQuietZone checks the border scanners need is white.
func TestQRQuietZone(t *testing.T) {
	data, err := QR(longestLink)
	if err != nil {
		t.Fatalf("QR: %v", err)
	}
	img := decodePNG(t, data).(*image.Gray)
	modules, err := encode(longestLink, screenLevel)
	if err != nil {
		t.Fatalf("encode: %v", err)
	}
	border := quietModules * (QRSize / len(modules))
	inner := image.Rect(border, border, QRSize-border, QRSize-border)
	for y := range QRSize {
		for x := range QRSize {
			if !image.Pt(x, y).In(inner) && img.GrayAt(x, y).Y != 0xff {
				t.Fatalf("pixel (%d,%d) in the quiet zone is not white", x, y)
			}
		}
	}
}

func TestBadLink(t *testing.T) {
	tests := []struct {
		name, link string
		want       error
	}{
		{"empty", "", ErrEmptyLink},
		{"blank", " \n\t", ErrEmptyLink},
		{"one byte too long", strings.Repeat("a", MaxLinkBytes+1), ErrLinkTooLong},
		{"far too long", strings.Repeat("a", 10000), ErrLinkTooLong},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := QR(tt.link); !errors.Is(err, tt.want) {
				t.Errorf("QR: got error %v; want %v", err, tt.want)
			}
			if _, err := (Card{Link: tt.link, BotName: "some_bot"}).PNG(); !errors.Is(err, tt.want) {
				t.Errorf("Card.PNG: got error %v; want %v", err, tt.want)
			}
		})
	}
}

// physChunk walks the PNG's chunks, checking each CRC, and returns the data
// of its pHYs chunk and whether it came straight after IHDR.
func physChunk(t *testing.T, data []byte) (phys []byte, afterIHDR bool) {
	t.Helper()
	if !bytes.HasPrefix(data, []byte(pngSignature)) {
		t.Fatal("no PNG signature")
	}
	rest := data[len(pngSignature):]
	var prev string
	for len(rest) >= 12 {
		n := int(binary.BigEndian.Uint32(rest))
		typ := string(rest[4:8])
		if len(rest) < 12+n {
			t.Fatalf("chunk %s truncated", typ)
		}
		body := rest[8 : 8+n]
		if got, want := binary.BigEndian.Uint32(rest[8+n:]), crc32.ChecksumIEEE(rest[4:8+n]); got != want {
			t.Fatalf("chunk %s CRC %08x; want %08x", typ, got, want)
		}
		if typ == "pHYs" {
			return body, prev == "IHDR"
		}
		prev, rest = typ, rest[12+n:]
	}
	t.Fatal("no pHYs chunk")
	return nil, false
}

func TestWithDPI(t *testing.T) {
	orig, err := encodePNG(image.NewGray(image.Rect(0, 0, 3, 2)))
	if err != nil {
		t.Fatalf("encodePNG: %v", err)
	}
	tests := []struct {
		dpi  int
		want uint32
	}{
		{300, 11811},
		{72, 2835},
		{96, 3780},
	}
	for _, tt := range tests {
		data, err := withDPI(orig, tt.dpi)
		if err != nil {
			t.Fatalf("withDPI(%d): %v", tt.dpi, err)
		}
		phys, afterIHDR := physChunk(t, data)
		if !afterIHDR {
			t.Errorf("%d dpi: pHYs does not follow IHDR", tt.dpi)
		}
		x, y, unit := binary.BigEndian.Uint32(phys), binary.BigEndian.Uint32(phys[4:]), phys[8]
		if x != tt.want || y != tt.want || unit != physUnitMetre || len(phys) != physDataBytes {
			t.Errorf("%d dpi: pHYs %d x %d unit %d (%d bytes); want %d x %d unit 1 (9 bytes)", tt.dpi, x, y, unit, len(phys), tt.want, tt.want)
		}
		if got := decodePNG(t, data).Bounds().Size(); got != image.Pt(3, 2) {
			t.Errorf("%d dpi: image became %v", tt.dpi, got)
		}
	}
}

func TestWithDPIRejectsNonPNG(t *testing.T) {
	for _, data := range [][]byte{nil, []byte("GIF89a"), []byte(pngSignature + strings.Repeat("\x00", 25))} {
		if _, err := withDPI(data, CardDPI); err == nil {
			t.Errorf("withDPI(%q): no error", data)
		}
	}
}
