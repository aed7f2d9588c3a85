package bot

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/assetbot/assetbot/internal/audit"
	"github.com/assetbot/assetbot/internal/config"
	"github.com/assetbot/assetbot/internal/directory"
	"github.com/assetbot/assetbot/internal/flow"
	"github.com/assetbot/assetbot/internal/search"
	"github.com/assetbot/assetbot/internal/store"
)

// The organisers' commands for finding people and assets (see
// organiserCommands).
const (
	cmdFind  = "/find"
	cmdMatch = "/match"
	cmdStats = "/stats"
)

// The buttons under results and introductions. A page button carries the
// page's number from 1 (and, for /find, the folded words); Introduce the
// person's store id; Share and No thanks the introduction's id.
const (
	cbFindPage  = "f" // "f:<page>:<words>"
	cbMatchPage = "a" // "a:<page>:"
	cbIntroduce = "i" // "i:<person id>:"
	cbShare     = "y" // "y:<introduction id>:"
	cbNoThanks  = "n" // "n:<introduction id>:"
)

// maxPageDigits is the room a page number takes in a page button's data.
const maxPageDigits = 4

// maxFindBytes bounds the folded words of /find, so that they fit in its
// page buttons' data with the page number.
const maxFindBytes = maxCallbackData - len(cbFindPage+"::") - maxPageDigits

// draftAge is how long after tapping Introduce an organiser's next text is
// taken as the message: text much later is meant for something else.
const draftAge = 30 * time.Minute

// maxIntroductionRunes bounds an organiser's introduction message: short,
// and room left in the message the person gets.
const maxIntroductionRunes = 1000

// organiserPress is, for a button under results or an introduction, what
// it asks: the page or the person or introduction it names.
type organiserPress struct {
	kind string
	num  int64
}

// WithAim sets the community's aim, which /match looks for; SetAim changes
// it while the bot runs.
func WithAim(aim config.Aim) Option { return func(b *Bot) { b.SetAim(aim) } }

// SetAim replaces the aim /match looks for, from the next /match on; it is
// safe to call while updates are handled (a config reload).
func (b *Bot) SetAim(aim config.Aim) { b.aim.Store(&aim) }

// Aim returns the aim /match looks for now: the zero Aim if none was set.
func (b *Bot) Aim() config.Aim {
	if aim := b.aim.Load(); aim != nil {
		return *aim
	}
	return config.Aim{}
}

// decideOrganiserPress reads a button made by this file: ok is false for
// data of any other kind. A kind of ours whose data is malformed is read
// as a bad button.
func decideOrganiserPress(a action, data string) (action, bool) {
	kind, rest, _ := strings.Cut(data, ":")
	switch kind {
	case cbFindPage, cbMatchPage, cbIntroduce, cbShare, cbNoThanks:
	default:
		return a, false
	}
	numText, value, found := strings.Cut(rest, ":")
	num, err := strconv.ParseInt(numText, 10, 64)
	if !found || err != nil || num <= 0 || len(data) > maxCallbackData || (kind != cbFindPage && value != "") {
		return reply(a, flow.MsgBadButton), true
	}
	a.org = organiserPress{kind: kind, num: num}
	switch kind {
	case cbFindPage, cbIntroduce:
		a.kind, a.command, a.args = actOrganiser, cmdFind, value
	case cbMatchPage:
		a.kind, a.command = actOrganiser, cmdMatch
	default:
		a.kind = actIntroductionAnswer
	}
	return a, true
}

// found is what /find, /match or /stats (or a page button) found: a note
// to say instead (usage, words too long, no aim), the totals, or a page of
// results under the aim (for /match) with the page buttons' kind and value.
type found struct {
	note        string
	vars        []string
	stats       *search.Stats
	aim         string
	page        search.Page
	kind, value string
}

