package main

import (
	"context"
	"errors"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/qrcode"

	"github.com/assetbot/assetbot/internal/referral"
	"github.com/assetbot/assetbot/internal/store"
)

// withStore opens the database of config file cfg for fn, then closes it.
func withStore(t *testing.T, cfg string, fn func(*store.Tx) error) {
	t.Helper()
	st, err := store.Open(context.Background(), filepath.Join(filepath.Dir(cfg), "assetbot.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := st.Update(context.Background(), fn); err != nil {
		t.Fatal(err)
	}
}

// addedCode matches what `volunteer add` prints and captures the code.
var addedCode = regexp.MustCompile(`^added volunteer (.+)\ncode: (v[A-Za-z0-9_-]{15})\nlink: https://t\.me/(\w+)\?start=(v[A-Za-z0-9_-]{15})\n$`)

// add runs `volunteer add name` and returns the code printed, checking the
// link printed with it.
func add(t *testing.T, cfg, name, username string) string {
	t.Helper()
	out, errOut, err := invoke(t, "", "--config", cfg, "volunteer", "add", name)
	if err != nil {
		t.Fatalf("volunteer add %q: %v (%s)", name, err, errOut)
	}
	m := addedCode.FindStringSubmatch(out)
	if m == nil || m[1] != strings.TrimSpace(name) || m[3] != username || m[2] != m[4] {
		t.Fatalf("volunteer add %q printed %q; want the name, a code and its link to @%s", name, out, username)
	}
	return m[2]
}

func TestVolunteerAddNeedsUsername(t *testing.T) {
	cfg := configFile(t, "")
	_, _, err := invoke(t, "", "--config", cfg, "volunteer", "add", "Ann")
	if !errors.Is(err, errUnknownUsername) {
		t.Fatalf("add with no username known: error %v; want errUnknownUsername", err)
	}
	out, errOut, err := invoke(t, "", "--config", cfg, "volunteer", "list")
	if err != nil || !strings.Contains(out, "no volunteers yet") {
		t.Errorf("list after a refused add = %q, %v (%s); want no volunteers", out, err, errOut)
	}
	// Once the bot has started, the username it learned serves.
	withStore(t, cfg, func(tx *store.Tx) error { return tx.SetBotUsername("learned_bot") })
	add(t, cfg, "Ann", "learned_bot")
	// The config's username wins over the learned one.
	cfg2 := filepath.Join(filepath.Dir(cfg), "config2.yaml")
	data := "database:\n  path: " + filepath.Join(filepath.Dir(cfg), "assetbot.db") + "\ntelegram:\n  username: config_bot\n"
	if err := os.WriteFile(cfg2, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
	add(t, cfg2, "Bea", "config_bot")
}

func TestVolunteerCommands(t *testing.T) {
	cfg := configFile(t, "telegram:\n  username: map_bot\n")
	ann := add(t, cfg, "  Ann Jones ", "map_bot")
	bea := add(t, cfg, "Bea", "map_bot")
	tests := []struct {
		args    []string
		wantErr string // "" for success
		stdout  string
	}{
		{[]string{"pause", ann}, "", "volunteer Ann Jones (" + ann + ") is now paused\n"},
		{[]string{"resume", ann}, "", "volunteer Ann Jones (" + ann + ") is now active\n"},
		{[]string{"remove", bea}, "", "volunteer Bea (" + bea + ") is now removed\n"},
		{[]string{"pause", "vnosuchcode0000"}, `no volunteer has the code "vnosuchcode0000"`, ""},
		{[]string{"remove", "'; DROP TABLE volunteers--"}, `no volunteer has the code "'; DROP TABLE volunteers--"`, ""},
		{[]string{"add", ""}, store.ErrVolunteerName.Error(), ""},
		{[]string{"add", strings.Repeat("x", 65)}, store.ErrVolunteerName.Error(), ""},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			out, _, err := invoke(t, "", append([]string{"--config", cfg, "volunteer"}, tt.args...)...)
			if tt.wantErr == "" && err != nil || tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
				t.Fatalf("error %v; want %q", err, tt.wantErr)
			}
			if out != tt.stdout {
				t.Errorf("printed %q; want %q", out, tt.stdout)
			}
		})
	}
	// The store still holds both volunteers: the injection-like code was a
	// value, not SQL.
	out, _, err := invoke(t, "", "--config", cfg, "volunteer", "list")
	if err != nil || !strings.Contains(out, ann) || !strings.Contains(out, bea) {
		t.Errorf("list = %q, %v; want both volunteers", out, err)
	}
}

func TestVolunteerUsage(t *testing.T) {
	cfg := configFile(t, "telegram:\n  username: map_bot\n")
	for _, args := range [][]string{{}, {"sack", "x"}, {"add"}, {"add", "Ann", "Jones"}, {"list", "extra"}, {"pause"}, {"add", "--bogus", "Ann"}} {
		_, errOut, err := invoke(t, "", append([]string{"--config", cfg, "volunteer"}, args...)...)
		if !errors.Is(err, errUsage) {
			t.Errorf("volunteer %q: error %v; want a usage error", args, err)
		}
		if errOut == "" {
			t.Errorf("volunteer %q: printed no usage", args)
		}
	}
}

