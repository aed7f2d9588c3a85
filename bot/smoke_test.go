package bot

import (
	"github.com/assetbot/assetbot/bot/fakeapi"
	"strings"
	"testing"
)

func TestSmoke(t *testing.T) {
	h := newHarness(t, fakeapi.Options{})
	h.fake.SendCommand(42, "Ann", "/start")
	m := h.next(42)
	t.Logf("%s %+v", m.Text, m.Markup)
	if !strings.Contains(m.Text, "Hi Ann") {
		t.Fatalf("got %q", m.Text)
	}
}