// audit is the audit entry of the search f, made for a: the words
// searched for are left out (only their number is kept), since they may
// name a resident and the audit outlives residents' erasure.
func (f found) audit(a action) store.AuditEntry {
	e := store.AuditEntry{Who: a.id.UserID}
	switch {
	case f.stats != nil:
		e.Action, e.Detail = audit.Stats, "totals"
		return e
	case f.kind == cbMatchPage:
		e.Action = audit.Match
	default:
		e.Action = audit.Find
	}
	for _, res := range f.page.Results {
		if res.Kind == search.KindPerson {
			e.People++
		}
	}
	e.Detail = fmt.Sprintf("page %d/%d, found %d", f.page.Page+1, max(f.page.Pages, 1), f.page.Total)
	if f.kind == cbFindPage {
		e.Detail += fmt.Sprintf(", words %d", len(strings.Fields(f.value)))
	}
	return e
}

// find runs the search an organiser's command or page button asks for.
// It only reads, outside any transaction, so process can run it before
// the update's transaction: a search of a large map then holds up nobody
// else's writes.
func (b *Bot) find(ctx context.Context, a action) (found, error) {
	page := 0
	if a.press != nil {
		page = int(a.org.num) - 1
	}
	switch a.command {
	case cmdStats:
		st, err := b.searcher.Stats(ctx)
		return found{stats: &st}, err
	case cmdMatch:
		aim := b.aim.Load()
		if aim == nil || aim.Text == "" {
			return found{note: flow.MsgMatchNoAim}, nil
		}
		p, err := b.searcher.Match(ctx, aim.Options, aim.Words, page)
		return found{aim: aim.Text, page: p, kind: cbMatchPage}, err
	}
	words := directory.Normalize(a.args)
	switch {
	case words == "":
		return found{note: flow.MsgFindUsage}, nil
	case len(words) > maxFindBytes:
		return found{note: flow.MsgFindTooLong, vars: []string{"max", strconv.Itoa(maxFindBytes)}}, nil
	}
	p, err := b.searcher.Find(ctx, words, page)
	return found{page: p, kind: cbFindPage, value: words}, err
}

// prepare runs, before the update's transaction, the search an organiser
// asks for (see find). For anyone else nothing is run: the transaction
// refuses them.
func (b *Bot) prepare(ctx context.Context, a action) action {
	if a.kind != actOrganiser || a.org.kind == cbIntroduce || !b.organiser(a.id.UserID) {
		return a
	}
	f, err := b.find(ctx, a)
	if err != nil {
		// The transaction searches again, and reports a failure as any.
		b.log.Warn("search before the transaction failed", "user_id", a.id.UserID, "command", a.command, "err", err)
		return a
	}
	a.found = &f
	return a
}

// organiserCommand carries out /find, /match and /stats, their page
// buttons and Introduce.
func (b *Bot) organiserCommand(tx *store.Tx, a action) ([]outMsg, error) {
	lang, err := b.svc.PersonLanguage(tx, a.id)
	if err != nil {
		return nil, err
	}
	r := b.renderer(a.chatID, lang)
	if a.org.kind == cbIntroduce {
		return b.startIntroduction(tx, r, a)
	}
	f := a.found
	if f == nil {
		got, err := b.find(context.Background(), a)
		if err != nil {
			return nil, err
		}
		f = &got
	}
	if f.note != "" {
		return r.say(a.press, f.note, f.vars...), nil
	}
	if err := tx.Audit(f.audit(a)); err != nil {
		return nil, err
	}
	if f.stats != nil {
		r.add(outMsg{Method: methodSend, Text: statsText(r, *f.stats)})
		return r.out, nil
	}
	head := ""
	if f.aim != "" {
		head = r.text(flow.MsgMatchHead, "aim", f.aim)
	}
	contactable, err := contactable(tx, f.page)
	if err != nil {
		return nil, err
	}
	return b.results(r, a, lang, head, f.page, contactable, f.kind, f.value), nil
}

// contactable returns the people of a page of results who agreed to be
// contacted by organisers: only they get an Introduce button. It is read
// in the update's transaction, so a search made before it offers nobody
// who has withdrawn since.
func contactable(tx *store.Tx, p search.Page) (map[int64]bool, error) {
	ok := map[int64]bool{}
	for _, res := range p.Results {
		if res.Kind != search.KindPerson {
			continue
		}
		granted, err := tx.Consent(res.ID, flow.PurposeContact)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return nil, err
		}
		ok[res.ID] = granted
	}
	return ok, nil
}