func TestVolunteerListCounts(t *testing.T) {
	cfg := configFile(t, "telegram:\n  username: map_bot\n")
	ann, bea := add(t, cfg, "Ann", "map_bot"), add(t, cfg, "Bea", "map_bot")
	// Ann brings p1 and p2 (p2 finishes); p1 brings p3, who brings p4.
	// Bea brings p5.
	withStore(t, cfg, func(tx *store.Tx) error {
		people := map[int]store.Person{}
		for i := 1; i <= 5; i++ {
			p, err := tx.CreatePerson(store.Person{Channel: "telegram", ChannelUserID: strconv.Itoa(i)})
			if err != nil {
				return err
			}
			people[i] = p
		}
		invite := func(i int) string {
			code, err := tx.InviteCode(people[i].ID, referral.NewCode(referral.Resident))
			if err != nil {
				t.Fatal(err)
			}
			return code
		}
		for _, a := range []struct {
			who  int
			code string
		}{{1, ann}, {2, ann}, {3, invite(1)}, {4, invite(3)}, {5, bea}} {
			pl, _ := referral.ParsePayload(a.code)
			if got, err := tx.Attribute(people[a.who], pl); err != nil || got != store.Attributed {
				t.Fatalf("attribute p%d: %s, %v", a.who, got, err)
			}
		}
		return tx.ConfirmEntry(people[2].ID)
	})
	out, _, err := invoke(t, "", "--config", cfg, "volunteer", "list")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	want := [][]string{
		{"CODE", "NAME", "STATUS", "STARTED", "FINISHED", "BROUGHT", "OTHERS", "LONGEST", "CHAIN", "LINK"},
		{ann, "Ann", "active", "2", "1", "1", "3", "https://t.me/map_bot?start=" + ann},
		{bea, "Bea", "active", "1", "0", "0", "1", "https://t.me/map_bot?start=" + bea},
	}
	if len(lines) != len(want) {
		t.Fatalf("list printed %q; want %d lines", out, len(want))
	}
	for i, w := range want {
		if got := strings.Fields(lines[i]); strings.Join(got, " ") != strings.Join(w, " ") {
			t.Errorf("line %d: got %q; want %q", i, got, w)
		}
	}
}

// scan decodes the QR code in a PNG file.
func scan(t *testing.T, path string) (string, image.Image) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("decode %s: %v", path, err)
	}
	bmp, err := gozxing.NewBinaryBitmapFromImage(img)
	if err != nil {
		t.Fatal(err)
	}
	res, err := qrcode.NewQRCodeReader().Decode(bmp, nil)
	if err != nil {
		t.Fatalf("read the QR code in %s: %v", path, err)
	}
	return res.GetText(), img
}

func TestVolunteerQRAndCard(t *testing.T) {
	cfg := configFile(t, "telegram:\n  username: map_bot\n")
	code := add(t, cfg, "Ann Jones", "map_bot")
	link := "https://t.me/map_bot?start=" + code
	dir := t.TempDir()

	qrPath := filepath.Join(dir, "qr.png")
	if _, errOut, err := invoke(t, "", "--config", cfg, "volunteer", "qr", code, "--out", qrPath); err != nil {
		t.Fatalf("volunteer qr: %v (%s)", err, errOut)
	}
	if got, _ := scan(t, qrPath); got != link {
		t.Errorf("QR code reads %q; want %q", got, link)
	}

	cardPath := filepath.Join(dir, "card.png")
	if _, errOut, err := invoke(t, "", "--config", cfg, "volunteer", "card", code, "--out", cardPath); err != nil {
		t.Fatalf("volunteer card: %v (%s)", err, errOut)
	}
	got, img := scan(t, cardPath)
	if got != link {
		t.Errorf("the card's QR code reads %q; want %q", got, link)
	}
	if b := img.Bounds(); b.Dx() != 1240 || b.Dy() != 1748 {
		t.Errorf("card is %dx%d; want A6 at 300 dpi, 1240x1748", b.Dx(), b.Dy())
	}

	for _, args := range [][]string{
		{"volunteer", "qr", code},                      // no --out
		{"volunteer", "card", "--out", cardPath},       // no code
		{"volunteer", "add", "Bea", "--out", cardPath}, // --out where it means nothing
	} {
		if _, _, err := invoke(t, "", append([]string{"--config", cfg}, args...)...); !errors.Is(err, errUsage) {
			t.Errorf("%v: got %v; want a usage error", args, err)
		}
	}
	if _, _, err := invoke(t, "", "--config", cfg, "volunteer", "qr", "vnosuchcode00000", "--out", qrPath); err == nil || !strings.Contains(err.Error(), "no volunteer has the code") {
		t.Errorf("qr of an unknown code: %v; want it named", err)
	}
}

func TestVolunteerTelegramID(t *testing.T) {
	cfg := configFile(t, "telegram:\n  username: map_bot\n")
	for _, tc := range []struct {
		args []string
		want string // "" for success, else in the error
	}{
		{[]string{"volunteer", "add", "Ann", "--telegram-id", "4242"}, ""},
		{[]string{"volunteer", "add", "Bea", "--telegram-id", "4242"}, "already on another volunteer"},
		{[]string{"volunteer", "add", "Cai", "--telegram-id", "-5"}, "usage"},
		{[]string{"volunteer", "list", "--telegram-id", "5"}, "usage"},
	} {
		_, _, err := invoke(t, "", append([]string{"--config", cfg}, tc.args...)...)
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%v: %v", tc.args, err)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("%v: got %v; want an error with %q", tc.args, err, tc.want)
		}
	}
	st, err := store.Open(context.Background(), filepath.Join(filepath.Dir(cfg), "assetbot.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	v, err := st.VolunteerStatsByTelegram(context.Background(), "4242")
	if err != nil || v.Name != "Ann" {
		t.Errorf("volunteer with Telegram id 4242 = %+v, %v; want Ann", v, err)
	}
}
