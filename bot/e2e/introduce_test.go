package e2e

import (
	"strconv"
	"testing"

	"github.com/assetbot/assetbot/internal/flow"
)

// TestIntroduction plays, on the Telegram emulator, an organiser who finds
// a resident with /find, taps Introduce and writes a message; the resident
// taps Share, and the organiser receives the link to their profile.
func TestIntroduction(t *testing.T) {
	const olu, cara = 611, 612
	d := newDeployment(t)
	d.extra = "organisers: [" + strconv.Itoa(olu) + "]\n"
	bot := d.start()
	r := newResident(t, d, cara, "Cara")
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
	org.next("Cara is happy to hear from you: tg://user?id=" + strconv.Itoa(cara))
	bot.terminate(t)
}
