package bot

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/assetbot/assetbot/bot/fakeapi"
	"github.com/assetbot/assetbot/internal/flow"
	"github.com/assetbot/assetbot/internal/store"
)

// onStreet puts the person with Telegram id user on the map, shown to
// other residents or not, in lang, with answers.
func onStreet(t *testing.T, st *store.Store, user int64, name, lang string, shown bool, answers map[string]flow.Value) {
	t.Helper()
	err := st.Update(context.Background(), func(tx *store.Tx) error {
		p, err := tx.CreatePerson(store.Person{Channel: channel, ChannelUserID: fmt.Sprint(user), FirstName: name, Language: lang, LanguageChosen: true})
		if err != nil {
			return err
		}
		for purpose, granted := range map[string]bool{flow.PurposeMap: true, flow.PurposeShown: shown} {
			if err := tx.RecordConsent(p.ID, purpose, granted, "resident", 1); err != nil {
				return err
			}
		}
		for _, k := range slices.Sorted(maps.Keys(answers)) {
			if _, err := tx.SaveAnswer(p.ID, "resident", flow.Answer{Key: k, Step: k, Value: answers[k], Version: 1}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// pressAnswer presses data on the message on and returns the note the
// button is answered with.
func pressAnswer(t *testing.T, h *harness, r *resident, on fakeapi.Sent, data string) string {
	t.Helper()
	seen := len(h.fake.Messages(r.id))
	r.press(on, data)
	return awaitSent(t, h, r.id, seen, "the answer to "+data, func(s fakeapi.Sent) bool { return s.Method == fakeapi.MethodAnswerCallbackQuery }).Text
}

func TestNeighboursCommand(t *testing.T) {
	t.Parallel()
	const asker, stranger, declined, welsh = 900, 901, 902, 903
	h := newHarness(t, fakeapi.Options{})
	st := h.store
	onStreet(t, st, asker, "Ann", "en", false, map[string]flow.Value{"hands": {Choices: []string{"cooking"}}, "learn": {Choices: []string{"music"}}})
	for i := range 7 {
		onStreet(t, st, int64(910+i), fmt.Sprintf("N%d", i), "en", true, map[string]flow.Value{
			"hands": {Choices: []string{"gardening"}}, "offer": {Text: "A cuppa"}, "head": {Text: "Secret recipes"}, "area": {Text: "LS6 9ZZ"}})
	}
	onStreet(t, st, 920, "Mo", "en", true, map[string]flow.Value{"hands": {Choices: []string{"music"}}})
	onStreet(t, st, 921, "Hid", "en", false, map[string]flow.Value{"hands": {Choices: []string{"gardening", "music"}}})
	onStreet(t, st, welsh, "Cai", "cy", false, nil)

	ann := h.resident(t, asker, "Ann")
	ann.say("/neighbours Gardens")
	first := h.next(asker)
	want := "Neighbours who offer “gardens”, 7 in all (page 1 of 2):\n" +
		"• N0: Skills to share: Gardening; An offer: A cuppa\n• N1: Skills to share: Gardening; An offer: A cuppa\n"
	if !strings.HasPrefix(first.Text, want) || !strings.HasSuffix(first.Text, "\n\n"+en(flow.MsgNeighboursMeet)) {
		t.Fatalf("/neighbours Gardens = %q; want it to start %q and end with how to meet them", first.Text, want)
	}
	for _, leak := range []string{"Secret", "LS6", "Hid", "Ann", "91", "Introduce"} {
		if strings.Contains(first.Text, leak) || slices.ContainsFunc(slices.Collect(maps.Keys(buttons(first))), func(b string) bool { return strings.Contains(b, leak) }) {
			t.Errorf("/neighbours shows %q: %q %v", leak, first.Text, buttons(first))
		}
	}
	if b := buttons(first); len(b) != 1 || b[en(flow.MsgButtonNext)] != "nb:2:gardens" {
		t.Fatalf("buttons %v; want Next alone", b)
	}
	seen := len(h.fake.Messages(asker))
	ann.press(first, "nb:2:gardens")
	edit := awaitSent(t, h, asker, seen, "page 2", func(s fakeapi.Sent) bool { return s.Method == fakeapi.MethodEditMessageText })
	if !strings.HasPrefix(edit.Text, "Neighbours who offer “gardens”, 7 in all (page 2 of 2):\n• N5: ") || buttons(edit)[en(flow.MsgButtonPrevious)] != "nb:1:gardens" {
		t.Errorf("page 2 = %q with %v; want N5 on and a Previous button", edit.Text, buttons(edit))
	}

	// With no words: those who offer what Ann would like to learn.
	ann.say("/neighbours")
	if got, want := h.next(asker).Text, "Neighbours who offer something you'd like (Music), 1 in all (page 1 of 1):\n• Mo: Skills to share: Music\n\n"+en(flow.MsgNeighboursMeet); got != want {
		t.Errorf("/neighbours = %q; want %q", got, want)
	}
	// Withdrawing being shown takes Mo out at once.
	recordDecision(t, st, 920, flow.PurposeShown, false)
	ann.say("/neighbours music")
	if got := h.next(asker).Text; got != en(flow.MsgNeighboursNone) {
		t.Errorf("after Mo withdrew: %q; want nobody", got)
	}
	// Too many words for a page button are refused kindly.
	ann.say("/neighbours " + strings.Repeat("word ", 20))
	if got, want := h.next(asker).Text, en(flow.MsgFindTooLong, "max", fmt.Sprint(maxNeighboursBytes)); got != want {
		t.Errorf("long words: %q; want %q", got, want)
	}

	// In Welsh, labels and all.
	cai := h.resident(t, welsh, "Cai")
	cai.say("/neighbours garddio")
	if got := h.next(welsh).Text; !strings.HasPrefix(got, "Cymdogion sy'n cynnig “garddio”, 7 i gyd (tudalen 1 o 2):\n• N0: Sgiliau i'w rhannu: Garddio; Cynnig: A cuppa") {
		t.Errorf("/neighbours garddio in Welsh = %q", got)
	}

	// Stale, forged or flooding page buttons are refused with a note.
	for data, want := range map[string]string{
		"nb:9:gardens":                    en(flow.MsgPageGone),
		"nb:0:gardens":                    en(flow.MsgBadButton),
		"nb:x:gardens":                    en(flow.MsgBadButton),
		"nb:-1:":                          en(flow.MsgBadButton),
		"nb:99999:":                       en(flow.MsgBadButton),
		"nb:9999:gardens":                 en(flow.MsgPageGone),
		"nb:1":                            en(flow.MsgBadButton),
		"nb:1:" + strings.Repeat("g", 64): en(flow.MsgBadButton),
	} {
		if got := pressAnswer(t, h, ann, first, data); got != want {
			t.Errorf("press %q: %q; want %q", data, got, want)
		}
	}

	// Someone unknown, or who declined the map, is asked to /start first,
	// by message or by button, and nothing is made for them.
	onStreet(t, st, declined, "Dee", "en", true, nil)
	recordDecision(t, st, declined, flow.PurposeMap, false)
	for _, user := range []int64{stranger, declined} {
		r := h.resident(t, user, "Sam")
		r.say("/neighbours gardening")
		if got := h.next(user).Text; got != en(flow.MsgNeighboursStart) {
			t.Errorf("%d: /neighbours = %q; want %q", user, got, en(flow.MsgNeighboursStart))
		}
		if got := pressAnswer(t, h, r, first, "nb:1:gardening"); got != en(flow.MsgNeighboursStart) {
			t.Errorf("%d: a page button = %q; want %q", user, got, en(flow.MsgNeighboursStart))
		}
	}
	err := st.Update(context.Background(), func(tx *store.Tx) error {
		_, err := tx.Person(channel, fmt.Sprint(stranger))
		return err
	})
	if !errors.Is(err, store.ErrNotFound) {
		t.Errorf("after /neighbours from a stranger: %v; want nobody made", err)
	}
}

// TestNeighboursInHelpAndMenu: /help and the command menu, in every
// language, offer /neighbours.
func TestNeighboursInHelpAndMenu(t *testing.T) {
	t.Parallel()
	h := newHarness(t, fakeapi.Options{})
	r := h.resident(t, 930, "Ann")
	r.say("/help")
	if got := h.next(930).Text; !strings.Contains(got, "/neighbours: ") {
		t.Errorf("/help = %q; want /neighbours in it", got)
	}
	menus := h.bot.commandMenus()
	if len(menus) < 2 {
		t.Fatalf("%d menus; want English and Welsh", len(menus))
	}
	for _, m := range menus {
		if !slices.ContainsFunc(m.Commands, func(c tgbotapi.BotCommand) bool { return c.Command == "neighbours" && c.Description != "" }) {
			t.Errorf("menu %q lacks neighbours: %+v", m.LanguageCode, m.Commands)
		}
	}
}
