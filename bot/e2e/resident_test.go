package e2e

import (
	"context"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/assetbot/assetbot/flows"
	"github.com/assetbot/assetbot/internal/flow"
)

// resident plays one Telegram user in a private chat with the bot. Its
// chat id is its user id, as in Telegram.
type resident struct {
	t   *testing.T
	emu *emulator
	id  int64
	// name is the first name Telegram gives the bot; the export shows it.
	name string
	// username is the @username (without the @) Telegram gives the bot,
	// "" for a user without one.
	username string
	// fatalf ends the resident's play: t.Fatalf on the test's goroutine,
	// t.Errorf then runtime.Goexit on another.
	fatalf func(format string, args ...any)

	seen       int        // the newest bot message taken by next
	last       botMessage // that message
	presses    int        // callback queries sent
	duplicates int        // messages the bot sent twice (see expectDuplicates)
	dedupe     bool
}

func newResident(t *testing.T, d *deployment, id int64, name string) *resident {
	return &resident{t: t, emu: d.emu, id: id, name: name, fatalf: t.Fatalf}
}

func (r *resident) from() map[string]any {
	from := map[string]any{"id": r.id, "is_bot": false, "first_name": r.name, "language_code": "en"}
	if r.username != "" {
		from["username"] = r.username
	}
	return from
}

func (r *resident) chat() map[string]any {
	return map[string]any{"id": r.id, "type": "private", "first_name": r.name}
}

// deliver sends a message from the resident through the emulator's client
// route, with content (its text, location, entities) as its fields: the
// emulator passes the message to the bot as it is.
func (r *resident) deliver(route string, content map[string]any) error {
	msg := map[string]any{"botToken": token, "date": time.Now().Unix(), "from": r.from(), "chat": r.chat()}
	maps.Copy(msg, content)
	return r.emu.post(route, msg, nil)
}

// send types text, as a plain message: the emulator marks no command
// entity, so "/start" sent this way tests that the bot reads the text.
func (r *resident) send(text string) {
	r.t.Helper()
	if err := r.deliver("/sendMessage", map[string]any{"text": text}); err != nil {
		r.fatalf("send %q: %v", text, err)
	}
}

// command sends a command the way Telegram apps do, with a bot_command
// entity.
func (r *resident) command(text string) {
	r.t.Helper()
	word, _, _ := strings.Cut(text, " ")
	entities := []map[string]any{{"type": "bot_command", "offset": 0, "length": len(word)}}
	if err := r.deliver("/sendCommand", map[string]any{"text": text, "entities": entities}); err != nil {
		r.fatalf("send command %q: %v", text, err)
	}
}

// share shares a location, as the 📍 button or the attachment menu does:
// a message with no text and a location.
func (r *resident) share(at flow.Location) {
	r.t.Helper()
	location := map[string]float64{"latitude": at.Lat, "longitude": at.Lon}
	if err := r.deliver("/sendMessage", map[string]any{"location": location}); err != nil {
		r.fatalf("share location %v: %v", at, err)
	}
}

// press presses the inline button with callback data on message m.
func (r *resident) press(m botMessage, data string) {
	r.t.Helper()
	message := map[string]any{"message_id": m.ID, "date": time.Now().Unix(), "chat": r.chat(), "text": m.Text}
	query := map[string]any{"botToken": token, "from": r.from(), "message": message, "data": data}
	if err := r.emu.post("/sendCallback", query, nil); err != nil {
		r.fatalf("press %q: %v", data, err)
	}
	r.presses++
}

// data returns the callback data of m's button of kind for value ("" for
// Done, Back, Skip and Keep), failing if m has no such button.
func (r *resident) data(m botMessage, kind, value string) string {
	r.t.Helper()
	if b, ok := m.button(kind, value); ok {
		return b.CallbackData
	}
	r.fatalf("message %d has no %q button for %q; its keyboard: %v (text %q)", m.ID, kind, value, m.Markup.InlineKeyboard, m.Text)
	return ""
}

// button finds m's inline button whose data is "<kind>:<turn>:<value>".
func (m botMessage) button(kind, value string) (button, bool) {
	for _, row := range m.Markup.InlineKeyboard {
		for _, b := range row {
			parts := strings.SplitN(b.CallbackData, ":", 3)
			if len(parts) == 3 && parts[0] == kind && parts[2] == value {
				return b, true
			}
		}
	}
	return button{}, false
}

