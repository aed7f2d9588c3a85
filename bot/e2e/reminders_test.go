package e2e

import (
	"strings"
	"testing"
	"time"
)

// shortPlan answers the resident flow in as few steps as it allows.
func shortPlan() plan {
	return plan{
		"consent":   {option: "yes"},
		"hands":     {ticks: []string{"cooking"}},
		"head":      {skip: true},
		"heart":     {ticks: []string{"food"}},
		"offer":     {skip: true},
		"learn":     {skip: true},
		"time":      {option: "not_now"},
		"groups":    {skip: true},
		"connector": {option: "yes"},
		"contact":   {option: "yes"},
		"shown":     {option: "no"},
		"area":      {text: "LS6"},
	}
}

// fastReminders is a schedule that runs in seconds: nudges two seconds
// after the last input, refreshes eight seconds after confirming.
const fastReminders = `reminders:
  check_every: "@every 1s"
  nudge_after: 2s
  refresh_after: 8s
  quiet_hours: ""
`

// TestReminders plays a resident who stops half-way, gets one nudge and
// carries on with its button, and a resident whose entry comes due, who
// taps "Still true": the export shows the new confirmation time.
func TestReminders(t *testing.T) {
	d := newDeployment(t)
	d.extra = fastReminders
	bot := d.start()
	p := shortPlan()

	// Bea finishes at once; her refresh comes eight seconds later.
	bea := newResident(t, d, 302, "Bea")
	m := bea.play(bea.say("/start", "Hi Bea!"), p, "")
	bea.pick(m, "m", "confirm", textSaved)
	confirmed := time.Now()

	// Ann stops at the heart question and gets a nudge.
	ann := newResident(t, d, 301, "Ann")
	ann.play(ann.say("/start", "Hi Ann!"), p, "heart")
	stopped := time.Now()
	nudge := ann.next("You were part-way through")
	if waited := time.Since(stopped); waited < 2*time.Second {
		t.Errorf("nudged %v after stopping; want at least 2s", waited)
	}
	m = ann.pick(nudge, "r", "continue", ask(t, "heart"))
	m = ann.play(m, p, "")
	ann.pick(m, "m", "confirm", textSaved)

	refresh := bea.next("Is that still true?")
	if waited := time.Since(confirmed); waited < 8*time.Second {
		t.Errorf("refresh came %v after confirming; want at least 8s", waited)
	}
	if !strings.Contains(refresh.Text, "Area: LS6") {
		t.Errorf("refresh %q; want it to show what we hold", refresh.Text)
	}
	tapped := time.Now()
	bea.pick(refresh, "r", "still_true", "still true")

	// Ann's own refresh falls due too, but one reminder a day is her share.
	time.Sleep(10 * time.Second)
	bot.awaitCallbackAnswers(t, ann.presses+bea.presses)
	bot.terminate(t)
	ann.noMore()
	bea.noMore()

	ex := d.export()
	for _, person := range ex.People {
		if person.FirstName != "Bea" {
			continue
		}
		if person.EntryConfirmedAt.Before(tapped.Add(-time.Second)) {
			t.Errorf("Bea's entry confirmed at %v; want when she tapped Still true (%v)", person.EntryConfirmedAt, tapped)
		}
		for _, a := range person.Answers {
			if a.ConfirmedAt.Before(tapped.Add(-time.Second)) {
				t.Errorf("Bea's %s confirmed at %v; want when she tapped Still true", a.Key, a.ConfirmedAt)
			}
		}
		return
	}
	t.Errorf("Bea not in the export")
}
