package bot

import (
	"context"
	"errors"
	"strconv"
	"strings"

	"github.com/assetbot/assetbot/internal/conversation"
	"github.com/assetbot/assetbot/internal/directory"
	"github.com/assetbot/assetbot/internal/flow"
	"github.com/assetbot/assetbot/internal/search"
	"github.com/assetbot/assetbot/internal/store"
)

// cmdNeighbours lists, for a resident on the map, the neighbours who
// agreed to be shown: by words, else by what the resident would like.
const cmdNeighbours = conversation.NeighboursCommand

// cbNeighboursPage is the data of a page button under neighbours:
// "nb:<page from 1>:<folded words>".
const cbNeighboursPage = "nb"

// maxNeighboursBytes bounds the folded words of /neighbours, so that they
// fit in its page buttons' data with the page number.
const maxNeighboursBytes = maxCallbackData - len(cbNeighboursPage+"::") - maxPageDigits

// decideNeighboursPress reads a page button under neighbours: ok is false
// for data of any other kind. Malformed or forged data (a page number
// that is not one, or longer than any we make) is read as a bad button.
func decideNeighboursPress(a action, data string) (action, bool) {
	kind, rest, _ := strings.Cut(data, ":")
	if kind != cbNeighboursPage {
		return a, false
	}
	numText, words, found := strings.Cut(rest, ":")
	num, err := strconv.ParseInt(numText, 10, 64)
	if !found || err != nil || num <= 0 || len(numText) > maxPageDigits || len(data) > maxCallbackData {
		return reply(a, flow.MsgBadButton), true
	}
	a.kind, a.command, a.args = actNeighbours, cmdNeighbours, words
	a.org = organiserPress{kind: cbNeighboursPage, num: num}
	return a, true
}

// neighboursPage is the page (from 0) a /neighbours action asks for.
func (a action) neighboursPage() int {
	if a.press != nil {
		return int(a.org.num) - 1
	}
	return 0
}

// prepareNeighbours looks for the neighbours a resident asks for before
// the update's transaction, as prepare does for organisers: a search of
// the whole map then holds up nobody's writes. Whatever it cannot settle
// (someone not on the map, a failure) is left to the transaction.
func (b *Bot) prepareNeighbours(ctx context.Context, a action) action {
	if a.kind != actNeighbours {
		return a
	}
	words := directory.Normalize(a.args)
	if len(words) > maxNeighboursBytes {
		return a
	}
	p, err := b.searcher.Neighbours(ctx, search.Asker{Channel: channel, UserID: a.id.UserID}, words, a.neighboursPage())
	switch {
	case errors.Is(err, search.ErrNotOnMap), errors.Is(err, search.ErrNobodyShown):
	case err != nil:
		b.log.Warn("neighbours search before the transaction failed", "user_id", a.id.UserID, "err", err)
	default:
		a.neighbours = &p
	}
	return a
}

// neighboursCommand answers /neighbours and its page buttons: a page of
// the neighbours who agreed to be shown, each with their first name and
// the answers the flow shows, in the asker's language, and how to meet
// them (an organiser introduces them). Someone not on the map is asked to
// /start first; nothing is made for them.
func (b *Bot) neighboursCommand(tx *store.Tx, a action) ([]outMsg, error) {
	lang, err := b.svc.PersonLanguage(tx, a.id)
	if err != nil {
		return nil, err
	}
	r := b.renderer(a.chatID, lang)
	onMap, err := b.onMap(tx, a.id.UserID)
	if err != nil {
		return nil, err
	}
	if !onMap {
		return r.say(a.press, flow.MsgNeighboursStart), nil
	}
	words := directory.Normalize(a.args)
	if len(words) > maxNeighboursBytes {
		return r.say(a.press, flow.MsgFindTooLong, "max", strconv.Itoa(maxNeighboursBytes)), nil
	}
	np := a.neighbours
	if np == nil {
		got, err := b.searcher.Neighbours(context.Background(), search.Asker{Channel: channel, UserID: a.id.UserID}, words, a.neighboursPage())
		switch {
		case errors.Is(err, search.ErrNobodyShown):
			return r.say(a.press, flow.MsgNeighboursOff), nil
		case errors.Is(err, search.ErrNotOnMap):
			// On the map as of this transaction, not yet as of the read.
			return r.say(a.press, flow.MsgNeighboursStart), nil
		case err != nil:
			return nil, err
		}
		np = &got
	}
	if np.Total == 0 {
		return r.say(a.press, flow.MsgNeighboursNone), nil
	}
	// Read again in the update's transaction, so that a search made
	// before it shows nobody who has withdrawn since.
	var lines []string
	for _, res := range np.Results {
		granted, err := tx.Consent(res.ID, flow.PurposeShown)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return nil, err
		}
		if !granted {
			continue
		}
		var parts []string
		for _, s := range b.searcher.Shown(res, lang) {
			parts = append(parts, s.Label+": "+s.Text)
		}
		lines = append(lines, "• "+res.Name+": "+strings.Join(parts, "; "))
	}
	if len(lines) == 0 {
		return r.say(a.press, flow.MsgPageGone), nil
	}
	count := []string{"total", strconv.Itoa(np.Total), "page", strconv.Itoa(np.Page.Page + 1), "pages", strconv.Itoa(np.Pages)}
	var head string
	switch np.By {
	case search.ByWords:
		head = r.text(flow.MsgNeighboursWords, append(count, "words", words)...)
	case search.ByWanted:
		head = r.text(flow.MsgNeighboursWanted, append(count, "wanted", b.searcher.Wanted(np.Wanted, lang))...)
	default:
		head = r.text(flow.MsgNeighboursNewest, count...)
	}
	lines = append(append([]string{head}, lines...), "", r.text(flow.MsgNeighboursMeet))
	return r.page(a.press, lines, nil, np.Page, cbNeighboursPage, words), nil
}

// onMap reports whether the Telegram user is on the map: known, with
// their latest decision on the map consent to it.
func (b *Bot) onMap(tx *store.Tx, userID string) (bool, error) {
	p, err := tx.Person(channel, userID)
	if errors.Is(err, store.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	granted, err := tx.Consent(p.ID, b.searcher.Purpose())
	if errors.Is(err, store.ErrNotFound) {
		return false, nil
	}
	return granted, err
}
