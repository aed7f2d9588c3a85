package e2e

import (
	"strconv"
	"testing"

	"github.com/assetbot/assetbot/internal/flow"
)

// TestPrivacyAndAge plays, on the Telegram emulator, someone who first
// says they are under age (told kindly, kept nowhere, greeted afresh on
// /start), then takes part, agreeing to be contacted; in /privacy they
// withdraw that, and the organiser who finds them is offered no Introduce.
func TestPrivacyAndAge(t *testing.T) {
	const olu, kim = 621, 622
	d := newDeployment(t)
	d.extra = "organisers: [" + strconv.Itoa(olu) + "]\n"
	bot := d.start()
	r := newResident(t, d, kim, "Kim")
	r.command("/start")
	m := r.next("Hi Kim!")
	r.pick(m, "o", flow.UnderAge, "aged 16 and over")

	r.command("/start")
	m = r.play(r.next("Hi Kim!"), shortPlan(), "")
	r.pick(m, "m", "confirm", textSaved)

	r.command("/privacy")
	m = r.next("• Contact from organisers: yes")
	m = r.pick(m, "m", "consent_contact", ask(t, "contact"))
	r.pick(m, "o", flow.No, "• Contact from organisers: no")

	org := newResident(t, d, olu, "Olu")
	org.command("/find Cooking")
	found := org.next("• Kim: Cooking")
	if _, ok := found.button("i", ""); ok {
		t.Errorf("/find offers Introduce for Kim, who withdrew contact: %+v", found.Markup)
	}
	bot.terminate(t)
	r.noMore()
	d.export().check(t, "Kim", shortPlan().expected(t))
}
