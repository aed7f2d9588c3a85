package bot

import (
	"maps"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/assetbot/assetbot/bot/fakeapi"
	"github.com/assetbot/assetbot/internal/flow"
)

// englishWords are common English words that no Welsh message should
// hold as a whole word.
var englishWords = regexp.MustCompile(`(?i)\b(the|and|you|your|please|what|send|back|done|skip|keep|yes|no|share|type|sorry|thank|thanks|answer|question|again|change|delete|here|that|this|with|for|not|are|have|any|all|welcome|only|none|or|my|location|something|else|carry|start)\b`)

// commandPattern matches commands and links, which are the same in every
// language.
var commandPattern = regexp.MustCompile(`https://\S+|/[a-z_]+(@\w+)?`)

// placeholderPattern splits a text at its {placeholders}.
var placeholderPattern = regexp.MustCompile(`\{[a-z_]+\}`)

// welshWalk is a Welsh-speaking resident in a chat with the bot.
type welshWalk struct {
	*resident
	f *flow.Flow
}

// cy is a catalogue message in Welsh.
func (w welshWalk) cy(msg string, vars ...string) string { return w.f.Text(msg, "cy", vars...) }

// question is the Welsh text of a step, up to its first line break.
func (w welshWalk) question(step string) string {
	text, _, _ := strings.Cut(w.f.Step(step).Text.In("cy"), "\n")
	return strings.ReplaceAll(text, "{first_name}", w.name)
}

// expect fails unless m's text holds each of want.
func (w welshWalk) expect(m fakeapi.Sent, want ...string) fakeapi.Sent {
	w.t.Helper()
	for _, s := range want {
		if !strings.Contains(m.Text, s) {
			w.t.Fatalf("got %q; want it to hold %q", m.Text, s)
		}
	}
	return m
}

// says types text and checks the one reply holds each of want.
func (w welshWalk) says(text string, want ...string) fakeapi.Sent {
	w.t.Helper()
	w.say(text)
	return w.expect(w.reply(), want...)
}

// chooses presses the button of q with kind and value, checks the pressed
// message shows echo and the next message holds each of want.
func (w welshWalk) chooses(q fakeapi.Sent, kind, value, echo string, want ...string) fakeapi.Sent {
	w.t.Helper()
	w.press(q, button(w.t, q, kind, value))
	return w.expect(w.pressed(q, echo), want...)
}

// stale presses a button of an old question and returns the toast; if
// cleared, the bot also takes the old question's buttons away.
func (w welshWalk) stale(q fakeapi.Sent, data string, cleared bool) string {
	w.t.Helper()
	w.press(q, data)
	batch := w.await("the callback answer", func(s []fakeapi.Sent) bool {
		return has(fakeapi.MethodAnswerCallbackQuery)(s) && (!cleared || has(fakeapi.MethodEditMessageReplyMarkup)(s))
	})
	for _, s := range batch {
		if s.Method == fakeapi.MethodAnswerCallbackQuery {
			return s.Text
		}
	}
	return ""
}

