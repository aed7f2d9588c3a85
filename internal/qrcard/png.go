package qrcard

import (
	"bytes"
	"encoding/binary"
	"errors"
	"hash/crc32"
)

// pngSignature opens every PNG file.
const pngSignature = "\x89PNG\r\n\x1a\n"

// PNG chunk layout: a 4-byte big-endian data length, a 4-byte type, the
// data, then a 4-byte CRC over type and data.
const (
	chunkLenBytes  = 4
	chunkTypeBytes = 4
	chunkCRCBytes  = 4
	// ihdrDataBytes is the fixed size of IHDR's data, the chunk that must
	// come first.
	ihdrDataBytes = 13
	// physDataBytes is pHYs's data: pixels per unit across, down (uint32
	// each) and the unit.
	physDataBytes = 9
	// physUnitMetre says pHYs counts pixels per metre.
	physUnitMetre = 1
)

// tenthsMMPerInch converts dots per inch to dots per metre in integer
// arithmetic: 1 inch = 25.4 mm = 254 tenths of a millimetre.
const tenthsMMPerInch = 254

// pixelsPerMetre converts dpi to the pixels per metre that pHYs records,
// rounded to nearest (300 dpi -> 11811).
func pixelsPerMetre(dpi int) uint32 {
	return uint32((dpi*10000 + tenthsMMPerInch/2) / tenthsMMPerInch)
}

// withDPI returns a copy of the PNG file data with a pHYs chunk recording
// dpi inserted right after IHDR, so printing software sizes the image
// correctly. image/png writes no pHYs chunk, hence this helper.
func withDPI(data []byte, dpi int) ([]byte, error) {
	ihdrEnd := len(pngSignature) + chunkLenBytes + chunkTypeBytes + ihdrDataBytes + chunkCRCBytes
	if len(data) < ihdrEnd || !bytes.HasPrefix(data, []byte(pngSignature)) {
		return nil, errors.New("qrcard: add dpi: not a PNG file")
	}
	ihdr := data[len(pngSignature):]
	if binary.BigEndian.Uint32(ihdr) != ihdrDataBytes || string(ihdr[chunkLenBytes:chunkLenBytes+chunkTypeBytes]) != "IHDR" {
		return nil, errors.New("qrcard: add dpi: PNG does not start with IHDR")
	}
	ppm := pixelsPerMetre(dpi)
	phys := make([]byte, 0, physDataBytes)
	phys = binary.BigEndian.AppendUint32(phys, ppm)
	phys = binary.BigEndian.AppendUint32(phys, ppm)
	phys = append(phys, physUnitMetre)

	out := make([]byte, 0, len(data)+chunkLenBytes+chunkTypeBytes+physDataBytes+chunkCRCBytes)
	out = append(out, data[:ihdrEnd]...)
	out = appendChunk(out, "pHYs", phys)
	return append(out, data[ihdrEnd:]...), nil
}

// appendChunk appends a PNG chunk of the given 4-byte type and data to dst.
func appendChunk(dst []byte, typ string, data []byte) []byte {
	dst = binary.BigEndian.AppendUint32(dst, uint32(len(data)))
	start := len(dst)
	dst = append(dst, typ...)
	dst = append(dst, data...)
	return binary.BigEndian.AppendUint32(dst, crc32.ChecksumIEEE(dst[start:]))
}