// say answers a command with a message, or a press (if p is not nil) with
// a note, and returns all the renderer holds.
func (r *renderer) say(p *press, msg string, vars ...string) []outMsg {
	if p != nil {
		r.answer(p, r.text(msg, vars...))
	} else {
		r.add(outMsg{Method: methodSend, Text: r.text(msg, vars...)})
	}
	return r.out
}

// results shows a page of results under head (if any), in lang, with an
// Introduce button for each person who may be contacted and buttons to the
// pages either side, whose data is kind, the page and value. A press edits
// the pressed message in place; a page no longer there is refused with a
// note.
func (b *Bot) results(r *renderer, a action, lang, head string, p search.Page, contactable map[int64]bool, kind, value string) []outMsg {
	if p.Total == 0 {
		return r.say(a.press, flow.MsgFindNone)
	}
	if len(p.Results) == 0 {
		return r.say(a.press, flow.MsgPageGone)
	}
	lines := []string{r.text(flow.MsgFindPage, "total", strconv.Itoa(p.Total), "page", strconv.Itoa(p.Page+1), "pages", strconv.Itoa(p.Pages))}
	if head != "" {
		lines = append([]string{head}, lines...)
	}
	var rows [][]tgbotapi.InlineKeyboardButton
	for _, res := range p.Results {
		matched := strings.Join(res.Matched, "; ")
		if matched == "" {
			matched = r.text(flow.MsgFindByName)
		}
		if res.Kind == search.KindAsset {
			kind := res.AssetKind
			if f := b.svc.Flows()[kind]; f != nil && f.Title.In(lang) != "" {
				kind = f.Title.In(lang)
			}
			lines = append(lines, "• "+res.Name+" ("+kind+"): "+matched)
			continue
		}
		lines = append(lines, "• "+res.Name+": "+matched)
		if !contactable[res.ID] {
			continue
		}
		rows = append(rows, tgbotapi.NewInlineKeyboardRow(tgbotapi.NewInlineKeyboardButtonData(
			truncate(r.text(flow.MsgButtonIntroduce, "name", res.Name), maxButtonRunes), callbackData(cbIntroduce, res.ID, ""))))
	}
	var nav []tgbotapi.InlineKeyboardButton
	if p.Page > 0 {
		nav = append(nav, tgbotapi.NewInlineKeyboardButtonData(r.text(flow.MsgButtonPrevious), callbackData(kind, int64(p.Page), value)))
	}
	if p.Page+1 < p.Pages {
		nav = append(nav, tgbotapi.NewInlineKeyboardButtonData(r.text(flow.MsgButtonNext), callbackData(kind, int64(p.Page+2), value)))
	}
	if len(nav) > 0 {
		rows = append(rows, nav)
	}
	m := outMsg{Method: methodSend, Text: truncate(strings.Join(lines, "\n"), maxMessageRunes)}
	if len(rows) > 0 {
		m.Markup = mustJSON(tgbotapi.InlineKeyboardMarkup{InlineKeyboard: rows})
	}
	if a.press != nil {
		// A page in place of the one pressed; buttons it no longer has go.
		r.answer(a.press, "")
		m.Method, m.MessageID = methodEditText, a.press.messageID
		if m.Markup == nil {
			m.Markup = emptyInlineKeyboard
		}
	}
	r.add(m)
	return r.out
}

// statsText is the totals as one message.
func statsText(r *renderer, st search.Stats) string {
	assets := 0
	for _, n := range st.Assets {
		assets += n
	}
	byArea := maps.Clone(st.ByArea)
	if n, ok := byArea[""]; ok {
		delete(byArea, "")
		byArea[r.text(flow.MsgAreaUnknown)] = n
	}
	return r.text(flow.MsgStats, "people", strconv.Itoa(st.People), "assets", strconv.Itoa(assets), "links", strconv.Itoa(st.Links),
		"areas", counts(r, byArea), "kinds", counts(r, st.Assets))
}

