package e2e

import (
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/assetbot/assetbot/internal/flow"
)

// TestIntroduction plays, on the Telegram emulator, an organiser who finds
// a resident with /find, taps Introduce and writes a message; the resident
// taps Share, and the organiser receives the link to their profile: their
// name as a text_link to tg://user?id=, and their @username as a mention.
func TestIntroduction(t *testing.T) {
	const olu, cara = 611, 612
	d := newDeployment(t)
	d.extra = "organisers: [" + strconv.Itoa(olu) + "]\n"
	bot := d.start()
	r := newResident(t, d, cara, "Cara")
	r.username = "cara_c"
	r.command("/start")
	m := r.play(r.next("Hi Cara!"), shortPlan(), "")
	r.pick(m, "m", "confirm", textSaved)

	org := newResident(t, d, olu, "Olu")
	org.command("/find Cooking")
	found := org.next("• Cara: Cooking")
	org.press(found, org.data(found, "i", ""))
	org.next(botSays(t, flow.MsgIntroduceWrite, "name", "Cara"))
	org.send("Would you help at the lunch club?")
	org.next(botSays(t, flow.MsgIntroduceSent))

	intro := r.next(botSays(t, flow.MsgIntroduction, "organiser", "Olu", "message", "Would you help at the lunch club?"))
	r.press(intro, r.data(intro, "y", ""))
	r.next(botSays(t, flow.MsgIntroductionThanks))
	shared := org.next(botSays(t, flow.MsgIntroductionUsername, "name", "Cara", "username", "@cara_c"))
	want := []entity{
		{Type: "text_link", Offset: 0, Length: len("Cara"), URL: "tg://user?id=" + strconv.Itoa(cara)},
		// The text is ASCII: a byte offset is a UTF-16 one.
		{Type: "mention", Offset: strings.Index(shared.Text, "@cara_c"), Length: len("@cara_c")},
	}
	if !reflect.DeepEqual(shared.Entities, want) {
		t.Errorf("the organiser's link: entities %+v; want %+v", shared.Entities, want)
	}
	bot.terminate(t)
}
