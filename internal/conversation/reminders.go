package conversation

import (
	"errors"
	"fmt"

	"github.com/assetbot/assetbot/internal/flow"
	"github.com/assetbot/assetbot/internal/store"
)

// The actions on the buttons of a scheduled message.
const (
	ReminderContinue  = "continue"   // a nudge: carry on where you left off
	ReminderStillTrue = "still_true" // a refresh: confirm everything as it is
	ReminderUpdate    = "update"     // a refresh: change an answer
	ReminderRemove    = "remove"     // a refresh: delete everything
)

// Compose writes the message of a due reminder to its person: for a nudge,
// a button to carry on; for a refresh, what we hold with "Still true",
// "Update" and "Remove me". It changes nothing.
func (s *Service) Compose(tx *store.Tx, p store.Person, r store.Reminder) (Reply, error) {
	t, err := s.load(tx, Identity{Channel: p.Channel, UserID: p.ChannelUserID})
	if err != nil {
		return Reply{}, err
	}
	if err := s.use(t, s.main, 0); err != nil {
		return Reply{}, err
	}
	m := Message{Reminder: r.ID, Prompt: flow.Prompt{Type: flow.TypeChoice, Options: s.reminderOptions(t, r.Kind)}}
	switch r.Kind {
	case store.ReminderNudge:
		m.Text = t.text(flow.MsgNudge)
	case store.ReminderRefresh:
		m.Text = t.text(flow.MsgRefresh, "summary", s.summary(t))
	default:
		return Reply{}, fmt.Errorf("reminder %d: unknown kind %q", r.ID, r.Kind)
	}
	return Reply{Messages: []Message{m}, Person: t.person}, nil
}

// reminder carries out a press of a scheduled message's button. The press
// counts whatever happened since the message was sent: a nudge carries on
// where the person is now, a refresh confirms what they hold now.
func (s *Service) reminder(t *turn, ev Event) error {
	r, err := t.tx.Reminder(ev.Reminder)
	switch {
	case errors.Is(err, store.ErrNotFound) || err == nil && r.PersonID != t.person.ID:
		// Not a message we sent this person: nothing happens.
		t.reply.Stale = true
		return nil
	case err != nil:
		return err
	}
	for _, o := range s.reminderOptions(t, r.Kind) {
		if o.ID == ev.Action {
			t.reply.Echo = o.Label
		}
	}
	if t.reply.Echo == "" {
		t.reply.Stale = true
		return nil
	}
	t.reply.Outcome = flow.OutcomeAsked
	if ev.Action == ReminderContinue {
		if st := t.sess.Flow; (st.Status == flow.StatusActive || st.Status == flow.StatusPaused) && st.Flow != "" {
			t.sess.Menu = ""
			return s.resume(t)
		}
		return s.start(t)
	}
	if err := s.use(t, s.main, 0); err != nil {
		return err
	}
	if !s.hasAnswers(t) {
		t.say(flow.MsgNothingHeld)
		return nil
	}
	switch ev.Action {
	case ReminderStillTrue:
		if err := s.confirmAll(t); err != nil {
			return err
		}
		t.say(flow.MsgStillTrue)
	case ReminderUpdate:
		s.showMenu(t, menuChange, "")
	case ReminderRemove:
		s.showMenu(t, menuDelete, "")
	}
	return nil
}

// reminderOptions are the actions a reminder of kind offers.
func (s *Service) reminderOptions(t *turn, kind string) []flow.Choice {
	choice := func(id, msg string) flow.Choice { return flow.Choice{ID: id, Label: t.text(msg)} }
	switch kind {
	case store.ReminderNudge:
		return []flow.Choice{choice(ReminderContinue, flow.MsgMenuCarryOn)}
	case store.ReminderRefresh:
		return []flow.Choice{
			choice(ReminderStillTrue, flow.MsgMenuStillTrue), choice(ReminderUpdate, flow.MsgMenuUpdate), choice(ReminderRemove, flow.MsgMenuRemoveMe),
		}
	}
	return nil
}