// counts lists counts as "name n, ...", largest first, or says none.
func counts(r *renderer, by map[string]int) string {
	names := slices.Sorted(maps.Keys(by))
	slices.SortStableFunc(names, func(x, y string) int { return by[y] - by[x] })
	var parts []string
	for _, n := range names {
		parts = append(parts, fmt.Sprintf("%s %d", n, by[n]))
	}
	if len(parts) == 0 {
		return r.text(flow.MsgStatsNone)
	}
	return strings.Join(parts, ", ")
}

// startIntroduction opens a draft introduction of the organiser to the
// person an Introduce button names, and asks for the message: the
// organiser's next text. Someone no longer on the map is refused.
func (b *Bot) startIntroduction(tx *store.Tx, r *renderer, a action) ([]outMsg, error) {
	p, refusal, err := b.introducible(tx, a.org.num)
	if err != nil {
		return nil, err
	}
	if refusal != "" {
		return r.say(a.press, refusal), nil
	}
	organiser, err := strconv.ParseInt(a.id.UserID, 10, 64)
	if err != nil {
		return nil, fmt.Errorf("organiser id %q: %w", a.id.UserID, err)
	}
	in, err := tx.StartIntroduction(organiser, p.ID)
	if err != nil {
		return nil, err
	}
	if err := tx.Audit(store.AuditEntry{Who: a.id.UserID, Action: audit.Introduce, People: 1, Detail: fmt.Sprintf("introduction %d started", in.ID)}); err != nil {
		return nil, err
	}
	b.log.Info("introduction started", "introduction_id", in.ID, "person_id", p.ID, "by", a.id.UserID)
	r.answer(a.press, "")
	r.add(outMsg{Method: methodSend, Text: r.text(flow.MsgIntroduceWrite, "name", p.FirstName), Markup: forceReply})
	return r.out, nil
}

// introducible returns the person with the id and, if they cannot be
// introduced now, the message id saying why: they must be on the map (they
// consent to it), reachable on Telegram, and agree to be contacted by
// organisers.
func (b *Bot) introducible(tx *store.Tx, personID int64) (store.Person, string, error) {
	p, err := tx.PersonByID(personID)
	if errors.Is(err, store.ErrNotFound) {
		return p, flow.MsgIntroduceGone, nil
	}
	if err != nil {
		return p, "", err
	}
	for _, purpose := range []string{b.searcher.Purpose(), flow.PurposeContact} {
		granted, err := tx.Consent(p.ID, purpose)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return p, "", err
		}
		switch {
		case !granted && purpose == flow.PurposeContact:
			return p, flow.MsgIntroduceNoContact, nil
		case !granted:
			return p, flow.MsgIntroduceGone, nil
		}
	}
	if p.Channel != channel || !p.Reachable {
		return p, flow.MsgIntroduceGone, nil
	}
	return p, "", nil
}

// forceReply opens the reply box for the introduction's message.
var forceReply = mustJSON(tgbotapi.ForceReply{ForceReply: true})

// introductionDraft returns, for text from an organiser who is writing an
// introduction, the draft; ok is false for anyone else.
func (b *Bot) introductionDraft(tx *store.Tx, a action) (store.Introduction, bool, error) {
	if a.kind != actConverse || a.event.Input.Kind != flow.InputText || a.press != nil || !b.organiser(a.id.UserID) {
		return store.Introduction{}, false, nil
	}
	organiser, err := strconv.ParseInt(a.id.UserID, 10, 64)
	if err != nil {
		return store.Introduction{}, false, nil
	}
	in, err := tx.IntroductionDraft(organiser, draftAge)
	if errors.Is(err, store.ErrNotFound) {
		return in, false, nil
	}
	return in, err == nil, err
}

