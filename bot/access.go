package bot

import (
	"slices"

	"github.com/assetbot/assetbot/internal/flow"
	"strconv"

	"github.com/assetbot/assetbot/internal/store"
)

// organiserCommands are the commands only organisers may use. apply checks
// every action carrying one of them before it is carried out, so a new
// organiser command is guarded by being listed here.
var organiserCommands = []string{cmdVolunteer, cmdVolunteers, cmdFind, cmdMatch, cmdStats, cmdDigest, cmdExport}

// organiserSet is the organisers' Telegram user ids, never changed once
// made: a reload swaps in a new set.
type organiserSet map[int64]struct{}

// newOrganiserSet makes the set of ids.
func newOrganiserSet(ids []int64) *organiserSet {
	set := make(organiserSet, len(ids))
	for _, id := range ids {
		set[id] = struct{}{}
	}
	return &set
}

// WithOrganisers lets the Telegram users with these ids use the organiser
// commands; SetOrganisers changes them while the bot runs.
func WithOrganisers(ids []int64) Option {
	return func(b *Bot) { b.SetOrganisers(ids) }
}

// SetOrganisers replaces the Telegram user ids allowed the organiser
// commands, taking effect from the next command handled; it is safe to call
// while updates are handled (a config reload). It returns how many ids
// were added and removed.
func (b *Bot) SetOrganisers(ids []int64) (added, removed int) {
	next := newOrganiserSet(ids)
	prev := b.organisers.Swap(next)
	if prev == nil {
		return len(*next), 0
	}
	for id := range *next {
		if _, ok := (*prev)[id]; !ok {
			added++
		}
	}
	for id := range *prev {
		if _, ok := (*next)[id]; !ok {
			removed++
		}
	}
	return added, removed
}

// Organisers returns the Telegram user ids allowed the organiser commands
// now, in no particular order.
func (b *Bot) Organisers() []int64 {
	set := b.organisers.Load()
	if set == nil {
		return nil
	}
	ids := make([]int64, 0, len(*set))
	for id := range *set {
		ids = append(ids, id)
	}
	return ids
}

// organiser reports whether the Telegram user is an organiser now: one
// atomic load, no lock.
func (b *Bot) organiser(userID string) bool {
	id, err := strconv.ParseInt(userID, 10, 64)
	if err != nil {
		return false
	}
	set := b.organisers.Load()
	if set == nil {
		return false
	}
	_, ok := (*set)[id]
	return ok
}

// refused returns, for an organiser command from someone who is not an
// organiser at the time of the call, the reply and true. The reply is the
// very one a command the bot does not know gets, so the command's existence
// is not given away; the attempt is logged without the message's text.
func (b *Bot) refused(tx *store.Tx, a action) ([]outMsg, bool, error) {
	if !slices.Contains(organiserCommands, a.command) || b.organiser(a.id.UserID) {
		return nil, false, nil
	}
	b.log.Warn("organiser command from someone not an organiser", "user_id", a.id.UserID, "command", a.command)
	if a.press != nil {
		// A button under an organiser's results, forged or forwarded:
		// answered as any button we did not make.
		out, err := b.apply(tx, reply(action{chatID: a.chatID, id: a.id, press: a.press}, flow.MsgBadButton))
		return out, true, err
	}
	out, err := b.apply(tx, unknownCommand(a, a.word))
	return out, true, err
}
