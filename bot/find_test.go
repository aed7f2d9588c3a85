package bot

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/assetbot/assetbot/bot/fakeapi"
	"github.com/assetbot/assetbot/internal/config"
	"github.com/assetbot/assetbot/internal/flow"
	"github.com/assetbot/assetbot/internal/store"
)

// listed gives the person with Telegram id user (made if need be) consent
// to the map and to be contacted by organisers, and the skills ticked.
func listed(t *testing.T, st *store.Store, user int64, name string, skills ...string) {
	t.Helper()
	err := st.Update(context.Background(), func(tx *store.Tx) error {
		p, err := tx.Person(channel, fmt.Sprint(user))
		if err != nil {
			if p, err = tx.CreatePerson(store.Person{Channel: channel, ChannelUserID: fmt.Sprint(user), FirstName: name}); err != nil {
				return err
			}
		}
		p.FirstName = name
		if err := tx.UpdatePerson(p); err != nil {
			return err
		}
		for _, purpose := range []string{flow.PurposeMap, flow.PurposeContact} {
			if err := tx.RecordConsent(p.ID, purpose, true, "resident", 1); err != nil {
				return err
			}
		}
		_, err = tx.SaveAnswer(p.ID, "resident", flow.Answer{Key: "hands", Step: "hands", Value: flow.Value{Choices: skills}, Version: 1})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

// recordDecision records the decision of the person with Telegram id user on
// purpose, as /privacy would.
func recordDecision(t *testing.T, st *store.Store, user int64, purpose string, granted bool) {
	t.Helper()
	err := st.Update(context.Background(), func(tx *store.Tx) error {
		p, err := tx.Person(channel, fmt.Sprint(user))
		if err != nil {
			return err
		}
		return tx.RecordConsent(p.ID, purpose, granted, "resident", 1)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// awaitSent waits for the bot's first call in chat after the first seen
// that done accepts.
func awaitSent(t *testing.T, h *harness, chat int64, seen int, what string, done func(fakeapi.Sent) bool) fakeapi.Sent {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var found fakeapi.Sent
	_, err := h.fake.WaitFor(ctx, chat, func(s []fakeapi.Sent) bool {
		for _, m := range s[min(seen, len(s)):] {
			if done(m) {
				found = m
				return true
			}
		}
		return false
	})
	if err != nil {
		t.Fatalf("waiting for %s in chat %d: %v (got %q)", what, chat, err, texts(h.fake.Messages(chat)))
	}
	return found
}

// buttons lists a message's inline buttons' data.
func buttons(m fakeapi.Sent) map[string]string {
	out := map[string]string{}
	if m.Markup == nil {
		return out
	}
	for _, row := range m.Markup.InlineKeyboard {
		for _, b := range row {
			out[b.Text] = b.CallbackData
		}
	}
	return out
}

// organiserHarness starts a bot whose one organiser is organiser, with
// opts besides.
func organiserHarness(t *testing.T, organiser int64, opts ...Option) *harness {
	t.Helper()
	h := newIdleHarness(t, fakeapi.Options{})
	h.opts = append([]Option{WithOrganisers([]int64{organiser})}, opts...)
	h.start(testConfig(h.fake))
	return h
}

func TestOrganiserCommandsRefusedToOthers(t *testing.T) {
	t.Parallel()
	const organiser, resident = 800, 801
	h := organiserHarness(t, organiser)
	res := h.resident(t, resident, "Rhys")
	for _, cmd := range []string{"/find gardening", "/match", "/stats", "/find"} {
		res.say(cmd)
		word, _, _ := strings.Cut(cmd, " ")
		if got, want := h.next(resident).Text, en(flow.MsgUnknownCommand, "command", word); got != want {
			t.Errorf("%s from a resident = %q; want the unknown-command reply %q", cmd, got, want)
		}
	}
	// A forged page or Introduce button is a bad button to anyone else.
	for _, data := range []string{"f:1:gardening", "a:1:", "i:1:"} {
		seen := len(h.fake.Messages(resident))
		res.press(fakeapi.Sent{MessageID: 1}, data)
		m := awaitSent(t, h, resident, seen, "the answer to "+data, func(s fakeapi.Sent) bool { return s.Method == fakeapi.MethodAnswerCallbackQuery })
		if m.Text != en(flow.MsgBadButton) {
			t.Errorf("%s pressed by a resident: %q; want the bad-button note", data, m.Text)
		}
	}
}

func TestFindPagesAndBadInput(t *testing.T) {
	t.Parallel()
	const organiser = 810
	h := organiserHarness(t, organiser, WithAim(config.Aim{Text: "Sewing circle", Options: []string{"sewing"}}))
	org := h.resident(t, organiser, "Olu")
	for _, tc := range []struct{ say, want string }{
		{"/find", en(flow.MsgFindUsage)},
		{"/find !!!", en(flow.MsgFindUsage)},
		{"/find " + strings.Repeat("word ", 20), en(flow.MsgFindTooLong, "max", fmt.Sprint(maxFindBytes))},
		{"/find submarines", en(flow.MsgFindNone)},
		{"/match", en(flow.MsgFindNone)},
	} {
		org.say(tc.say)
		if got := h.next(organiser).Text; got != tc.want {
			t.Errorf("%q = %q; want %q", tc.say, got, tc.want)
		}
	}
	for i := range 7 {
		listed(t, h.store, int64(820+i), fmt.Sprintf("N%d", i), "gardening")
	}
	listed(t, h.store, 830, "Sew", "sewing")

	org.say("/find Garddio")
	first := h.next(organiser)
	if !strings.HasPrefix(first.Text, "Found 7 (page 1 of 2):\n• N0: Gardening") {
		t.Fatalf("/find Garddio = %q; want page 1 of 7 gardeners", first.Text)
	}
	b := buttons(first)
	next := b[en(flow.MsgButtonNext)]
	if next != "f:2:garddio" || b["Introduce N0"] == "" || len(b) != 6 {
		t.Fatalf("buttons %v; want Introduce for each of 5 and Next", b)
	}
	seen := len(h.fake.Messages(organiser))
	org.press(first, next)
	edit := awaitSent(t, h, organiser, seen, "page 2", func(s fakeapi.Sent) bool { return s.Method == fakeapi.MethodEditMessageText })
	if !strings.HasPrefix(edit.Text, "Found 7 (page 2 of 2):\n• N5") || buttons(edit)[en(flow.MsgButtonPrevious)] != "f:1:garddio" {
		t.Errorf("page 2 = %q with %v; want N5 on and a Previous button", edit.Text, buttons(edit))
	}
	// A stale or forged page is refused with a note; a malformed one is a
	// bad button.
	for data, want := range map[string]string{"f:9:garddio": en(flow.MsgPageGone), "f:0:garddio": en(flow.MsgBadButton),
		"f:x:garddio": en(flow.MsgBadButton), "i:99999:": en(flow.MsgIntroduceGone), "a:1:extra": en(flow.MsgBadButton), "f:1:" + strings.Repeat("g", 64): en(flow.MsgBadButton)} {
		seen := len(h.fake.Messages(organiser))
		org.press(first, data)
		m := awaitSent(t, h, organiser, seen, "the answer to "+data, func(s fakeapi.Sent) bool { return s.Method == fakeapi.MethodAnswerCallbackQuery })
		if m.Text != want {
			t.Errorf("press %q: %q; want %q", data, m.Text, want)
		}
	}
	org.say("/find n6")
	if got := h.next(organiser).Text; got != "Found 1 (page 1 of 1):\n• N6: "+en(flow.MsgFindByName) {
		t.Errorf("/find n6 = %q; want N6 found by name", got)
	}
	org.say("/match")
	if got := h.next(organiser).Text; got != "What fits the aim, “Sewing circle”:\nFound 1 (page 1 of 1):\n• Sew: Sewing & mending" {
		t.Errorf("/match = %q", got)
	}
	org.say("/stats")
	if got, want := h.next(organiser).Text, en(flow.MsgStats, "people", "8", "assets", "0", "links", "0", "areas", "area not given 8", "kinds", "none yet"); got != want {
		t.Errorf("/stats = %q; want %q", got, want)
	}
	// Every search is recorded, with how many people it showed and how
	// many words it was for, never the words; usage notes search nothing.
	checkAudit(t, h.store,
		"810 find 0 page 1/1, found 0, words 1", "810 match 0 page 1/1, found 0",
		"810 find 5 page 1/2, found 7, words 1", "810 find 2 page 2/2, found 7, words 1", "810 find 0 page 9/2, found 7, words 1",
		"810 find 1 page 1/1, found 1, words 1", "810 match 1 page 1/1, found 1", "810 stats 0 totals")
}

// introduce has the organiser find the resident and send them a message,
// and returns the message the resident got.
func introduce(t *testing.T, h *harness, organiser, resident int64) fakeapi.Sent {
	t.Helper()
	org := h.resident(t, organiser, "Olu")
	org.say("/find cooking")
	found := h.next(organiser)
	intro := buttons(found)["Introduce Rhi"]
	if intro == "" {
		t.Fatalf("/find cooking = %q with %v; want Rhi with an Introduce button", found.Text, buttons(found))
	}
	org.press(found, intro)
	if got := h.next(organiser); got.Text != en(flow.MsgIntroduceWrite, "name", "Rhi") || got.Markup == nil || !got.Markup.ForceReply {
		t.Fatalf("after Introduce: %+v; want the request for a message", got)
	}
	org.say(strings.Repeat("x", maxIntroductionRunes+1))
	if got := h.next(organiser).Text; got != en(flow.MsgIntroduceTooLong, "max", fmt.Sprint(maxIntroductionRunes)) {
		t.Errorf("a long message: %q", got)
	}
	org.say("Would you help at the lunch club?")
	if got := h.next(organiser).Text; got != en(flow.MsgIntroduceSent) {
		t.Errorf("after the message: %q", got)
	}
	m := h.next(resident)
	if want := en(flow.MsgIntroduction, "organiser", "Olu", "message", "Would you help at the lunch club?"); m.Text != want {
		t.Errorf("the resident got %q; want %q", m.Text, want)
	}
	return m
}

func TestIntroductionShared(t *testing.T) {
	t.Parallel()
	const organiser, resident = 840, 841
	h := organiserHarness(t, organiser)
	rhi := h.resident(t, resident, "Rhi")
	rhi.say("/start")
	h.next(resident)
	listed(t, h.store, resident, "Rhi", "cooking")
	m := introduce(t, h, organiser, resident)
	share := buttons(m)["Share my Telegram with Olu"]
	if share == "" || buttons(m)[en(flow.MsgButtonNoThanks)] == "" {
		t.Fatalf("buttons %v; want Share and No thanks", buttons(m))
	}
	rhi.press(m, share)
	if got := h.next(resident).Text; got != en(flow.MsgIntroductionThanks) {
		t.Errorf("after Share the resident got %q", got)
	}
	if got, want := h.next(organiser).Text, fmt.Sprintf("Rhi is happy to hear from you: tg://user?id=%d", resident); got != want {
		t.Errorf("after Share the organiser got %q; want %q", got, want)
	}
	// A second press changes nothing.
	seen := len(h.fake.Messages(resident))
	rhi.press(m, buttons(m)[en(flow.MsgButtonNoThanks)])
	if a := awaitSent(t, h, resident, seen, "the answer", func(s fakeapi.Sent) bool { return s.Method == fakeapi.MethodAnswerCallbackQuery }); a.Text != en(flow.MsgIntroductionClosed) {
		t.Errorf("a second press: %q; want %q", a.Text, en(flow.MsgIntroductionClosed))
	}
	// The search, the introduction and the share are recorded.
	checkAudit(t, h.store, "840 find 1 page 1/1, found 1, words 1", "840 introduce 1 introduction 1 started", "840 introduce 1 introduction 1 shared")
}

func TestIntroductionDeclinedLeaksNothing(t *testing.T) {
	t.Parallel()
	const organiser, resident, other = 850, 851, 852
	h := organiserHarness(t, organiser)
	rhi := h.resident(t, resident, "Rhi")
	rhi.say("/start")
	h.next(resident)
	listed(t, h.store, resident, "Rhi", "cooking")
	m := introduce(t, h, organiser, resident)
	// Someone else pressing the resident's button is refused.
	seen := len(h.fake.Messages(other))
	h.resident(t, other, "Eve").press(fakeapi.Sent{MessageID: m.MessageID}, buttons(m)["Share my Telegram with Olu"])
	if a := awaitSent(t, h, other, seen, "the answer", func(s fakeapi.Sent) bool { return s.Method == fakeapi.MethodAnswerCallbackQuery }); a.Text != en(flow.MsgIntroductionClosed) {
		t.Errorf("someone else's press: %q", a.Text)
	}
	rhi.press(m, buttons(m)[en(flow.MsgButtonNoThanks)])
	if got := h.next(resident).Text; got != en(flow.MsgIntroductionNoThanks) {
		t.Errorf("after No thanks the resident got %q", got)
	}
	if got := h.next(organiser).Text; got != en(flow.MsgIntroductionDeclined) {
		t.Errorf("after No thanks the organiser got %q", got)
	}
	// No share, so nothing beyond the introduction is recorded.
	checkAudit(t, h.store, "850 find 1 page 1/1, found 1, words 1", "850 introduce 1 introduction 1 started")
	for _, s := range h.fake.Messages(organiser) {
		if strings.Contains(s.Text, fmt.Sprint(resident)) || strings.Contains(s.Text, "tg://") {
			t.Errorf("the organiser got %q: the resident's id", s.Text)
		}
		for _, data := range buttons(s) {
			if strings.Contains(data, fmt.Sprint(resident)) {
				t.Errorf("the organiser got a button %q: the resident's id", data)
			}
		}
	}
}

// TestIntroductionNeedsContact: only people who agreed to be contacted by
// organisers are offered for an introduction; a forged or stale Introduce
// for anyone else is refused kindly, and the person hears nothing.
func TestIntroductionNeedsContact(t *testing.T) {
	t.Parallel()
	const organiser, rhi, sam = 860, 861, 862
	h := organiserHarness(t, organiser)
	listed(t, h.store, rhi, "Rhi", "cooking")
	listed(t, h.store, sam, "Sam", "cooking")
	recordDecision(t, h.store, sam, flow.PurposeContact, false)
	samID, _ := h.person(t, sam)
	org := h.resident(t, organiser, "Olu")

	org.say("/find cooking")
	found := h.next(organiser)
	b := buttons(found)
	if !strings.Contains(found.Text, "• Sam: Cooking") || b["Introduce Rhi"] == "" || b["Introduce Sam"] != "" {
		t.Fatalf("/find cooking = %q with %v; want both listed, Introduce for Rhi only", found.Text, b)
	}
	tests := []struct {
		name, data, want string
	}{
		{"forged for someone who said no", fmt.Sprintf("i:%d:", samID.ID), en(flow.MsgIntroduceNoContact)},
		{"for nobody", "i:99999:", en(flow.MsgIntroduceGone)},
	}
	for _, tt := range tests {
		seen := len(h.fake.Messages(organiser))
		org.press(found, tt.data)
		m := awaitSent(t, h, organiser, seen, "the answer to "+tt.data, func(s fakeapi.Sent) bool { return s.Method == fakeapi.MethodAnswerCallbackQuery })
		if m.Text != tt.want {
			t.Errorf("%s: %q; want %q", tt.name, m.Text, tt.want)
		}
	}

	// Rhi withdraws between the Introduce and the message: refused too.
	org.press(found, b["Introduce Rhi"])
	if got := h.next(organiser).Text; got != en(flow.MsgIntroduceWrite, "name", "Rhi") {
		t.Fatalf("after Introduce: %q", got)
	}
	recordDecision(t, h.store, rhi, flow.PurposeContact, false)
	org.say("Would you help at the lunch club?")
	if got := h.next(organiser).Text; got != en(flow.MsgIntroduceNoContact) {
		t.Errorf("after Rhi withdrew: %q; want %q", got, en(flow.MsgIntroduceNoContact))
	}
	org.say("/find cooking")
	if b := buttons(h.next(organiser)); len(b) != 0 {
		t.Errorf("/find after both said no offers %v; want no Introduce", b)
	}
	for _, user := range []int64{rhi, sam} {
		if got := h.fake.Messages(user); len(got) != 0 {
			t.Errorf("resident %d got %q; want nothing", user, texts(got))
		}
	}
}
