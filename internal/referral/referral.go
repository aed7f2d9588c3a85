// Package referral makes and reads the codes of personal deep links
// (https://t.me/<bot>?start=<code>): a volunteer's, which attributes the
// people who start through it to that volunteer, and a resident's own,
// which attributes those they bring to them.
package referral

import (
	"crypto/rand"
	"fmt"
)

// Kind says whose link a code belongs to; it is the code's first character.
type Kind byte

// The kinds of code.
const (
	Volunteer Kind = 'v'
	Resident  Kind = 'r'
)

// alphabet is the characters Telegram allows in a /start payload. Its 64
// characters make each random byte's low 6 bits an unbiased pick.
const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-"

// randomLen is the number of random characters after the prefix: 15 of 64
// possibilities each is 90 bits, far beyond guessing.
const randomLen = 15

// CodeLen is the length of a code made by NewCode.
const CodeLen = 1 + randomLen

// maxPayload is the longest /start payload Telegram passes on.
const maxPayload = 64

// NewCode returns a fresh unguessable code of the given kind.
func NewCode(k Kind) string {
	var b [randomLen]byte
	// crypto/rand.Read never fails (Go 1.24): it aborts the program instead.
	_, _ = rand.Read(b[:])
	code := make([]byte, CodeLen)
	code[0] = byte(k)
	for i, v := range b {
		code[1+i] = alphabet[int(v)%len(alphabet)]
	}
	return string(code)
}

// Payload is a /start payload that can be a referral code.
type Payload struct {
	Kind Kind
	Code string // the whole payload, prefix included
}

// ParsePayload reads a /start payload: ok only for 2 to 64 characters of
// A-Za-z0-9_- starting with a known kind's prefix. Whether such a code
// exists is for the store to say.
func ParsePayload(s string) (Payload, bool) {
	if len(s) < 2 || len(s) > maxPayload {
		return Payload{}, false
	}
	for i := 0; i < len(s); i++ {
		if !allowed(s[i]) {
			return Payload{}, false
		}
	}
	switch k := Kind(s[0]); k {
	case Volunteer, Resident:
		return Payload{Kind: k, Code: s}, true
	}
	return Payload{}, false
}

func allowed(c byte) bool {
	return 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '_' || c == '-'
}

// Link returns the deep link that starts the bot username with code.
func Link(username, code string) string {
	return fmt.Sprintf("https://t.me/%s?start=%s", username, code)
}
