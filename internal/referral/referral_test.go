package referral_test

import (
	"strings"
	"testing"

	"github.com/assetbot/assetbot/internal/referral"
)

// codesToTry is how many codes the collision test makes.
const codesToTry = 100_000

func TestNewCode(t *testing.T) {
	for _, k := range []referral.Kind{referral.Volunteer, referral.Resident} {
		seen := make(map[string]bool, codesToTry)
		for range codesToTry {
			c := referral.NewCode(k)
			if seen[c] {
				t.Fatalf("code %q made twice", c)
			}
			seen[c] = true
			if len(c) != referral.CodeLen {
				t.Fatalf("code %q is %d long; want %d", c, len(c), referral.CodeLen)
			}
			p, ok := referral.ParsePayload(c)
			if !ok || p.Kind != k || p.Code != c {
				t.Fatalf("ParsePayload(%q) = %+v, %v; want kind %c", c, p, ok, k)
			}
		}
	}
}

func TestNewCodeUsesWholeAlphabet(t *testing.T) {
	seen := map[rune]bool{}
	for range 1000 {
		for _, r := range referral.NewCode(referral.Volunteer)[1:] {
			seen[r] = true
		}
	}
	// 15,000 draws from 64 characters miss one with odds of about 1e-100.
	if len(seen) != 64 {
		t.Errorf("codes use %d distinct characters; want all 64", len(seen))
	}
}

func TestParsePayload(t *testing.T) {
	tests := []struct {
		name, in string
		ok       bool
		kind     referral.Kind
	}{
		{"volunteer", "vAbC_12-xyzXYZ09", true, referral.Volunteer},
		{"resident", "rAbC_12-xyzXYZ09", true, referral.Resident},
		{"shortest", "v1", true, referral.Volunteer},
		{"longest", "r" + strings.Repeat("a", 63), true, referral.Resident},
		{"empty", "", false, 0},
		{"prefix alone", "v", false, 0},
		{"unknown prefix", "xAbC_12-xyzXYZ09", false, 0},
		{"upper-case prefix", "VAbC_12-xyzXYZ09", false, 0},
		{"oversize", "v" + strings.Repeat("a", 64), false, 0},
		{"sql injection", "v'; DROP TABLE--", false, 0},
		{"path", "../..", false, 0},
		{"path after prefix", "v../..", false, 0},
		{"space", "vabc def", false, 0},
		{"unicode", "vcafé", false, 0},
		{"emoji", "v🙂", false, 0},
		{"nul", "vabc\x00", false, 0},
		{"newline", "vabc\n", false, 0},
		{"percent-encoded", "v%27abc", false, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, ok := referral.ParsePayload(tt.in)
			if ok != tt.ok {
				t.Fatalf("ParsePayload(%q) ok = %v; want %v", tt.in, ok, tt.ok)
			}
			if ok && (p.Kind != tt.kind || p.Code != tt.in) {
				t.Errorf("ParsePayload(%q) = %+v; want kind %c, code %q", tt.in, p, tt.kind, tt.in)
			}
		})
	}
}

func TestLink(t *testing.T) {
	if got, want := referral.Link("mapbot", "vabc"), "https://t.me/mapbot?start=vabc"; got != want {
		t.Errorf("Link = %q; want %q", got, want)
	}
}

func FuzzParsePayload(f *testing.F) {
	for _, s := range []string{"vAbC_12-xyzXYZ09", "r1", "", "v'; DROP TABLE--", "../..", "vcafé"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, ok := referral.ParsePayload(s)
		if !ok {
			return
		}
		if p.Code != s || len(s) < 2 || len(s) > 64 || (p.Kind != referral.Volunteer && p.Kind != referral.Resident) || byte(p.Kind) != s[0] {
			t.Fatalf("ParsePayload(%q) = %+v; want it refused", s, p)
		}
		for _, r := range s {
			if !strings.ContainsRune("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-", r) {
				t.Fatalf("ParsePayload accepted %q with %q in it", s, r)
			}
		}
	})
}
