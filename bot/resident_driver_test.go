package bot

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/assetbot/assetbot/bot/fakeapi"
	"github.com/assetbot/assetbot/internal/flow"
	"github.com/assetbot/assetbot/internal/store"
)

// waitTimeout bounds every wait for the bot: generous, as -race and
// parallel tests slow everything down, but never reached when all is well.
const waitTimeout = 15 * time.Second

// waitUntil polls cond until it holds or the deadline passes. It is for
// conditions the fake has no way to wait on (its update queue, the store).
func waitUntil(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(waitTimeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting until %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// The steps of the shipped resident flow, with words that identify each
// question and an answer that is accepted when typed.
var residentPath = []struct{ step, marker, answer string }{
	{"consent", "Is that OK with you?", "yes"},
	{"hands", "What could you happily show a neighbour", "Cooking"},
	{"head", "Is there something you know a lot about", "Local history"},
	{"heart", "What do you care about round here", "Green spaces"},
	{"offer", "Is there one thing you could offer a neighbour", "/skip"},
	{"learn", "Is there a skill you'd like to pick up", "/skip"},
	{"time", "How much time could you give?", "About an hour a week"},
	{"when", "When suits you best?", "Weekends"},
	{"groups", "Are you part of any local groups?", "/skip"},
	{"connector", "Do you know someone who knows everyone", "/skip"},
	{"contact", "may the organisers send you a message", "yes"},
	{"shown", "may other residents who use this map see", "yes"},
	{"area", "Which area do you live in?", "LS6"},
}

// summaryMarker identifies the summary shown when the flow ends.
const summaryMarker = "Here's what you told me"

// groupNameMarker identifies the question that looks up the person's
// group, asked only when they say they are in one.
const groupNameMarker = "What's the group called?"

// marker returns the words that identify a step's question.
func marker(step string) string {
	switch step {
	case "summary":
		return summaryMarker
	case "group_name":
		return groupNameMarker
	}
	for _, p := range residentPath {
		if p.step == step {
			return p.marker
		}
	}
	panic("unknown step " + step)
}

// resident plays one person in a private chat with the bot, reading what
// the bot does in the chat strictly in order.
type resident struct {
	t    testing.TB
	h    *harness
	id   int64
	name string
	seen int // how many of the chat's Sents were read
	// abort, if set, ends every wait when cancelled, skipping the test
	// with the cancel cause.
	abort context.Context
}

func (h *harness) resident(t testing.TB, id int64, name string) *resident {
	return &resident{t: t, h: h, id: id, name: name}
}

// say types text (commands included).
func (r *resident) say(text string) int { return r.h.fake.SendText(r.id, r.name, text) }

// press presses a button on one of the bot's messages.
func (r *resident) press(on fakeapi.Sent, data string) int {
	return r.h.fake.PressButton(r.id, on.MessageID, data)
}

// inject queues a raw update.
func (r *resident) inject(update []byte) int {
	r.t.Helper()
	id, err := r.h.fake.InjectRaw(update)
	if err != nil {
		r.t.Fatalf("inject %s: %v", update, err)
	}
	return id
}

// await waits until what the bot did in the chat since the last await
// satisfies done, and returns it.
func (r *resident) await(what string, done func([]fakeapi.Sent) bool) []fakeapi.Sent {
	r.t.Helper()
	parent := context.Background()
	if r.abort != nil {
		parent = r.abort
	}
	ctx, cancel := context.WithTimeout(parent, waitTimeout)
	defer cancel()
	all, err := r.h.fake.WaitFor(ctx, r.id, func(s []fakeapi.Sent) bool { return len(s) >= r.seen && done(s[r.seen:]) })
	if err != nil && r.abort != nil && r.abort.Err() != nil {
		r.t.Fatal(context.Cause(r.abort))
	}
	if err != nil {
		var got []fakeapi.Sent
		if len(all) >= r.seen {
			got = all[r.seen:]
		}
		r.t.Fatalf("resident %d: waiting for %s: %v; got %q", r.id, what, err, texts(got))
	}
	batch := all[r.seen:]
	r.seen = len(all)
	return batch
}

// next waits for the bot's next call in the chat, whatever it is, and
// returns it alone.
func (r *resident) next() fakeapi.Sent {
	r.t.Helper()
	batch := r.await("anything", func(s []fakeapi.Sent) bool { return len(s) > 0 })
	r.seen -= len(batch) - 1
	return batch[0]
}

// reply waits for the bot's answer to typed input: exactly one new message.
func (r *resident) reply() fakeapi.Sent {
	r.t.Helper()
	batch := r.await("a message", has(fakeapi.MethodSendMessage))
	if len(batch) != 1 {
		r.t.Fatalf("resident %d: got %q; want one sendMessage", r.id, texts(batch))
	}
	return batch[0]
}

// asked waits for one new message and checks that it asks step.
func (r *resident) asked(step string) fakeapi.Sent {
	r.t.Helper()
	m := r.reply()
	if !strings.Contains(m.Text, marker(step)) {
		r.t.Fatalf("resident %d: got %q; want the %s question (%q)", r.id, m.Text, step, marker(step))
	}
	return m
}

// pressed waits for the bot's handling of a button press that moves the
// conversation on: the callback answered without a note, the pressed
// message edited to show echo with its keyboard gone, then one new message.
// It returns the new message.
func (r *resident) pressed(on fakeapi.Sent, echo string) fakeapi.Sent {
	r.t.Helper()
	batch := r.await("answer, edit and next message", func(s []fakeapi.Sent) bool {
		return has(fakeapi.MethodAnswerCallbackQuery)(s) && has(fakeapi.MethodSendMessage)(s)
	})
	var answers, edits, sends []fakeapi.Sent
	for _, s := range batch {
		switch s.Method {
		case fakeapi.MethodAnswerCallbackQuery:
			answers = append(answers, s)
		case fakeapi.MethodEditMessageText:
			edits = append(edits, s)
		case fakeapi.MethodSendMessage:
			if len(edits) == 0 {
				r.t.Errorf("resident %d: the next message came before the pressed one was edited: %q", r.id, texts(batch))
			}
			sends = append(sends, s)
		default:
			r.t.Errorf("resident %d: unexpected %s after a press: %q", r.id, s.Method, texts(batch))
		}
	}
	if len(answers) != 1 || answers[0].Text != "" {
		r.t.Errorf("resident %d: callback answers %q; want one without text", r.id, texts(answers))
	}
	if len(edits) != 1 {
		r.t.Fatalf("resident %d: got %q; want one editMessageText of message %d", r.id, texts(batch), on.MessageID)
	}
	e := edits[0]
	if e.MessageID != on.MessageID {
		r.t.Errorf("resident %d: edited message %d; want the pressed %d", r.id, e.MessageID, on.MessageID)
	}
	if e.Markup != nil && len(e.Markup.InlineButtons()) > 0 {
		r.t.Errorf("resident %d: pressed message still has buttons %v", r.id, e.Markup.InlineButtons())
	}
	if !strings.HasPrefix(e.Text, on.Text) {
		r.t.Errorf("resident %d: edited text %q; want the question %q kept", r.id, e.Text, on.Text)
	}
	if echo != "" && !strings.HasSuffix(e.Text, "» "+echo) {
		r.t.Errorf("resident %d: edited text %q; want it to end with the choice %q", r.id, e.Text, "» "+echo)
	}
	if len(sends) != 1 {
		r.t.Fatalf("resident %d: got %q; want one new message", r.id, texts(batch))
	}
	return sends[0]
}

// toggled waits for a multi toggle's handling: the callback answered and
// the keyboard of the pressed message edited in place. It returns the edit.
func (r *resident) toggled(on fakeapi.Sent) fakeapi.Sent {
	r.t.Helper()
	batch := r.await("answer and keyboard edit", func(s []fakeapi.Sent) bool {
		return has(fakeapi.MethodAnswerCallbackQuery)(s) && has(fakeapi.MethodEditMessageReplyMarkup)(s)
	})
	if len(batch) != 2 {
		r.t.Fatalf("resident %d: got %q; want a callback answer and an editMessageReplyMarkup", r.id, texts(batch))
	}
	e := batch[0]
	if e.Method != fakeapi.MethodEditMessageReplyMarkup {
		e = batch[1]
	}
	if e.MessageID != on.MessageID {
		r.t.Fatalf("resident %d: edited message %d; want %d", r.id, e.MessageID, on.MessageID)
	}
	if e.Markup == nil {
		r.t.Fatalf("resident %d: the toggle removed the keyboard", r.id)
	}
	return e
}

// toast waits for a callback answer and returns its text.
func (r *resident) toast() string {
	r.t.Helper()
	batch := r.await("a callback answer", has(fakeapi.MethodAnswerCallbackQuery))
	if len(batch) != 1 {
		r.t.Fatalf("resident %d: got %q; want only a callback answer", r.id, texts(batch))
	}
	return batch[0].Text
}

// reach drives a new resident by typing to the question of step and
// returns the question messages met on the way, by step.
func (r *resident) reach(step string) map[string]fakeapi.Sent {
	r.t.Helper()
	shown := map[string]fakeapi.Sent{}
	r.say("/start")
	for _, p := range residentPath {
		shown[p.step] = r.asked(p.step)
		if p.step == step {
			return shown
		}
		r.say(p.answer)
	}
	if step == "summary" {
		shown[step] = r.asked(step)
		return shown
	}
	r.t.Fatalf("unknown step %q", step)
	return nil
}

// has is a condition on a batch: it holds a call to method.
func has(method string) func([]fakeapi.Sent) bool {
	return func(s []fakeapi.Sent) bool {
		return slices.ContainsFunc(s, func(x fakeapi.Sent) bool { return x.Method == method })
	}
}

// turnOf returns the turn in the callback data of a question's buttons.
func turnOf(t testing.TB, q fakeapi.Sent) int {
	t.Helper()
	if q.Markup != nil {
		for _, b := range q.Markup.InlineButtons() {
			if _, rest, ok := strings.Cut(b.CallbackData, ":"); ok {
				turn, _, _ := strings.Cut(rest, ":")
				if n, err := strconv.Atoi(turn); err == nil {
					return n
				}
			}
		}
	}
	t.Fatalf("message %q has no buttons with a turn: %+v", q.Text, q.Markup)
	return 0
}

// button returns the callback data of the button of q whose data starts
// with kind+":" and ends with ":"+value.
func button(t testing.TB, q fakeapi.Sent, kind, value string) string {
	t.Helper()
	if q.Markup != nil {
		for _, d := range q.Markup.ButtonData(kind + ":") {
			if strings.HasSuffix(d, ":"+value) {
				return d
			}
		}
	}
	t.Fatalf("message %q has no %s button for %q: %+v", q.Text, kind, value, q.Markup)
	return ""
}

// label returns the text of the button with callback data.
func label(q fakeapi.Sent, data string) string {
	if q.Markup == nil {
		return ""
	}
	for _, b := range q.Markup.InlineButtons() {
		if b.CallbackData == data {
			return b.Text
		}
	}
	return ""
}

// person reads a person from the store.
func (h *harness) person(t testing.TB, user int64) (store.Person, bool) {
	t.Helper()
	var p store.Person
	var found bool
	err := h.store.Update(context.Background(), func(tx *store.Tx) error {
		var err error
		p, err = tx.Person(channel, strconv.FormatInt(user, 10))
		if errors.Is(err, store.ErrNotFound) {
			return nil
		}
		found = err == nil
		return err
	})
	if err != nil {
		t.Fatalf("read person %d: %v", user, err)
	}
	return p, found
}

// answers reads a person's answers in the resident flow, with their map
// consent (nil if they were never asked).
func (h *harness) answers(t testing.TB, user int64) (map[string]flow.Value, *bool) {
	t.Helper()
	values := map[string]flow.Value{}
	var consent *bool
	err := h.store.Update(context.Background(), func(tx *store.Tx) error {
		p, err := tx.Person(channel, strconv.FormatInt(user, 10))
		if errors.Is(err, store.ErrNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		got, err := tx.Answers(p.ID, "resident")
		if err != nil {
			return err
		}
		for k, a := range got {
			values[k] = a.Value
		}
		granted, err := tx.Consent(p.ID, "map")
		switch {
		case errors.Is(err, store.ErrNotFound):
		case err != nil:
			return err
		default:
			consent = &granted
		}
		return nil
	})
	if err != nil {
		t.Fatalf("read answers of %d: %v", user, err)
	}
	return values, consent
}

// pending returns the outbox messages still to be sent to a chat.
func (h *harness) pending(t testing.TB, chatID int64) []store.OutboxMessage {
	t.Helper()
	rows, err := h.store.Pending(context.Background(), 0, 10000)
	if err != nil {
		t.Fatalf("read outbox: %v", err)
	}
	return slices.DeleteFunc(rows, func(m store.OutboxMessage) bool { return m.ChatID != chatID })
}

// givenUp returns the last errors of the outbox messages to a chat that
// were given up, read straight from the database file.
func (h *harness) givenUp(t testing.TB, chatID int64) []string {
	t.Helper()
	db, err := sql.Open("sqlite3", "file:"+h.dbPath+"?mode=ro&_busy_timeout=5000")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.Query(`SELECT last_error FROM outbox WHERE chat_id = ? AND failed_at IS NOT NULL ORDER BY id`, chatID)
	if err != nil {
		t.Fatalf("read given-up messages: %v", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// sends returns the new messages of a chat.
func sends(all []fakeapi.Sent) []fakeapi.Sent {
	return slices.DeleteFunc(slices.Clone(all), func(s fakeapi.Sent) bool { return s.Method != fakeapi.MethodSendMessage })
}

// rawID numbers the messages of raw updates, apart from the fake's own.
var rawID atomic.Int64

func init() { rawID.Store(1 << 30) }

// rawUser is a person as a raw update carries them.
func rawUser(id int64) map[string]any {
	return map[string]any{"id": id, "is_bot": false, "first_name": "Rae", "language_code": "en"}
}

// rawMessage is a message from user in their private chat with fields
// added (text, sticker, ...), wrapped as an update of kind ("message",
// "edited_message", ...).
func rawMessage(kind string, user int64, fields map[string]any) []byte {
	return rawMessageFrom(kind, user, rawUser(user), fields)
}

// rawMessageFrom is rawMessage with the sender given in wire form.
func rawMessageFrom(kind string, user int64, from, fields map[string]any) []byte {
	msg := map[string]any{
		"message_id": rawID.Add(1),
		"from":       from,
		"chat":       map[string]any{"id": user, "type": "private", "first_name": "Rae"},
		"date":       time.Now().Unix(),
	}
	maps.Copy(msg, fields)
	return mustMarshal(map[string]any{kind: msg})
}

func mustMarshal(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("marshal %T: %v", v, err))
	}
	return b
}

// apiCall is one request the fake received, as the request log saw it.
type apiCall struct {
	method string
	params url.Values
	at     time.Time
}

// callLog records every request the fake's Fail rules leave alone (through
// its OnRequest hook) and can fail or hold them.
type callLog struct {
	mu      sync.Mutex
	calls   []apiCall
	changed chan struct{}
	// fault, if set, picks a fault for a request; it may block.
	fault func(apiCall) *fakeapi.Fault
	// holdPoll, if set, is taken by the next getUpdates, which then waits
	// for it to be released.
	holdPoll *hold
}

// watchCalls installs a request log on the fake.
func watchCalls(fake *fakeapi.Server, fault func(apiCall) *fakeapi.Fault) *callLog {
	l := &callLog{fault: fault, changed: make(chan struct{})}
	fake.OnRequest(func(method string, params url.Values) *fakeapi.Fault {
		c := apiCall{method: method, params: params, at: time.Now()}
		l.mu.Lock()
		l.calls = append(l.calls, c)
		close(l.changed)
		l.changed = make(chan struct{})
		var held *hold
		if method == "getUpdates" && l.holdPoll != nil {
			held, l.holdPoll = l.holdPoll, nil
		}
		l.mu.Unlock()
		if held != nil {
			held.take()
		}
		if l.fault != nil {
			return l.fault(c)
		}
		return nil
	})
	return l
}

// hold stops a request until released.
type hold struct {
	taken    chan struct{}
	released chan struct{}
	takeOnce sync.Once
	once     sync.Once
}

func newHold(t testing.TB) *hold {
	h := &hold{taken: make(chan struct{}), released: make(chan struct{})}
	t.Cleanup(h.release)
	return h
}

func (h *hold) release() { h.once.Do(func() { close(h.released) }) }

// wait waits until the hold is taken.
func (h *hold) wait(t testing.TB, what string) {
	t.Helper()
	select {
	case <-h.taken:
	case <-time.After(waitTimeout):
		t.Fatalf("timed out waiting for %s", what)
	}
}

// holdNextPoll makes the bot's next getUpdates wait until released, so
// that updates injected meanwhile arrive in one batch.
func (l *callLog) holdNextPoll(t testing.TB) *hold {
	h := newHold(t)
	l.mu.Lock()
	l.holdPoll = h
	l.mu.Unlock()
	return h
}

// waitFor waits until the calls so far satisfy done and returns them.
func (l *callLog) waitFor(t testing.TB, what string, done func([]apiCall) bool) []apiCall {
	t.Helper()
	timeout := time.After(waitTimeout)
	for {
		l.mu.Lock()
		calls := slices.Clone(l.calls)
		changed := l.changed
		l.mu.Unlock()
		if done(calls) {
			return calls
		}
		select {
		case <-changed:
		case <-timeout:
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

// snapshot returns the calls so far.
func (l *callLog) snapshot() []apiCall {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.calls)
}

// to selects the calls of a method (any when "") to a chat.
func to(calls []apiCall, method string, chatID int64) []apiCall {
	id := strconv.FormatInt(chatID, 10)
	return slices.DeleteFunc(slices.Clone(calls), func(c apiCall) bool {
		return (method != "" && c.method != method) || c.params.Get("chat_id") != id
	})
}

// limitedMethod reports whether a method counts against the send limits.
func limitedMethod(m string) bool {
	switch m {
	case fakeapi.MethodSendMessage, fakeapi.MethodEditMessageText, fakeapi.MethodEditMessageReplyMarkup:
		return true
	}
	return false
}