// expectDuplicates lets next pass over a message identical to the last
// one taken. After a crash the bot may send again a message it sent but
// had not yet recorded as sent: at least once, by design.
func (r *resident) expectDuplicates() { r.dedupe = true }

// next waits for the bot's next new message to the resident and checks
// that its text contains want.
func (r *resident) next(want string) botMessage {
	r.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), replyTimeout)
	defer cancel()
	for {
		var m botMessage
		msgs, err := r.emu.await(ctx, r.id, func(msgs []botMessage) bool {
			i := slices.IndexFunc(msgs, func(m botMessage) bool { return m.ID > r.seen })
			if i >= 0 {
				m = msgs[i]
			}
			return i >= 0
		})
		if err != nil {
			r.fatalf("waiting for the bot's reply (want %q): %v; its latest messages:\n%s", want, err, latest(msgs, 3))
		}
		r.seen = m.ID
		if r.dedupe && m.Text == r.last.Text && fmt.Sprint(m.Markup) == fmt.Sprint(r.last.Markup) {
			r.duplicates++
			r.t.Logf("%s: message sent again after the restart: %q", r.name, firstLine(m.Text))
			continue
		}
		r.last = m
		if !strings.Contains(m.Text, want) {
			r.fatalf("got message %q; want one containing %q", m.Text, want)
		}
		return m
	}
}

func latest(msgs []botMessage, n int) string {
	var b strings.Builder
	for _, m := range msgs[max(len(msgs)-n, 0):] {
		fmt.Fprintf(&b, "  #%d %q %+v\n", m.ID, m.Text, m.Markup)
	}
	return b.String()
}

// say types text and returns the bot's reply, which must contain want.
func (r *resident) say(text, want string) botMessage {
	r.t.Helper()
	r.send(text)
	return r.next(want)
}

// message returns bot message id as it stands now.
func (r *resident) message(id int) botMessage {
	r.t.Helper()
	msgs, err := r.emu.messagesTo(r.id)
	if err != nil {
		r.fatalf("read messages: %v", err)
	}
	for _, m := range msgs {
		if m.ID == id {
			return m
		}
	}
	r.fatalf("no bot message %d", id)
	return botMessage{}
}

// pick presses m's button of kind for value and returns the bot's next
// message, which must contain want. The pressed message must have lost
// its keyboard, and an option or menu choice must be echoed on it.
func (r *resident) pick(m botMessage, kind, value, want string) botMessage {
	r.t.Helper()
	echo := ""
	if kind == "o" || kind == "m" {
		b, _ := m.button(kind, value)
		echo = b.Text
	}
	return r.pickEchoing(m, kind, value, echo, want)
}

// pickEchoing is pick for a button whose press the pressed message echoes
// as echo ("" for none).
func (r *resident) pickEchoing(m botMessage, kind, value, echo, want string) botMessage {
	r.t.Helper()
	r.press(m, r.data(m, kind, value))
	reply := r.next(want)
	// The edit was sent before the reply, so it has been applied.
	pressed := r.message(m.ID)
	if len(pressed.Markup.InlineKeyboard) > 0 {
		r.fatalf("pressed message %d still has its keyboard: %v", m.ID, pressed.Markup.InlineKeyboard)
	}
	if echo != "" && !strings.HasSuffix(pressed.Text, "» "+echo) {
		r.fatalf("pressed message %d reads %q; want it to end with %q", m.ID, pressed.Text, "» "+echo)
	}
	return reply
}

// tick presses a multi option's "t:" button on m and waits for the bot to
// redraw the keyboard with the option ticked, or unticked if it was.
func (r *resident) tick(m botMessage, option string) botMessage {
	r.t.Helper()
	data := r.data(m, "t", option)
	b, _ := m.button("t", option)
	wasTicked := strings.HasPrefix(b.Text, "✅ ")
	r.press(m, data)
	ctx, cancel := context.WithTimeout(context.Background(), replyTimeout)
	defer cancel()
	var edited botMessage
	msgs, err := r.emu.await(ctx, r.id, func(msgs []botMessage) bool {
		for _, cur := range msgs {
			if cur.ID == m.ID {
				b, ok := cur.button("t", option)
				edited = cur
				return ok && strings.HasPrefix(b.Text, "✅ ") != wasTicked
			}
		}
		return false
	})
	if err != nil {
		r.fatalf("waiting for %q to be ticked=%v on message %d: %v; latest messages:\n%s", option, !wasTicked, m.ID, err, latest(msgs, 3))
	}
	return edited
}