// sendIntroduction passes the organiser's message on to the person, with
// the buttons to share their Telegram or decline.
func (b *Bot) sendIntroduction(tx *store.Tx, a action, in store.Introduction) ([]outMsg, error) {
	lang, err := b.svc.PersonLanguage(tx, a.id)
	if err != nil {
		return nil, err
	}
	r := b.renderer(a.chatID, lang)
	text := strings.TrimSpace(a.event.Input.Text)
	if utf8.RuneCountInString(text) > maxIntroductionRunes {
		return r.say(a.press, flow.MsgIntroduceTooLong, "max", strconv.Itoa(maxIntroductionRunes)), nil
	}
	// They may have left the map, or withdrawn their agreement to be
	// contacted, since the organiser tapped Introduce.
	p, refusal, err := b.introducible(tx, in.PersonID)
	if err != nil {
		return nil, err
	}
	if refusal != "" {
		return r.say(a.press, refusal), nil
	}
	chat, err := strconv.ParseInt(p.ChannelUserID, 10, 64)
	if err != nil {
		return nil, fmt.Errorf("person %d's chat: %w", p.ID, err)
	}
	if err := tx.SetIntroductionMessage(in.ID, text); err != nil {
		return nil, err
	}
	to := b.renderer(chat, p.Language)
	name := a.id.FirstName
	to.add(outMsg{Method: methodSend, Text: truncate(to.text(flow.MsgIntroduction, "organiser", name, "message", text), maxMessageRunes),
		Markup: mustJSON(tgbotapi.NewInlineKeyboardMarkup(
			tgbotapi.NewInlineKeyboardRow(tgbotapi.NewInlineKeyboardButtonData(truncate(to.text(flow.MsgButtonShare, "organiser", name), maxButtonRunes), callbackData(cbShare, in.ID, ""))),
			tgbotapi.NewInlineKeyboardRow(tgbotapi.NewInlineKeyboardButtonData(truncate(to.text(flow.MsgButtonNoThanks), maxButtonRunes), callbackData(cbNoThanks, in.ID, ""))),
		))})
	b.log.Info("introduction sent", "introduction_id", in.ID, "person_id", p.ID, "by", a.id.UserID)
	r.add(outMsg{Method: methodSend, Text: r.text(flow.MsgIntroduceSent)})
	return append(r.out, to.out...), nil
}

// answerIntroduction applies a person's Share or No thanks, once: the
// organiser is told the answer, and gets a link to the person's profile
// only on Share. A press on an introduction already answered, or not the
// presser's, is refused with a note.
func (b *Bot) answerIntroduction(tx *store.Tx, a action) ([]outMsg, error) {
	lang, err := b.svc.PersonLanguage(tx, a.id)
	if err != nil {
		return nil, err
	}
	r := b.renderer(a.chatID, lang)
	shared := a.org.kind == cbShare
	var in store.Introduction
	p, err := tx.Person(channel, a.id.UserID)
	if err == nil {
		in, err = tx.AnswerIntroduction(a.org.num, p.ID, shared)
	}
	if errors.Is(err, store.ErrNotFound) || errors.Is(err, store.ErrIntroductionClosed) {
		return r.say(a.press, flow.MsgIntroductionClosed), nil
	}
	if err != nil {
		return nil, err
	}
	b.log.Info("introduction answered", "introduction_id", in.ID, "shared", shared)
	thanks := flow.MsgIntroductionNoThanks
	if shared {
		thanks = flow.MsgIntroductionThanks
	}
	r.answer(a.press, "")
	r.add(outMsg{Method: methodEditMarkup, MessageID: a.press.messageID, Markup: emptyInlineKeyboard})
	r.add(outMsg{Method: methodSend, Text: r.text(thanks)})
	orgLang := "en"
	if org, err := tx.Person(channel, strconv.FormatInt(in.OrganiserUserID, 10)); err == nil {
		orgLang = org.Language
	} else if !errors.Is(err, store.ErrNotFound) {
		return nil, err
	}
	to := b.renderer(in.OrganiserUserID, orgLang)
	if shared {
		// The organiser learns who the person is on Telegram.
		e := store.AuditEntry{Who: strconv.FormatInt(in.OrganiserUserID, 10), Action: audit.Introduce, People: 1, Detail: fmt.Sprintf("introduction %d shared", in.ID)}
		if err := tx.Audit(e); err != nil {
			return nil, err
		}
		to.add(outMsg{Method: methodSend, Text: to.text(flow.MsgIntroductionShared, "name", p.FirstName, "user", p.ChannelUserID)})
	} else {
		to.add(outMsg{Method: methodSend, Text: to.text(flow.MsgIntroductionDeclined)})
	}
	return append(r.out, to.out...), nil
}
