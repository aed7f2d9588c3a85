package conversation

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/assetbot/assetbot/internal/flow"
	"github.com/assetbot/assetbot/internal/store"
)

// remind plans a reminder of kind for the person as the reminders job
// does, and returns it with the message composed for it.
func (p *person) remind(kind string) (store.Reminder, Reply) {
	p.t.Helper()
	var r store.Reminder
	var rep Reply
	p.update(func(tx *store.Tx) error {
		sp, err := tx.Person(p.id.Channel, p.id.UserID)
		if err != nil {
			return err
		}
		now := tx.Now()
		switch kind {
		case store.ReminderNudge:
			_, err = tx.PlanNudges(now, time.Nanosecond, 1)
		case store.ReminderRefresh:
			_, err = tx.PlanRefreshes(now, now, 10)
		}
		if err != nil {
			return err
		}
		due, err := tx.DueReminders(now, 10)
		if err != nil || len(due) != 1 {
			p.t.Fatalf("due reminders = %+v, %v; want one", due, err)
		}
		r = due[0]
		rep, err = p.svc.Compose(tx, sp, r)
		return err
	})
	return r, rep
}

// pressReminder presses the button action of reminder r.
func (p *person) pressReminder(r store.Reminder, action string) Reply {
	return p.send(Event{Kind: EventReminder, Reminder: r.ID, Action: action})
}

func TestNudgeContinues(t *testing.T) {
	w := newWorld(t, shippedFlows(t))
	p := w.person("Ada")
	p.answerUpTo("heart")
	w.clock.Advance(24 * time.Hour)
	r, rep := p.remind(store.ReminderNudge)
	if len(rep.Messages) != 1 || rep.Messages[0].Reminder != r.ID || !strings.HasPrefix(rep.Messages[0].Text, "Hi Ada! You were part-way through") {
		t.Fatalf("nudge = %s; want one message for the reminder", describe(rep))
	}
	if got := optionIDs(rep.Messages[0]); !reflect.DeepEqual(got, []string{ReminderContinue}) {
		t.Errorf("nudge buttons = %v; want carry on", got)
	}
	r2 := p.pressReminder(r, ReminderContinue)
	q := asks(t, r2, "heart")
	if r2.Echo != en(flow.MsgMenuCarryOn, "") {
		t.Errorf("echo = %q; want the button's label", r2.Echo)
	}
	if q.Turn == 0 {
		t.Error("resumed question has no turn")
	}
	r2 = p.say("1")
	for _, a := range residentAnswers[3:] {
		asks(t, r2, a.step)
		if a.text == "/skip" {
			r2 = p.do(flow.InputSkip)
		} else {
			r2 = p.say(a.text)
		}
	}
	shows(t, r2, menuSummary)
	// The button still works after the flow is finished: it shows what we hold.
	shows(t, p.pressReminder(r, ReminderContinue), menuReview)
}

func TestRefreshButtons(t *testing.T) {
	setup := func(t *testing.T) (*world, *person, store.Reminder, Reply) {
		w := newWorld(t, shippedFlows(t))
		p := w.person("Ada")
		p.finish()
		w.clock.Advance(180 * 24 * time.Hour)
		r, rep := p.remind(store.ReminderRefresh)
		return w, p, r, rep
	}
	t.Run("message", func(t *testing.T) {
		_, _, r, rep := setup(t)
		m := rep.Messages[0]
		if m.Reminder != r.ID || !strings.Contains(m.Text, "• Time to give: About an hour a month") || !strings.Contains(m.Text, "Is that still true?") {
			t.Errorf("refresh = %q; want the summary and the question", m.Text)
		}
		if got := optionIDs(m); !reflect.DeepEqual(got, []string{ReminderStillTrue, ReminderUpdate, ReminderRemove}) {
			t.Errorf("refresh buttons = %v", got)
		}
	})
	t.Run("still true", func(t *testing.T) {
		w, p, r, _ := setup(t)
		w.update(func(tx *store.Tx) error { _, err := tx.MarkStale(tx.Now(), tx.Now()); return err })
		says(t, p.pressReminder(r, ReminderStillTrue), en(flow.MsgStillTrue, "Ada"))
		now := t0.Add(180 * 24 * time.Hour)
		for k, a := range p.answers() {
			if !a.ConfirmedAt.Equal(now) {
				t.Errorf("%s confirmed at %v; want now", k, a.ConfirmedAt)
			}
		}
		w.update(func(tx *store.Tx) error {
			sp, _ := tx.Person(p.id.Channel, p.id.UserID)
			f, err := tx.Freshness(sp.ID)
			if err != nil || !f.ConfirmedAt.Equal(now) || !f.StaleAt.IsZero() {
				t.Errorf("freshness = %+v, %v; want confirmed now, not stale", f, err)
			}
			return nil
		})
	})
	t.Run("update", func(t *testing.T) {
		_, p, r, _ := setup(t)
		shows(t, p.pressReminder(r, ReminderUpdate), menuChange)
		asks(t, p.press("q_area"), "area")
	})
	t.Run("remove me", func(t *testing.T) {
		_, p, r, _ := setup(t)
		shows(t, p.pressReminder(r, ReminderRemove), menuDelete)
		says(t, p.press(actDeleteYes), en(flow.MsgDeleted, ""))
		says(t, p.pressReminder(r, ReminderStillTrue), en(flow.MsgNothingHeld, ""))
	})
	t.Run("forged and unknown", func(t *testing.T) {
		w, _, r, _ := setup(t)
		bob := w.person("Bob")
		if rep := bob.pressReminder(r, ReminderStillTrue); !rep.Stale || len(rep.Messages) != 0 {
			t.Errorf("Bob pressing Ada's refresh = %s; want nothing done", describe(rep))
		}
		ada := w.person("Ada")
		for _, ev := range []Event{
			{Kind: EventReminder, Reminder: r.ID, Action: "launch_missiles"},
			{Kind: EventReminder, Reminder: r.ID + 100, Action: ReminderStillTrue},
			{Kind: EventReminder, Reminder: r.ID, Action: ReminderContinue}, // a nudge's button on a refresh
		} {
			if rep := ada.send(ev); !rep.Stale || len(rep.Messages) != 0 {
				t.Errorf("%+v = %s; want nothing done", ev, describe(rep))
			}
		}
	})
}