// asks reports whether m's markup asks for an answer: a message with no
// markup, or one that only removes a reply keyboard, asks nothing.
func asks(m botMessage) bool {
	return len(m.Markup.InlineKeyboard) > 0 || len(m.Markup.Keyboard) > 0 || m.Markup.ForceReply
}

// ticked lists the options ticked on m.
func ticked(m botMessage) []string {
	var out []string
	for _, row := range m.Markup.InlineKeyboard {
		for _, b := range row {
			parts := strings.SplitN(b.CallbackData, ":", 3)
			if len(parts) == 3 && parts[0] == "t" && strings.HasPrefix(b.Text, "✅ ") {
				out = append(out, parts[2])
			}
		}
	}
	return out
}

// pressStale presses a button of an old question and waits for the bot to
// take the keyboard off that message, as it does for a stale press.
func (r *resident) pressStale(m botMessage, data string) {
	r.t.Helper()
	r.press(m, data)
	ctx, cancel := context.WithTimeout(context.Background(), replyTimeout)
	defer cancel()
	msgs, err := r.emu.await(ctx, r.id, func(msgs []botMessage) bool {
		i := slices.IndexFunc(msgs, func(cur botMessage) bool { return cur.ID == m.ID })
		return i >= 0 && len(msgs[i].Markup.InlineKeyboard) == 0
	})
	if err != nil {
		r.fatalf("waiting for the keyboard of old message %d to go: %v; latest messages:\n%s", m.ID, err, latest(msgs, 3))
	}
}

// noMore checks that the bot sent the resident nothing after the last
// message taken. Call it once the bot has stopped.
func (r *resident) noMore() {
	r.t.Helper()
	msgs, err := r.emu.messagesTo(r.id)
	if err != nil {
		r.fatalf("read messages: %v", err)
	}
	for _, m := range msgs {
		if m.ID > r.seen {
			r.fatalf("unexpected message from the bot after the last reply: %q", m.Text)
		}
	}
}

// The shipped flows, for the wording of their questions.
var shippedFlows = sync.OnceValues(func() (map[string]*flow.Flow, error) {
	fl, problems := flow.LoadFS(flows.FS, ".")
	if problems != nil {
		return nil, problems
	}
	return fl, nil
})

// shippedFlow returns the shipped flow with the given id.
func shippedFlow(t *testing.T, id string) *flow.Flow {
	t.Helper()
	fl, err := shippedFlows()
	if err != nil {
		t.Fatal(err)
	}
	f, ok := fl[id]
	if !ok {
		t.Fatalf("no %s flow among the shipped flows", id)
	}
	return f
}

// mustFlow returns the shipped resident flow.
func mustFlow(t *testing.T) *flow.Flow {
	t.Helper()
	return shippedFlow(t, "resident")
}

// Texts of the bot's own menus (internal/conversation).
const (
	textSummary = "Here's what you told me"
	textSaved   = "That's all saved"
	textResume  = "Carry on where you left off"
)

// textOffer is the start of the offer to add to the map that follows the
// thanks at the end of the resident flow.
func textOffer(t *testing.T) string {
	t.Helper()
	return firstLine(mustFlow(t).Msg(flow.MsgAddOffer, "en"))
}

// textAddNothing is the reply to "No thanks" on that offer.
func textAddNothing(t *testing.T) string {
	t.Helper()
	return firstLine(mustFlow(t).Msg(flow.MsgAddNothing, "en"))
}

// firstLine is the start of a flow text that a message shows verbatim:
// up to the first line break or placeholder.
func firstLine(text string) string {
	text, _, _ = strings.Cut(text, "\n")
	text, _, _ = strings.Cut(text, "{")
	return strings.TrimSpace(text)
}

// ask is the wording of the question of step id of the resident flow, as
// a message shows it.
func ask(t *testing.T, id string) string {
	t.Helper()
	return askIn(t, mustFlow(t), id)
}

// askIn is the wording of the question of step id of flow f, as a message
// shows it, with the placeholders of vars (name, value, ...) filled in.
func askIn(t *testing.T, f *flow.Flow, id string, vars ...string) string {
	t.Helper()
	s := f.Step(id)
	if other, ok := strings.CutSuffix(id, "/other"); ok {
		return firstLine(fill(f.Step(other).OtherPrompt.In("en"), vars))
	}
	if s == nil {
		t.Fatalf("no step %q in the %s flow", id, f.ID)
	}
	return firstLine(fill(s.Text.In("en"), vars))
}