// TestWelshWalkThrough plays a resident whose Telegram is in Welsh through
// the whole resident flow and every menu and reply the bot has (resume,
// review, summary, change, delete, /help, /language, /stop, a stale
// button, retry messages, media, unknown commands, ...), then fails on
// any English in what the bot sent: an English text of the flow or the
// catalogue (whose Welsh differs), or a common English word.
func TestWelshWalkThrough(t *testing.T) {
	h := newHarness(t, fakeapi.Options{})
	const id = 811
	h.fake.SetLanguage(id, "cy")
	w := welshWalk{resident: h.resident(t, id, "Rhys"), f: h.bot.svc.Flow()}
	from := rawUser(id)
	from["language_code"] = "cy"

	// The flow, with every kind of retry on the way.
	w.says("/start", "Helo Rhys", w.question("consent"))
	consent := w.says("efallai", w.cy(flow.MsgYesOrNo), w.question("consent"))
	hands := w.chooses(consent, "o", "yes", w.cy(flow.MsgButtonYesOfAge, "min_age", "16"), w.question("hands"))
	for _, kind := range slices.Sorted(maps.Keys(media)) {
		w.inject(rawMessageFrom("message", id, from, media[kind]))
		hands = w.expect(w.reply(), "Alla i ddim darllen", w.question("hands"))
	}
	w.inject(rawMessageFrom("message", id, from, map[string]any{"contact": map[string]any{"phone_number": "+447700900123", "first_name": "Bob"}}))
	w.expect(w.reply(), w.cy(flow.MsgContact))
	for _, option := range []string{"cooking", "other"} {
		w.press(hands, button(t, hands, "t", option))
		w.toggled(hands)
	}
	w.chooses(hands, "d", "", "", w.f.Step("hands").OtherPrompt.In("cy"))
	head := w.says("Trwsio beiciau", w.question("head"))
	hands = w.chooses(head, "b", "", "", w.question("hands"), w.cy(flow.MsgCurrent, "answer", "Coginio, Trwsio beiciau"))
	w.chooses(hands, "k", "", "Coginio, Trwsio beiciau", w.question("head"))
	w.says("Hanes y gamlas", w.question("heart"))
	w.says("99", w.cy(flow.MsgPickOption))
	offer := w.says("Bwyd", w.question("offer"))
	learn := w.chooses(offer, "s", "", w.cy(flow.MsgSkipped), w.question("learn"))
	w.says("/skip", w.question("time"))
	if got := w.stale(learn, button(t, learn, "d", ""), true); got != w.cy(flow.MsgMovedOn) {
		t.Errorf("a stale button's toast is %q; want %q", got, w.cy(flow.MsgMovedOn))
	}
	w.says("Tua awr yr wythnos", w.question("when"))
	w.says("Penwythnosau", w.question("groups"))
	w.says("/skip", w.question("connector"))
	connector := w.says("efallai", w.cy(flow.MsgYesOrNo))
	contact := w.chooses(connector, "o", "no", w.cy(flow.MsgButtonNo), w.question("contact"))
	shown := w.chooses(contact, "o", "yes", w.cy(flow.MsgButtonYes), w.question("shown"))
	w.chooses(shown, "o", "no", w.cy(flow.MsgButtonNo), w.question("area"))
	w.says("12 Heol y Frenhines, Caerdydd", w.f.Step("area").Validate.Message.In("cy"))
	summary := w.says("CF10", "Diolch, Rhys!", "Dyma beth ddywedoch chi wrtha i")

	// Change one answer, by way of the change menu's back button.
	change := w.chooses(summary, "m", actChange, w.cy(flow.MsgMenuChangeAnswer), w.cy(flow.MsgChange))
	review := w.chooses(change, "m", actMenu, w.cy(flow.MsgButtonBack), "Croeso'n ôl, Rhys!")
	change = w.chooses(review, "m", actChange, w.cy(flow.MsgMenuChangeAnswer), w.cy(flow.MsgChange))
	w.chooses(change, "m", "q_area", w.f.Step("area").Label.In("cy"), w.question("area"))
	summary = w.says("Cathays", "Dyma beth ddywedoch chi wrtha i", "Cathays")
	w.chooses(summary, "m", actConfirm, w.cy(flow.MsgMenuAllRight), w.cy(flow.MsgConfirmed, "first_name", "Rhys"))
	w.says("helo", w.cy(flow.MsgDoneAlready, "first_name", "Rhys"))

	// Review: delete, then keep them after all.
	review = w.says("/me", "Croeso'n ôl, Rhys!")
	del := w.chooses(review, "m", actDeleteAll, w.cy(flow.MsgMenuDeleteAll), w.cy(flow.MsgDelete))
	w.chooses(del, "m", actDeleteNo, w.cy(flow.MsgMenuDeleteNo), w.cy(flow.MsgKept))

	// Go through it all again: what cannot be skipped or gone back from,
	// a pause and the resume menu.
	review = w.says("/me", "Croeso'n ôl, Rhys!")
	w.chooses(review, "m", actAgainAll, w.cy(flow.MsgMenuGoThrough), w.question("consent"), w.cy(flow.MsgCurrent, "answer", w.cy(flow.MsgButtonYes)))
	w.says("/skip", w.cy(flow.MsgCannotSkip))
	w.says("/back", w.cy(flow.MsgFirstStep))
	w.says("/cancel", w.cy(flow.MsgPaused))
	resume := w.says("/start", w.cy(flow.MsgResume, "first_name", "Rhys"))
	consent = w.chooses(resume, "m", actCarryOn, w.cy(flow.MsgMenuCarryOn), w.question("consent"))

	// The bot's own replies.
	w.says("/help", w.cy(flow.MsgHelp))
	w.says("/nonsense", w.cy(flow.MsgUnknownCommand, "command", "/nonsense"))
	w.says("/start@SomeOtherBot", w.cy(flow.MsgOtherBot))
	w.inject(rawMessageFrom("edited_message", id, from, map[string]any{"text": "Cathays", "edit_date": 1700000000}))
	w.expect(w.reply(), w.cy(flow.MsgEdited))
	if got := w.stale(consent, "nonsense", false); got != w.cy(flow.MsgBadButton) {
		t.Errorf("a button we did not make got %q; want %q", got, w.cy(flow.MsgBadButton))
	}

	// /language, chosen: Telegram's language no longer decides.
	menu := w.says("/language", w.cy(flow.MsgLanguageMenu))
	if got := []string{label(menu, button(t, menu, "m", "lang_en")), label(menu, button(t, menu, "m", "lang_cy"))}; !slices.Equal(got, []string{"English", "Cymraeg"}) {
		t.Errorf("language menu %v; want each language in its own name", got)
	}
	w.chooses(menu, "m", "lang_cy", "Cymraeg", w.cy(flow.MsgLanguageChosen), w.question("consent"))
	h.fake.SetLanguage(id, "en")
	from["language_code"] = "en"
	w.says("/stop", w.cy(flow.MsgStopped, "first_name", "Rhys"))
	w.says("/nonsense", w.cy(flow.MsgUnknownCommand, "command", "/nonsense"))

	// Delete everything; then nothing is held or open.
	w.says("/cancel", w.cy(flow.MsgPaused))
	review = w.says("/me", "Croeso'n ôl, Rhys!")
	del = w.chooses(review, "m", actDeleteAll, w.cy(flow.MsgMenuDeleteAll), w.cy(flow.MsgDelete))
	w.chooses(del, "m", actDeleteYes, w.cy(flow.MsgMenuDeleteYes), w.cy(flow.MsgDeleted))
	// Their choice of language went with everything else: from now on
	// Telegram's language decides, as for anyone new.
	h.fake.SetLanguage(id, "cy")
	from["language_code"] = "cy"
	w.says("/me", w.cy(flow.MsgNothingHeld))
	w.says("/back", w.cy(flow.MsgNothingOpen))

	// A broken link: they are new, so consent comes first.
	w.says("/start !!!", w.question("consent"))
	if p, _ := h.person(t, id); p.Language != "cy" || p.LanguageChosen {
		t.Errorf("stored person %+v; want Welsh, not chosen", p)
	}

	// Someone else says no.
	const other = 812
	h.fake.SetLanguage(other, "cy-GB")
	n := welshWalk{resident: h.resident(t, other, "Nia"), f: w.f}
	consent = n.says("/start", "Helo Nia", n.question("consent"))
	n.chooses(consent, "o", "no", n.cy(flow.MsgButtonNo), "Dim problem o gwbl, Nia")
	n.says("helo", n.cy(flow.MsgDeclinedBefore))

	checkWelsh(t, w.f, append(h.fake.Messages(id), h.fake.Messages(other)...))
}