func TestWelshReminders(t *testing.T) {
	w := newWorld(t, shippedFlows(t))
	p := w.person("Siân")
	p.id.Language = "cy"
	p.answerUpTo("")
	w.clock.Advance(180 * 24 * time.Hour)
	_, rep := p.remind(store.ReminderRefresh)
	m := rep.Messages[0]
	if !strings.HasPrefix(m.Text, "Helo Siân!") || m.Options[0].Label != "✅ Dal yn wir" {
		t.Errorf("Welsh refresh = %q %+v", m.Text, m.Options)
	}
}

func TestStopThenBackOn(t *testing.T) {
	w := newWorld(t, shippedFlows(t))
	p := w.person("Ada")
	p.answerUpTo("heart")
	p.send(Event{Kind: EventStop})
	r := p.say("5")
	if len(r.Messages) < 2 || r.Messages[0].Text != en(flow.MsgRemindersBack, "Ada") {
		t.Fatalf("first message after /stop = %s; want reminders back on, said first", describe(r))
	}
	asks(t, r, "offer")
	if sp, _ := p.stored(); !sp.Reminders {
		t.Error("reminders still off after a later message")
	}
	if r := p.do(flow.InputSkip); len(r.Messages) != 1 {
		t.Errorf("the message after that = %s; want no second notice", describe(r))
	}
	// /stop again, then /start: back on, and said.
	p.send(Event{Kind: EventStop})
	if r := p.start(); r.Messages[0].Text != en(flow.MsgRemindersBack, "Ada") {
		t.Errorf("/start after /stop = %s; want reminders back on first", describe(r))
	}
}

func TestFinishingConfirmsTheEntry(t *testing.T) {
	w := newWorld(t, shippedFlows(t))
	p := w.person("Ada")
	p.answerUpTo("")
	w.update(func(tx *store.Tx) error {
		sp, _ := tx.Person(p.id.Channel, p.id.UserID)
		f, err := tx.Freshness(sp.ID)
		if err != nil || !f.ConfirmedAt.Equal(t0) {
			t.Errorf("freshness after finishing = %+v, %v; want confirmed at %v", f, err, t0)
		}
		return nil
	})
	// Changing one answer later does not make the whole entry fresh.
	w.clock.Advance(time.Hour)
	p.press(actConfirm)
	w.clock.Advance(time.Hour)
	shows(t, p.send(Event{Kind: EventMe}), menuReview)
	shows(t, p.press(actChange), menuChange)
	asks(t, p.press("q_area"), "area")
	shows(t, p.say("LS7"), menuSummary)
	w.update(func(tx *store.Tx) error {
		sp, _ := tx.Person(p.id.Channel, p.id.UserID)
		f, err := tx.Freshness(sp.ID)
		if err != nil || !f.ConfirmedAt.Equal(t0.Add(time.Hour)) {
			t.Errorf("freshness after a change = %+v, %v; want the confirmation an hour in", f, err)
		}
		return nil
	})
}

func TestInviteCode(t *testing.T) {
	w := newWorld(t, shippedFlows(t))
	p := w.person("Ada")
	r := p.answerUpTo("")
	if r.Invite != "" {
		t.Errorf("the summary already carries an invitation %q; want it after confirming", r.Invite)
	}
	p.press(actConfirm)
	code := p.last.Messages[0].Invite
	if len(code) != 16 || code[0] != 'r' {
		t.Fatalf("invitation after confirming the summary = %q; want the person's own code", code)
	}
	if got := p.send(Event{Kind: EventInvite}); got.Invite != code || len(got.Messages) != 0 {
		t.Errorf("/invite = %s with %q; want the same code and no other message", describe(got), got.Invite)
	}
	// Confirming again from /me is not the end of a flow.
	shows(t, p.send(Event{Kind: EventMe}), menuReview)
	if got := p.press(actConfirm); got.Invite != "" {
		t.Errorf("confirming from /me carries an invitation %q", got.Invite)
	}
}