// fill replaces the placeholders of vars (name, value, ...) in text.
func fill(text string, vars []string) string {
	for i := 0; i+1 < len(vars); i += 2 {
		text = strings.ReplaceAll(text, "{"+vars[i]+"}", vars[i+1])
	}
	return text
}

// questionOf tells which question of the flow message text asks: a step
// id, or "<id>/other" for the free text of a multi step's "something else".
func questionOf(f *flow.Flow, text string) string {
	for _, s := range f.Steps {
		if s.Type == flow.TypeInfo {
			continue
		}
		if s.Other && shows(text, s.OtherPrompt.In("en")) {
			return s.ID + "/other"
		}
		if shows(text, s.Text.In("en")) {
			return s.ID
		}
	}
	return ""
}

// placeholder is a value filled into a flow text, like {name}.
var placeholder = regexp.MustCompile(`\{[a-z_]+\}`)

// shows reports whether message text shows the first line of a flow text,
// whatever its placeholders were filled with: a text cut at its first
// placeholder, like "Is {name} open to newcomers?", would say too little.
func shows(text, flowText string) bool {
	line, _, _ := strings.Cut(flowText, "\n")
	parts := placeholder.Split(strings.TrimSpace(line), -1)
	for i, p := range parts {
		parts[i] = regexp.QuoteMeta(p)
	}
	return regexp.MustCompile(strings.Join(parts, ".+?")).MatchString(text)
}

// answer is how a resident answers one question.
type answer struct {
	option string   // press this option
	ticks  []string // tick these options, then press Done
	text   string   // type this
	skip   bool     // press Skip, or type /skip if there is no button
}

// plan is how a resident answers each question, by step id ("<id>/other"
// for the free text after ticking "other").
type plan map[string]answer

// play answers the questions of the resident flow from message m on, as p
// says, until the question of step until (not answered) or the summary at
// the end.
func (r *resident) play(m botMessage, p plan, until string) botMessage {
	r.t.Helper()
	return r.playFlow(mustFlow(r.t), m, p, until, textSummary)
}

// playFlow answers the questions of flow f from message m on, as p says,
// until the question of step until (not answered) or the message that
// shows summary, the summary at the end.
func (r *resident) playFlow(f *flow.Flow, m botMessage, p plan, until, summary string) botMessage {
	r.t.Helper()
	for !strings.Contains(m.Text, summary) {
		step := questionOf(f, m.Text)
		if step == "" {
			r.fatalf("the bot asked something the %s flow does not: %q", f.ID, m.Text)
		}
		if step == until {
			return m
		}
		a, ok := p[step]
		if !ok {
			r.fatalf("the bot asked %s, which the plan does not answer: %q", step, m.Text)
		}
		m = r.answer(m, a)
	}
	if until != "" {
		r.fatalf("reached the summary before question %s", until)
	}
	return m
}

// answer answers message m's question.
func (r *resident) answer(m botMessage, a answer) botMessage {
	r.t.Helper()
	switch {
	case a.skip:
		if _, ok := m.button("s", ""); ok {
			return r.pick(m, "s", "", "")
		}
		return r.say("/skip", "")
	case a.option != "":
		return r.pick(m, "o", a.option, "")
	case len(a.ticks) > 0:
		for _, o := range a.ticks {
			m = r.tick(m, o)
		}
		return r.pick(m, "d", "", "")
	}
	return r.say(a.text, "")
}

// expected is what the export must hold for a resident who followed p:
// one answer per question asked, by answer key.
func (p plan) expected(t *testing.T) map[string]flow.Value {
	t.Helper()
	f := mustFlow(t)
	want := map[string]flow.Value{}
	for id, a := range p {
		if strings.HasSuffix(id, "/other") {
			continue
		}
		s := f.Step(id)
		if s == nil {
			t.Fatalf("plan answers %q, which is no step of the flow", id)
		}
		if s.Consent != "" {
			continue
		}
		var v flow.Value
		switch {
		case a.skip:
			v.Skipped = true
		case s.Type == flow.TypeYesNo:
			yes := a.option == flow.Yes
			v.Bool = &yes
		case s.Type == flow.TypeChoice:
			v.Choice = a.option
		case s.Type == flow.TypeMulti:
			for _, o := range s.Options { // stored in the flow's order
				if slices.Contains(a.ticks, o.ID) {
					v.Choices = append(v.Choices, o.ID)
				}
			}
			if slices.Contains(a.ticks, flow.OtherOption) {
				v.Other = p[id+"/other"].text
			}
		default:
			v.Text = a.text
		}
		want[s.Key] = v
	}
	return want
}