// Menu actions as the conversation names them in callback data.
const (
	actChange    = "change"
	actMenu      = "menu"
	actConfirm   = "confirm"
	actDeleteAll = "delete"
	actDeleteYes = "delete_yes"
	actDeleteNo  = "delete_no"
	actAgainAll  = "again"
	actCarryOn   = "continue"
)

// checkWelsh fails on English in the texts, buttons and placeholders sent.
func checkWelsh(t *testing.T, f *flow.Flow, sent []fakeapi.Sent) {
	t.Helper()
	var shown []string
	for _, s := range sent {
		shown = append(shown, s.Text)
		if s.Markup == nil {
			continue
		}
		shown = append(shown, s.Markup.InputFieldPlaceholder)
		for _, b := range s.Markup.InlineButtons() {
			shown = append(shown, b.Text)
		}
		for _, row := range s.Markup.Keyboard {
			for _, b := range row {
				shown = append(shown, b.Text)
			}
		}
	}
	// The language menu names each language in itself, English too.
	english := f.Msg(flow.MsgLanguageName, "en")
	for i, s := range shown {
		shown[i] = strings.ReplaceAll(commandPattern.ReplaceAllString(s, ""), english, "")
	}
	all := strings.Join(shown, "\n")
	if len(sent) < 100 {
		t.Fatalf("only %d calls seen; the walk-through is missing", len(sent))
	}
	for _, s := range shown {
		if m := englishWords.FindString(s); m != "" {
			t.Errorf("English word %q in %q", m, s)
		}
	}
	letters := regexp.MustCompile(`\pL`)
	for _, tt := range englishTexts(f) {
		if tt.en == tt.cy && letters.MatchString(tt.en) {
			t.Errorf("%s is the same in Welsh as in English: %q", tt.what, tt.en)
		}
		for _, piece := range placeholderPattern.Split(tt.en, -1) {
			for _, line := range strings.Split(piece, "\n") {
				line = strings.TrimSpace(line)
				if line == "" || strings.Contains(tt.cy, line) || !letters.MatchString(line) {
					continue
				}
				if regexp.MustCompile(`(^|[^\pL])` + regexp.QuoteMeta(line) + `($|[^\pL])`).MatchString(all) {
					t.Errorf("English %s (%q) was shown", tt.what, line)
				}
			}
		}
	}
}

