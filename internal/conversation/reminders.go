package conversation

import (
	"errors"
	"fmt"
	"time"

	"github.com/assetbot/assetbot/internal/flow"
	"github.com/assetbot/assetbot/internal/store"
)

// The actions on the buttons of a scheduled message.
const (
	ReminderContinue  = "continue"   // a nudge: carry on where you left off
	ReminderStillTrue = "still_true" // a refresh: confirm everything as it is
	ReminderUpdate    = "update"     // a refresh: change an answer
	ReminderRemove    = "remove"     // a refresh: delete everything, or an asset
)

// DeletionNotice is how long after its warning a stale entry is deleted:
// the warning names the day, and the retention job deletes nothing before
// its warning is that old.
const DeletionNotice = 30 * 24 * time.Hour

// dateFormat is how a date is shown to people: the same in every language.
const dateFormat = "2006-01-02"

// ErrGone is returned by Compose for a refresh of an asset that is no
// longer on the map, or whose kind the flows no longer record: there is
// nothing to ask about.
var ErrGone = errors.New("the asset is no longer on the map")

// Compose writes the message of a due reminder to its person: for a nudge,
// a button to carry on; for a refresh, what we hold with "Still true",
// "Update" and "Remove me"; for a refresh of an asset, what the map says
// of it with "Still true", "Update" and "Remove"; for a retention warning,
// what we hold and the day it will be deleted (DeletionNotice from now,
// when the message is queued) with "Still true" and "Remove me". It
// changes nothing.
func (s *Service) Compose(tx *store.Tx, p store.Person, r store.Reminder) (Reply, error) {
	t, err := s.load(tx, Identity{Channel: p.Channel, UserID: p.ChannelUserID})
	if err != nil {
		return Reply{}, err
	}
	if r.Kind == store.ReminderRefreshAsset {
		on, err := s.useAsset(t, r.AssetID)
		if err != nil {
			return Reply{}, err
		}
		if !on {
			return Reply{}, fmt.Errorf("reminder %d about asset %d: %w", r.ID, r.AssetID, ErrGone)
		}
	} else if err := s.use(t, s.main, 0); err != nil {
		return Reply{}, err
	}
	m := Message{Reminder: r.ID, Prompt: flow.Prompt{Type: flow.TypeChoice, Options: s.reminderOptions(t, r.Kind)}}
	switch r.Kind {
	case store.ReminderNudge:
		m.Text = t.text(flow.MsgNudge)
	case store.ReminderRefresh:
		m.Text = t.text(flow.MsgRefresh, "summary", s.summary(t))
	case store.ReminderRefreshAsset:
		m.Text = t.text(flow.MsgRefreshAsset, "name", t.assetName(), "summary", s.summary(t))
	case store.ReminderRetention:
		day := tx.Now().Add(DeletionNotice).In(s.loc).Format(dateFormat)
		m.Text = t.text(flow.MsgRetentionWarning, "date", day, "summary", s.summary(t))
	default:
		return Reply{}, fmt.Errorf("reminder %d: unknown kind %q", r.ID, r.Kind)
	}
	return Reply{Messages: []Message{m}, Person: t.person}, nil
}

// useAsset makes the asset id, with its kind's flow, what the turn is
// about, and reports whether it could: false when the asset is no longer
// on the map or no flow records its kind.
func (s *Service) useAsset(t *turn, id int64) (bool, error) {
	a, err := t.tx.Asset(id)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return false, nil
	case err != nil:
		return false, err
	}
	f, ok := s.flows[a.Kind]
	if !ok || f.Asset == nil {
		return false, nil
	}
	return true, s.use(t, f, id)
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
	if r.Kind == store.ReminderRefreshAsset {
		return s.refreshAsset(t, r.AssetID, ev.Action)
	}
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

// refreshAsset carries out a press on the refresh of asset id: whatever
// the map says of it now is what is confirmed, changed or removed.
func (s *Service) refreshAsset(t *turn, id int64, action string) error {
	on, err := s.useAsset(t, id)
	if err != nil {
		return err
	}
	if !on {
		t.say(flow.MsgAssetGone)
		return nil
	}
	switch action {
	case ReminderStillTrue:
		return s.confirmAsset(t, flow.MsgAssetConfirmed)
	case ReminderUpdate:
		s.showMenu(t, menuChange, "")
	case ReminderRemove:
		s.showMenu(t, menuRemove, "")
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
	case store.ReminderRefreshAsset:
		return []flow.Choice{
			choice(ReminderStillTrue, flow.MsgMenuStillTrue), choice(ReminderUpdate, flow.MsgMenuUpdate), choice(ReminderRemove, flow.MsgMenuRemove),
		}
	case store.ReminderRetention:
		// Only a confirmation keeps the entry (changing one answer does
		// not), so no "Update": the refresh's confirm and delete paths.
		return []flow.Choice{choice(ReminderStillTrue, flow.MsgMenuStillTrue), choice(ReminderRemove, flow.MsgMenuRemoveMe)}
	}
	return nil
}
