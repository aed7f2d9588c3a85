package conversation

import (
	"errors"
	"maps"
	"reflect"
	"slices"
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
		case store.ReminderRefreshAsset:
			_, err = tx.PlanAssetRefreshes(now, now, 10)
		case store.ReminderRetention:
			_, err = tx.PlanRetentionWarning(sp.ID, now)
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
		// The reminder went with them: its button does nothing now.
		if rep := p.pressReminder(r, ReminderStillTrue); !rep.Stale || len(rep.Messages) != 0 {
			t.Errorf("the refresh's button after deleting = %s; want nothing done", describe(rep))
		}
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

func TestRetentionWarningButtons(t *testing.T) {
	// setup makes Ada's entry stale (a refresh sent and not answered) and
	// warns her that it will be deleted.
	setup := func(t *testing.T) (*world, *person, store.Reminder, Reply) {
		w := newWorld(t, shippedFlows(t))
		// Late evening in UTC is tomorrow at +13:00: the day named is
		// the map's.
		w.clock.Advance(13 * time.Hour)
		w.svc.loc = time.FixedZone("NZDT", 13*60*60)
		p := w.person("Ada")
		p.finish()
		w.clock.Advance(180 * 24 * time.Hour)
		refresh, _ := p.remind(store.ReminderRefresh)
		w.update(func(tx *store.Tx) error {
			if err := tx.SettleReminder(refresh.ID, store.OutcomeSent); err != nil {
				return err
			}
			_, err := tx.MarkStale(tx.Now(), tx.Now())
			return err
		})
		w.clock.Advance(335 * 24 * time.Hour)
		r, rep := p.remind(store.ReminderRetention)
		return w, p, r, rep
	}
	freshness := func(w *world, p *person) store.EntryFreshness {
		var f store.EntryFreshness
		w.update(func(tx *store.Tx) error {
			sp, err := tx.Person(p.id.Channel, p.id.UserID)
			if err != nil {
				return err
			}
			f, err = tx.Freshness(sp.ID)
			return err
		})
		return f
	}
	t.Run("message", func(t *testing.T) {
		w, _, r, rep := setup(t)
		m := rep.Messages[0]
		// Sent 2027-08-11 22:30 UTC: 30 days on is 2027-09-10 22:30 UTC,
		// 2027-09-11 at +13:00.
		if now := w.clock.Now(); !now.Equal(time.Date(2027, 8, 11, 22, 30, 0, 0, time.UTC)) {
			t.Fatalf("clock = %v", now)
		}
		if m.Reminder != r.ID || !strings.Contains(m.Text, "• Time to give: About an hour a month") ||
			!strings.Contains(m.Text, "Your entry will be deleted on 2027-09-11 unless you confirm it is still right.") {
			t.Errorf("warning = %q; want the summary and the day it goes", m.Text)
		}
		if got := optionIDs(m); !reflect.DeepEqual(got, []string{ReminderStillTrue, ReminderRemove}) {
			t.Errorf("warning buttons = %v; want still true and remove me", got)
		}
	})
	t.Run("still true keeps it", func(t *testing.T) {
		w, p, r, _ := setup(t)
		if f := freshness(w, p); f.StaleAt.IsZero() {
			t.Fatalf("freshness = %+v; want stale before the press", f)
		}
		says(t, p.pressReminder(r, ReminderStillTrue), en(flow.MsgStillTrue, "Ada"))
		if f := freshness(w, p); !f.StaleAt.IsZero() || !f.ConfirmedAt.Equal(w.clock.Now()) {
			t.Errorf("freshness = %+v; want confirmed now, not stale", f)
		}
	})
	t.Run("remove me", func(t *testing.T) {
		_, p, r, _ := setup(t)
		shows(t, p.pressReminder(r, ReminderRemove), menuDelete)
	})
	t.Run("update is not a button", func(t *testing.T) {
		_, p, r, _ := setup(t)
		if rep := p.pressReminder(r, ReminderUpdate); !rep.Stale {
			t.Errorf("update on a warning = %s; want nothing done", describe(rep))
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

// refreshableGroup puts a chess club on the map through /add after the
// person went through their own flow, as they would, and returns its id.
func (p *person) refreshableGroup() int64 {
	p.t.Helper()
	p.finish()
	shows(p.t, p.send(Event{Kind: EventAdd}), menuAdd)
	r := p.press(addPrefix + "association")
	for _, a := range []struct{ step, text string }{
		{"name", "Chess club"}, {"area", "LS6"}, {"role", "1"}, {"purpose", "Plays chess"}, {"kind", "8"}, {"meets_at", "/skip"},
		{"meets_when", "/skip"}, {"size", "1"}, {"newcomers", "/skip"}, {"contact", "/skip"}, {"offer", "/skip"}, {"need", "/skip"},
	} {
		asks(p.t, r, a.step)
		if a.text == "/skip" {
			r = p.do(flow.InputSkip)
		} else {
			r = p.say(a.text)
		}
	}
	shows(p.t, r, menuSummary)
	p.press(actConfirm)
	sp, _ := p.stored()
	var mine []store.PersonAsset
	p.update(func(tx *store.Tx) (err error) {
		mine, err = tx.PersonAssets(sp.ID)
		return err
	})
	if len(mine) != 1 {
		p.t.Fatalf("%s's assets = %+v; want the chess club", p.id.FirstName, mine)
	}
	return mine[0].Asset.ID
}

// assetNow reads an asset as the store holds it (ErrNotFound once removed).
func (w *world) assetNow(id int64) (store.Asset, error) {
	w.t.Helper()
	var a store.Asset
	var aerr error
	w.update(func(tx *store.Tx) error {
		a, aerr = tx.Asset(id)
		return nil
	})
	return a, aerr
}

// enAbout is message msg of the built-in catalogue in English, about the
// asset named name.
func enAbout(msg, name string) string {
	return (&flow.Flow{}).Text(msg, "en", "name", name, "first_name", "Ada")
}

func TestAssetRefreshButtons(t *testing.T) {
	setup := func(t *testing.T) (*world, *person, int64, store.Reminder, Reply) {
		w := newWorld(t, shippedFlows(t))
		p := w.person("Ada")
		club := p.refreshableGroup()
		w.clock.Advance(180 * 24 * time.Hour)
		r, rep := p.remind(store.ReminderRefreshAsset)
		return w, p, club, r, rep
	}
	t.Run("message", func(t *testing.T) {
		_, _, club, r, rep := setup(t)
		m := rep.Messages[0]
		if r.AssetID != club || m.Reminder != r.ID {
			t.Errorf("refresh %+v, message for reminder %d; want a refresh of asset %d", r, m.Reminder, club)
		}
		for _, want := range []string{"Hi Ada! A while ago you put “Chess club” on our neighbourhood map", "• Name: Chess club", "• What it does: Plays chess", "Is that still right?"} {
			if !strings.Contains(m.Text, want) {
				t.Errorf("refresh = %q; want %q in it", m.Text, want)
			}
		}
		if got := optionIDs(m); !reflect.DeepEqual(got, []string{ReminderStillTrue, ReminderUpdate, ReminderRemove}) || m.Options[2].Label != en(flow.MsgMenuRemove, "") {
			t.Errorf("refresh buttons = %v %+v; want still true, update and remove", got, m.Options)
		}
	})
	t.Run("still true", func(t *testing.T) {
		w, p, club, r, _ := setup(t)
		w.update(func(tx *store.Tx) error {
			if err := tx.SettleReminder(r.ID, store.OutcomeSent); err != nil {
				return err
			}
			_, err := tx.MarkAssetsStale(tx.Now(), tx.Now())
			return err
		})
		if a, _ := w.assetNow(club); a.StaleAt.IsZero() {
			t.Fatal("the club is not stale before the press")
		}
		w.clock.Advance(time.Hour)
		rep := p.pressReminder(r, ReminderStillTrue)
		says(t, rep, enAbout(flow.MsgAssetConfirmed, "Chess club"))
		if rep.Echo != en(flow.MsgMenuStillTrue, "") {
			t.Errorf("echo = %q; want the button's label", rep.Echo)
		}
		if a, err := w.assetNow(club); err != nil || !a.ConfirmedAt.Equal(w.clock.Now()) || !a.StaleAt.IsZero() {
			t.Errorf("club after still true = %+v, %v; want confirmed now, not stale", a, err)
		}
	})
	t.Run("update", func(t *testing.T) {
		w, p, club, r, _ := setup(t)
		m := shows(t, p.pressReminder(r, ReminderUpdate), menuChange)
		if ids := optionIDs(m); !slices.Contains(ids, changePrefix+"purpose") || slices.Contains(ids, changePrefix+"hands") {
			t.Errorf("change menu = %v; want the club's questions, not the person's", ids)
		}
		asks(t, p.press(changePrefix+"purpose"), "purpose")
		shows(t, p.say("Plays chess and draughts"), menuSummary)
		if a, err := w.assetNow(club); err != nil || a.Fields["purpose"].Text != "Plays chess and draughts" {
			t.Errorf("club after the update = %+v, %v; want the new purpose", a, err)
		}
	})
	t.Run("remove", func(t *testing.T) {
		w, p, club, r, _ := setup(t)
		shows(t, p.pressReminder(r, ReminderRemove), menuRemove)
		says(t, p.press(actRemoveYes), enAbout(flow.MsgAssetRemoved, "Chess club"))
		if _, err := w.assetNow(club); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("club after removing: %v; want it off the map", err)
		}
	})
	t.Run("removed meanwhile", func(t *testing.T) {
		w, p, club, r, _ := setup(t)
		sp, _ := p.stored()
		w.update(func(tx *store.Tx) error { return tx.RemoveAsset(club, sp.ID) })
		for _, action := range []string{ReminderStillTrue, ReminderUpdate, ReminderRemove} {
			says(t, p.pressReminder(r, action), en(flow.MsgAssetGone, ""))
		}
		w.update(func(tx *store.Tx) error {
			if _, err := w.svc.Compose(tx, sp, r); !errors.Is(err, ErrGone) {
				t.Errorf("composing a refresh of a removed asset: %v; want ErrGone", err)
			}
			return nil
		})
	})
	t.Run("forged and unknown", func(t *testing.T) {
		w, p, _, r, _ := setup(t)
		bob := w.person("Bob")
		if rep := bob.pressReminder(r, ReminderStillTrue); !rep.Stale || len(rep.Messages) != 0 {
			t.Errorf("Bob pressing Ada's refresh = %s; want nothing done", describe(rep))
		}
		if rep := p.pressReminder(r, ReminderContinue); !rep.Stale || len(rep.Messages) != 0 {
			t.Errorf("a nudge's button on an asset's refresh = %s; want nothing done", describe(rep))
		}
	})
	t.Run("kind no longer recorded", func(t *testing.T) {
		w, p, _, r, _ := setup(t)
		fl := maps.Clone(shippedFlows(t))
		delete(fl, "association")
		w.reopen(fl)
		sp, _ := p.stored()
		w.update(func(tx *store.Tx) error {
			if _, err := w.svc.Compose(tx, sp, r); !errors.Is(err, ErrGone) {
				t.Errorf("composing a refresh of an asset whose flow is gone: %v; want ErrGone", err)
			}
			return nil
		})
		says(t, p.pressReminder(r, ReminderStillTrue), en(flow.MsgAssetGone, ""))
	})
}