// englishText is a text in English and Welsh.
type englishText struct{ what, en, cy string }

// englishTexts lists every text of the catalogue and the flow.
func englishTexts(f *flow.Flow) []englishText {
	var out []englishText
	add := func(what string, t flow.Text) {
		if t != nil {
			out = append(out, englishText{what, t.In("en"), t.In("cy")})
		}
	}
	for _, id := range flow.MessageIDs() {
		if id != flow.MsgLanguageName {
			out = append(out, englishText{"message " + id, f.Msg(id, "en"), f.Msg(id, "cy")})
		}
	}
	add("title", f.Title)
	add("declined", f.Declined)
	for _, s := range f.Steps {
		add(s.ID+" text", s.Text)
		add(s.ID+" hint", s.Hint)
		add(s.ID+" label", s.Label)
		add(s.ID+" other_prompt", s.OtherPrompt)
		add(s.ID+" retry", s.Retry)
		if s.Validate != nil {
			add(s.ID+" validate", s.Validate.Message)
		}
		for _, o := range s.Options {
			add(s.ID+" option "+o.ID, o.Label)
		}
	}
	return out
}

// TestCommandMenusPerLanguage checks that the command menu is registered
// in English by default and in Welsh for Welsh-speaking people.
func TestCommandMenusPerLanguage(t *testing.T) {
	h := newHarness(t, fakeapi.Options{})
	var calls []map[string][]string
	waitUntil(t, "two setMyCommands calls", func() bool {
		calls = nil
		for _, c := range h.fake.Calls("setMyCommands") {
			calls = append(calls, c)
		}
		return len(calls) == 2
	})
	f := h.bot.svc.Flow()
	for i, want := range []struct{ lang, code string }{{"en", ""}, {"cy", "cy"}} {
		if got := calls[i]["language_code"]; strings.Join(got, "") != want.code {
			t.Errorf("call %d has language_code %q; want %q", i, got, want.code)
		}
		cmds := strings.Join(calls[i]["commands"], "")
		for _, c := range commands {
			if !strings.Contains(cmds, `"command":"`+c.command+`"`) || !strings.Contains(cmds, f.Msg(c.description, want.lang)) {
				t.Errorf("%s menu %s; want /%s described as %q", want.lang, cmds, c.command, f.Msg(c.description, want.lang))
			}
		}
	}
}
