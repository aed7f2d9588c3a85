package bot

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"github.com/assetbot/assetbot/bot/fakeapi"
	"github.com/assetbot/assetbot/internal/flow"
	"github.com/assetbot/assetbot/internal/store"
)

// decisions reads a person's consent decisions in force, by purpose.
func (h *harness) decisions(t testing.TB, user int64) map[string]bool {
	t.Helper()
	got := map[string]bool{}
	err := h.store.Update(context.Background(), func(tx *store.Tx) error {
		p, err := tx.Person(channel, strconv.FormatInt(user, 10))
		if err != nil {
			return err
		}
		cs, err := tx.Consents(p.ID)
		for _, c := range cs {
			got[c.Purpose] = c.Granted
		}
		return err
	})
	if err != nil {
		t.Fatalf("read consents of %d: %v", user, err)
	}
	return got
}

// TestPrivacyCommand: /privacy lists each purpose with the person's choice
// and a button to change each; a change is the consent question again,
// recorded, then the choices as they are now.
func TestPrivacyCommand(t *testing.T) {
	t.Parallel()
	h := newHarness(t, fakeapi.Options{})
	const id = 1801
	r := h.resident(t, id, "Pia")
	r.reach("summary")

	r.say("/help")
	if help := r.reply(); !strings.Contains(help.Text, "/privacy") {
		t.Errorf("/help = %q; want /privacy in it", help.Text)
	}
	r.say("/privacy")
	menu := r.reply()
	for _, want := range []string{"• On the map: yes", "• Contact from organisers: yes", "• Shown to neighbours: yes"} {
		if !strings.Contains(menu.Text, want) {
			t.Errorf("/privacy = %q; want %q in it", menu.Text, want)
		}
	}
	change := button(t, menu, cbMenu, "consent_contact")
	if got := label(menu, change); got != "Change: Contact from organisers" {
		t.Errorf("contact's button says %q", got)
	}
	r.press(menu, change)
	q := r.pressed(menu, "Change: Contact from organisers")
	if !strings.Contains(q.Text, marker("contact")) {
		t.Fatalf("after the button got %q; want the contact question", q.Text)
	}
	r.press(q, button(t, q, cbOption, flow.No))
	saved := r.pressed(q, "No")
	if !strings.HasPrefix(saved.Text, en(flow.MsgPrivacySaved)) || !strings.Contains(saved.Text, "• Contact from organisers: no") {
		t.Errorf("after saying no got %q; want saved, then contact no", saved.Text)
	}
	if d := h.decisions(t, id); d[flow.PurposeContact] || !d[flow.PurposeMap] || !d[flow.PurposeShown] {
		t.Errorf("decisions %v; want contact withdrawn, the others kept", d)
	}
	if answers, _ := h.answers(t, id); answers["area"].Text != "LS6" {
		t.Errorf("answers %v after withdrawing contact; want them kept", answers)
	}
	// A button of the list made stale by the change is refused.
	r.press(menu, change)
	if toast := r.toast(); toast != en(flow.MsgMovedOn) {
		t.Errorf("a stale /privacy button: %q; want %q", toast, en(flow.MsgMovedOn))
	}
}

// TestUnderAgeOnTelegram: the under-age button gets the kind message and
// leaves no person, conversation or queued message behind.
func TestUnderAgeOnTelegram(t *testing.T) {
	t.Parallel()
	h := newHarness(t, fakeapi.Options{})
	const id = 1811
	r := h.resident(t, id, "Kit")
	r.say("/start")
	consent := r.asked("consent")
	if got := label(consent, button(t, consent, cbOption, flow.UnderAge)); got != "I'm under 16" {
		t.Errorf("the under-age button says %q", got)
	}
	r.press(consent, button(t, consent, cbOption, flow.UnderAge))
	kind := r.pressed(consent, "")
	if !strings.Contains(kind.Text, "aged 16 and over") || kind.Markup != nil && len(kind.Markup.InlineButtons()) > 0 {
		t.Errorf("under age got %q; want the kind message, no buttons", kind.Text)
	}
	if p, found := h.person(t, id); found {
		t.Errorf("person %+v still stored; want nothing kept", p)
	}
	waitUntil(t, "the outbox empty", func() bool { return len(h.pending(t, id)) == 0 })
	// The old consent button, pressed again, starts nothing and keeps nothing.
	r.press(consent, button(t, consent, cbOption, flow.UnderAge))
	if toast := r.toast(); toast != en(flow.MsgMovedOn) {
		t.Errorf("the old button again: %q; want %q", toast, en(flow.MsgMovedOn))
	}
	if p, found := h.person(t, id); found {
		t.Errorf("a stale press stored %+v; want nothing kept", p)
	}
}
