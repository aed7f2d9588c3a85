package conversation

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/assetbot/assetbot/flows"
	"github.com/assetbot/assetbot/internal/flow"
	"github.com/assetbot/assetbot/internal/store"
)

// t0 is the time the test clock starts at.
var t0 = time.Date(2026, 3, 14, 9, 30, 0, 0, time.UTC)

// clock is a test clock that moves only when told to.
type clock struct{ now atomic.Int64 }

func (c *clock) Now() time.Time          { return time.Unix(0, c.now.Load()).UTC() }
func (c *clock) Advance(d time.Duration) { c.now.Add(int64(d)) }

// shippedFlows loads the flows built into assetbot.
func shippedFlows(t testing.TB) map[string]*flow.Flow {
	t.Helper()
	fl, problems := flow.LoadFS(flows.FS, ".")
	if problems != nil {
		t.Fatalf("shipped flows: %v", problems)
	}
	return fl
}

// world is a database and a service that several people can talk to.
type world struct {
	t     testing.TB
	path  string
	clock *clock
	st    *store.Store
	svc   *Service
}

func newWorld(t testing.TB, fl map[string]*flow.Flow) *world {
	t.Helper()
	w := &world{t: t, path: filepath.Join(t.TempDir(), "assetbot.db"), clock: &clock{}}
	w.clock.now.Store(t0.UnixNano())
	w.open(fl)
	return w
}

// open (re)opens the database and builds the service on fl.
func (w *world) open(fl map[string]*flow.Flow) {
	w.t.Helper()
	st, err := store.Open(context.Background(), w.path, store.WithClock(w.clock.Now), store.WithFlows(fl))
	if err != nil {
		w.t.Fatal(err)
	}
	w.t.Cleanup(func() { st.Close() })
	svc, err := New(fl, "resident", slog.New(slog.DiscardHandler), WithStore(st))
	if err != nil {
		w.t.Fatal(err)
	}
	w.st, w.svc = st, svc
}

// reopen closes the database and opens it again, as a restart would.
func (w *world) reopen(fl map[string]*flow.Flow) {
	w.t.Helper()
	if err := w.st.Close(); err != nil {
		w.t.Fatal(err)
	}
	w.open(fl)
}

func (w *world) update(fn func(*store.Tx) error) {
	w.t.Helper()
	if err := w.st.Update(context.Background(), fn); err != nil {
		w.t.Fatal(err)
	}
}

// person is one resident talking to the service.
type person struct {
	*world
	id   Identity
	last Reply
	// turn is the turn of the last question or menu shown.
	turn int
}

func (w *world) person(name string) *person {
	return &person{world: w, id: Identity{Channel: "test", UserID: strings.ToLower(name), FirstName: name, Language: "en"}}
}

// send handles one event as a channel adapter would: inside Update.
func (p *person) send(ev Event) Reply {
	p.t.Helper()
	var r Reply
	err := p.st.Update(context.Background(), func(tx *store.Tx) error {
		var err error
		r, err = p.svc.Handle(tx, p.id, ev)
		return err
	})
	if err != nil {
		p.t.Fatalf("handle %+v: %v", ev, err)
	}
	p.last = r
	if q, ok := question(r); ok {
		p.turn = q.Turn
	}
	return r
}

func (p *person) start() Reply { return p.send(Event{Kind: EventStart}) }

func (p *person) say(text string) Reply {
	return p.send(Event{Kind: EventInput, Input: flow.Input{Kind: flow.InputText, Text: text}})
}

// press presses a button of the last question or menu shown.
func (p *person) press(option string) Reply {
	return p.send(Event{Kind: EventInput, Input: flow.Input{Kind: flow.InputOption, Option: option, Turn: p.turn}})
}

func (p *person) do(kind flow.InputKind) Reply {
	return p.send(Event{Kind: EventInput, Input: flow.Input{Kind: kind}})
}

// question returns the question or menu a reply ends on.
func question(r Reply) (Message, bool) {
	for i := len(r.Messages) - 1; i >= 0; i-- {
		if r.Messages[i].Question() {
			return r.Messages[i], true
		}
	}
	return Message{}, false
}

// asks fails the test unless the reply asks the question step.
func asks(t testing.TB, r Reply, step string) Message {
	t.Helper()
	q, ok := question(r)
	if !ok || q.Step != step || q.Menu != "" {
		t.Fatalf("got reply %s; want it to ask %q", describe(r), step)
	}
	return q
}

// shows fails the test unless the reply offers the menu.
func shows(t testing.TB, r Reply, menu string) Message {
	t.Helper()
	q, ok := question(r)
	if !ok || q.Menu != menu {
		t.Fatalf("got reply %s; want the %s menu", describe(r), menu)
	}
	return q
}

// says fails the test unless the reply's only message is text.
func says(t testing.TB, r Reply, text string) {
	t.Helper()
	if len(r.Messages) != 1 || r.Messages[0].Question() || r.Messages[0].Text != text {
		t.Fatalf("got reply %s; want only %q", describe(r), text)
	}
}

func describe(r Reply) string {
	var parts []string
	for _, m := range r.Messages {
		switch {
		case m.Menu != "":
			parts = append(parts, "menu "+m.Menu)
		case m.Question():
			parts = append(parts, "question "+m.Step)
		default:
			parts = append(parts, "text "+strings.SplitN(m.Text, "\n", 2)[0])
		}
	}
	return "[" + strings.Join(parts, "; ") + "] outcome " + string(r.Outcome)
}

func optionIDs(m Message) []string {
	var ids []string
	for _, o := range m.Options {
		ids = append(ids, o.ID)
	}
	return ids
}

// answers returns what the store holds for the person, by key.
func (p *person) answers() map[string]store.StoredAnswer {
	p.t.Helper()
	var m map[string]store.StoredAnswer
	p.update(func(tx *store.Tx) error {
		pp, err := tx.Person(p.id.Channel, p.id.UserID)
		if err != nil {
			return err
		}
		m, err = tx.Answers(pp.ID, "resident")
		return err
	})
	return m
}

// stored returns the person as stored and their conversation.
func (p *person) stored() (store.Person, store.Conversation) {
	p.t.Helper()
	var sp store.Person
	var c store.Conversation
	p.update(func(tx *store.Tx) error {
		var err error
		if sp, err = tx.Person(p.id.Channel, p.id.UserID); err != nil {
			return err
		}
		c, err = tx.Conversation(sp.ID)
		if errors.Is(err, store.ErrNotFound) {
			return nil
		}
		return err
	})
	return sp, c
}

func (p *person) consent() (bool, error) {
	p.t.Helper()
	var granted bool
	var cerr error
	p.update(func(tx *store.Tx) error {
		sp, err := tx.Person(p.id.Channel, p.id.UserID)
		if err != nil {
			return err
		}
		granted, cerr = tx.Consent(sp.ID, "map")
		return nil
	})
	return granted, cerr
}

// residentAnswers are typed answers to every question of the resident
// flow after consent to the map, in order: answers, and the consents to
// being contacted and shown (residentConsents of them).
var residentAnswers = []struct{ step, text string }{
	{"hands", "1, 3"},
	{"head", "local history"},
	{"heart", "5"},
	{"offer", "/skip"},
	{"learn", "1"},
	{"time", "2"},
	{"when", "1 3"},
	{"groups", "7"},
	{"connector", "yes"},
	{"contact", "yes"},
	{"shown", "no"},
	{"area", "LS6"},
}

// residentConsents counts the consents among residentAnswers: decisions,
// not answers held.
const residentConsents = 2

// answerUpTo starts the resident flow, consents and answers every question
// before step; it returns the reply asking step.
func (p *person) answerUpTo(step string) Reply {
	p.t.Helper()
	asks(p.t, p.start(), "consent")
	r := p.press(flow.Yes)
	for _, a := range residentAnswers {
		asks(p.t, r, a.step)
		if a.step == step {
			return r
		}
		if a.text == "/skip" {
			r = p.do(flow.InputSkip)
		} else {
			r = p.say(a.text)
		}
	}
	return r
}

// finish runs the whole resident flow and confirms the summary.
func (p *person) finish() {
	p.t.Helper()
	r := p.answerUpTo("")
	if r.Outcome != flow.OutcomeFinished {
		p.t.Fatalf("after the last answer got %s; want the flow finished", describe(r))
	}
	shows(p.t, r, menuSummary)
	r = p.press(actConfirm)
	if len(r.Messages) != 2 || r.Messages[0].Text != en(flow.MsgConfirmed, p.id.FirstName) || r.Messages[0].Invite == "" {
		p.t.Fatalf("confirming the summary got %s; want the thanks with the invitation, then the offer to add to the map", describe(r))
	}
	shows(p.t, r, menuOffer)
	says(p.t, p.press(actNoThanks), en(flow.MsgAddNothing, p.id.FirstName))
}

func TestStartGreetsAndAsksConsent(t *testing.T) {
	w := newWorld(t, shippedFlows(t))
	ada := w.person("Ada")
	r := ada.start()
	if len(r.Messages) != 2 || r.Messages[0].Question() || !strings.HasPrefix(r.Messages[0].Text, "Hi Ada! 👋") {
		t.Fatalf("got %s; want a greeting by name then the consent question", describe(r))
	}
	q := asks(t, r, "consent")
	if q.Type != flow.TypeYesNo || q.CanBack || !reflect.DeepEqual(optionIDs(q), []string{flow.Yes, flow.No, flow.UnderAge}) {
		t.Errorf("consent question = %+v; want yes/no/under age with nothing to go back to", q)
	}
	if r.Outcome != flow.OutcomeAsked {
		t.Errorf("Outcome = %q; want %q", r.Outcome, flow.OutcomeAsked)
	}
	sp, c := ada.stored()
	if sp.FirstName != "" {
		t.Errorf("first name stored before consent: %q", sp.FirstName)
	}
	if c.Status != string(flow.StatusActive) || c.Flow != "resident" {
		t.Errorf("conversation = %s %s; want resident active", c.Flow, c.Status)
	}

	r = ada.press(flow.Yes)
	asks(t, r, "hands")
	if r.Echo != "Yes, and I'm 16 or over" {
		t.Errorf("Echo = %q; want the button's words", r.Echo)
	}
	if r.Person.FirstName != "Ada" {
		t.Errorf("reply's person first name = %q; want Ada once consent is given", r.Person.FirstName)
	}
	if sp, _ := ada.stored(); sp.FirstName != "Ada" {
		t.Errorf("stored first name = %q; want Ada once consent is given", sp.FirstName)
	}
}

func TestStartMidFlowOffersResume(t *testing.T) {
	tests := []struct {
		name   string
		choose func(p *person) Reply
		check  func(t *testing.T, p *person, r Reply)
	}{
		{"carry on", func(p *person) Reply { return p.press(actContinue) }, func(t *testing.T, p *person, r Reply) {
			q := asks(t, r, "head")
			if !q.CanBack || r.Echo != "▶️ Carry on" {
				t.Errorf("resumed question = %+v, echo %q; want head, with back, echoing the menu choice", q, r.Echo)
			}
			asks(t, p.say("knots"), "heart")
			if got := p.answers()["head"].Value.Text; got != "knots" {
				t.Errorf("head = %q; want knots", got)
			}
		}},
		{"carry on typed", func(p *person) Reply { return p.say("carry on") }, func(t *testing.T, p *person, r Reply) {
			asks(t, r, "head")
		}},
		{"start again", func(p *person) Reply { return p.press(actRestart) }, func(t *testing.T, p *person, r Reply) {
			q := asks(t, r, "consent")
			if q.Current != "Yes" {
				t.Errorf("consent asked again with Current %q; want Yes", q.Current)
			}
			q = asks(t, p.do(flow.InputKeep), "hands")
			if q.Current != "Cooking, Gardening" || !q.Options[0].Selected || !q.Options[2].Selected || q.Options[1].Selected {
				t.Errorf("hands asked again = %+v; want the held answer ticked and shown", q)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newWorld(t, shippedFlows(t))
			p := w.person("Ada")
			p.answerUpTo("head")
			m := shows(t, p.start(), menuResume)
			if m.Text != en(flow.MsgResume, "Ada") || !reflect.DeepEqual(optionIDs(m), []string{actContinue, actRestart}) {
				t.Fatalf("resume menu = %+v; want carry on or start again", m)
			}
			if _, c := p.stored(); c.Status != "menu" {
				t.Errorf("conversation status with a menu open = %q; want menu", c.Status)
			}
			tt.check(t, p, tt.choose(p))
		})
	}
}

func TestStartAgainWithAMenuOpen(t *testing.T) {
	tests := []struct {
		name string
		open func(p *person)
	}{
		{"resume menu", func(p *person) { p.start() }},
		{"review from /me", func(p *person) { p.send(Event{Kind: EventMe}) }},
		{"change menu from /me", func(p *person) { p.send(Event{Kind: EventMe}); p.press(actChange) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newWorld(t, shippedFlows(t))
			p := w.person("Ada")
			p.answerUpTo("heart")
			tt.open(p)
			// Part-way through, /start offers to carry on, not to confirm a
			// run not yet finished.
			shows(t, p.start(), menuResume)
			asks(t, p.press(actContinue), "heart")
		})
	}
}

func TestResumeAfterRestart(t *testing.T) {
	fl := shippedFlows(t)
	w := newWorld(t, fl)
	p := w.person("Ada")
	p.answerUpTo("heart")
	w.reopen(fl)

	// The next answer goes to the question on screen before the restart.
	r := p.say("5")
	asks(t, r, "offer")
	if got := p.answers()["heart"].Value.Choices; !reflect.DeepEqual(got, []string{"green_spaces"}) {
		t.Errorf("heart = %v; want [green_spaces]", got)
	}
	// A button from before the restart still works: same turn.
	turn := p.turn
	w.reopen(fl)
	p.turn = turn
	asks(t, p.do(flow.InputSkip), "learn")
}

func TestReturningUser(t *testing.T) {
	setup := func(t *testing.T) *person {
		w := newWorld(t, shippedFlows(t))
		p := w.person("Ada")
		p.finish()
		w.clock.Advance(24 * time.Hour)
		m := shows(t, p.start(), menuReview)
		if !reflect.DeepEqual(optionIDs(m), []string{actConfirm, actChange, actAgain, actDelete}) {
			t.Fatalf("review menu options = %v", optionIDs(m))
		}
		for _, want := range []string{"Welcome back, Ada!", "• Skills to share: Cooking, Gardening", "• An offer: (skipped)", "• Area: LS6"} {
			if !strings.Contains(m.Text, want) {
				t.Errorf("review text %q lacks %q", m.Text, want)
			}
		}
		if strings.Contains(m.Text, "Agreement") {
			t.Errorf("review text lists the consent: %q", m.Text)
		}
		return p
	}

	t.Run("all right", func(t *testing.T) {
		p := setup(t)
		says(t, p.press(actConfirm), en(flow.MsgConfirmed, "Ada"))
		answers := p.answers()
		if len(answers) != len(residentAnswers)-residentConsents {
			t.Errorf("%d answers held; want %d", len(answers), len(residentAnswers)-residentConsents)
		}
		for k, a := range answers {
			if !a.ConfirmedAt.Equal(t0.Add(24*time.Hour)) || !a.UpdatedAt.Equal(t0) {
				t.Errorf("%s: confirmed %v, updated %v; want confirmed now, unchanged since %v", k, a.ConfirmedAt, a.UpdatedAt, t0)
			}
		}
	})

	t.Run("change an answer", func(t *testing.T) {
		p := setup(t)
		m := shows(t, p.press(actChange), menuChange)
		want := []string{"q_hands", "q_head", "q_heart", "q_offer", "q_learn", "q_time", "q_when", "q_groups", "q_connector", "q_area", actBackToMenu}
		if !reflect.DeepEqual(optionIDs(m), want) {
			t.Errorf("change menu = %v; want %v", optionIDs(m), want)
		}
		q := asks(t, p.press("q_time"), "time")
		if q.Current != "About an hour a month" || q.CanBack {
			t.Errorf("time asked with Current %q, CanBack %v; want the held answer and no back", q.Current, q.CanBack)
		}
		r := p.say("3")
		m = shows(t, r, menuSummary)
		if !strings.Contains(m.Text, "• Time to give: About an hour a week") {
			t.Errorf("summary after the change = %q; want the new time", m.Text)
		}
		answers := p.answers()
		if got := answers["time"]; got.Value.Choice != "hour_week" || !got.UpdatedAt.Equal(t0.Add(24*time.Hour)) {
			t.Errorf("time = %+v; want hour_week changed now", got)
		}
		if got := answers["area"]; !got.ConfirmedAt.Equal(t0) {
			t.Errorf("area confirmed at %v; want untouched by changing time", got.ConfirmedAt)
		}
		var history []store.HistoryEntry
		p.update(func(tx *store.Tx) error {
			var err error
			history, err = tx.AnswerHistory(r.Person.ID, "resident", "time")
			return err
		})
		if len(history) != 1 || history[0].Value.Choice != "hour_month" {
			t.Errorf("history of time = %+v; want the old hour_month", history)
		}
		says(t, p.press(actConfirm), en(flow.MsgConfirmed, "Ada"))
	})

	t.Run("change withdraws what no longer applies, and asks what now does", func(t *testing.T) {
		p := setup(t)
		shows(t, p.press(actChange), menuChange)
		asks(t, p.press("q_time"), "time")
		r := p.say("Not right now")
		m := shows(t, r, menuSummary)
		if strings.Contains(m.Text, "Best times") {
			t.Errorf("summary after time became not_now = %q; want no best times", m.Text)
		}
		if _, ok := p.answers()["when"]; ok {
			t.Errorf("when is still a current answer after time became not_now")
		}
		whenHistory := func() []store.HistoryEntry {
			var h []store.HistoryEntry
			p.update(func(tx *store.Tx) error {
				var err error
				h, err = tx.AnswerHistory(r.Person.ID, "resident", "when")
				return err
			})
			return h
		}
		if h := whenHistory(); len(h) != 1 || !reflect.DeepEqual(h[0].Value.Choices, []string{"weekday_day", "weekends"}) || !h[0].ReplacedAt.Equal(t0.Add(24*time.Hour)) {
			t.Errorf("history of when = %+v; want the withdrawn weekday_day, weekends, replaced now", h)
		}
		records, err := p.st.Consented(context.Background(), "resident", "map")
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range records[0].Answers {
			if a.Key == "when" {
				t.Errorf("export holds the withdrawn answer %+v", a)
			}
		}
		says(t, p.press(actConfirm), en(flow.MsgConfirmed, "Ada"))

		m = shows(t, p.send(Event{Kind: EventMe}), menuReview)
		m = shows(t, p.press(actChange), menuChange)
		if slices.Contains(optionIDs(m), "q_when") {
			t.Errorf("change menu = %v; want no best times while time is not_now", optionIDs(m))
		}
		asks(t, p.press("q_time"), "time")
		q := asks(t, p.say("3"), "when")
		if q.Current != "" || !q.CanBack {
			t.Errorf("when asked with Current %q, CanBack %v; want a fresh question that can go back to time", q.Current, q.CanBack)
		}
		m = shows(t, p.say("2"), menuSummary)
		if !strings.Contains(m.Text, "• Best times: Weekday evenings") {
			t.Errorf("summary = %q; want the new best times", m.Text)
		}
		if got := p.answers()["when"]; !reflect.DeepEqual(got.Value.Choices, []string{"weekday_evening"}) {
			t.Errorf("when = %+v; want weekday_evening current again", got)
		}
		if h := whenHistory(); len(h) != 1 {
			t.Errorf("history of when = %+v; want only the withdrawn value", h)
		}
	})

	t.Run("change keeps the answer on Enter", func(t *testing.T) {
		p := setup(t)
		shows(t, p.press(actChange), menuChange)
		asks(t, p.say("area"), "area")
		shows(t, p.do(flow.InputKeep), menuSummary)
		if got := p.answers()["area"]; got.Value.Text != "LS6" || !got.UpdatedAt.Equal(t0) || !got.ConfirmedAt.Equal(t0.Add(24*time.Hour)) {
			t.Errorf("area kept = %+v; want LS6, unchanged, confirmed now", got)
		}
	})

	t.Run("change then back", func(t *testing.T) {
		p := setup(t)
		shows(t, p.press(actChange), menuChange)
		shows(t, p.press(actBackToMenu), menuReview)
	})

	t.Run("go through it all", func(t *testing.T) {
		p := setup(t)
		q := asks(t, p.press(actAgain), "consent")
		if q.Current != "Yes" {
			t.Errorf("consent Current = %q; want Yes", q.Current)
		}
		q = asks(t, p.do(flow.InputKeep), "hands")
		if q.Current != "Cooking, Gardening" {
			t.Errorf("hands Current = %q; want the held answer", q.Current)
		}
	})

	t.Run("delete, then keep", func(t *testing.T) {
		p := setup(t)
		m := shows(t, p.press(actDelete), menuDelete)
		if !reflect.DeepEqual(optionIDs(m), []string{actDeleteYes, actDeleteNo}) {
			t.Errorf("delete menu = %v", optionIDs(m))
		}
		says(t, p.press(actDeleteNo), en(flow.MsgKept, ""))
		if got := len(p.answers()); got != len(residentAnswers)-residentConsents {
			t.Errorf("%d answers after keeping them; want %d", got, len(residentAnswers)-residentConsents)
		}
	})

	t.Run("delete", func(t *testing.T) {
		p := setup(t)
		shows(t, p.press(actDelete), menuDelete)
		r := p.press(actDeleteYes)
		says(t, r, en(flow.MsgDeleted, ""))
		if !r.Erased {
			t.Errorf("reply to deleting: Erased = false; want true")
		}
		p.erased(r.Person.ID)
		says(t, p.send(Event{Kind: EventMe}), en(flow.MsgNothingHeld, ""))
	})
}

// erased checks that the person the store knew as id is gone with all
// they said, and that a new /start meets them as someone new.
func (p *person) erased(id int64) {
	p.t.Helper()
	p.update(func(tx *store.Tx) error {
		if _, err := tx.PersonByID(id); !errors.Is(err, store.ErrNotFound) {
			p.t.Errorf("person %d after deleting: err = %v; want ErrNotFound", id, err)
		}
		if _, err := tx.Person(p.id.Channel, p.id.UserID); !errors.Is(err, store.ErrNotFound) {
			p.t.Errorf("%s after deleting: err = %v; want ErrNotFound", p.id.UserID, err)
		}
		if history, err := tx.AnswerHistory(id, "resident", "time"); err != nil || len(history) != 0 {
			p.t.Errorf("history after deleting = %v, %v; want none", history, err)
		}
		return nil
	})
	if _, ok := p.svc.cache.get(id, 1); ok || len(p.svc.cache.entries) != 0 {
		p.t.Errorf("the conversation cache keeps %d entries after deleting; want none", len(p.svc.cache.entries))
	}
}

func TestStaleButtons(t *testing.T) {
	tests := []struct {
		name  string
		setup func(p *person)
		// old is how many turns back the button pressed was shown; with
		// no question open, even the last one shown is old.
		old int
	}{
		{"menu", func(p *person) { p.finish(); p.start() }, 1},
		{"question", func(p *person) { p.answerUpTo("heart") }, 1},
		{"flow over", func(p *person) { p.finish() }, 0},
		{"declined", func(p *person) { p.start(); p.say("no") }, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newWorld(t, shippedFlows(t))
			p := w.person("Ada")
			tt.setup(p)
			_, before := p.stored()
			answers := p.answers()
			w.clock.Advance(time.Hour)

			for _, option := range []string{actConfirm, flow.Yes, "cooking"} {
				r := p.send(Event{Kind: EventInput, Input: flow.Input{Kind: flow.InputOption, Option: option, Turn: p.turn - tt.old}})
				if !r.Stale || len(r.Messages) != 0 {
					t.Errorf("old button %s: got %s, stale %v; want stale and nothing said", option, describe(r), r.Stale)
				}
			}
			_, after := p.stored()
			if string(after.State) != string(before.State) || after.Status != before.Status {
				t.Errorf("conversation changed by a stale button:\n%s\n%s", before.State, after.State)
			}
			if got := p.answers(); !reflect.DeepEqual(got, answers) {
				t.Errorf("answers changed by a stale button")
			}
		})
	}
}

func TestCommands(t *testing.T) {
	t.Run("help", func(t *testing.T) {
		w := newWorld(t, shippedFlows(t))
		p := w.person("Ada")
		says(t, p.send(Event{Kind: EventHelp}), en(flow.MsgHelp, ""))
		if _, c := p.stored(); c.Flow != "" {
			t.Errorf("help started a conversation: %+v", c)
		}
	})
	t.Run("me with nothing held", func(t *testing.T) {
		w := newWorld(t, shippedFlows(t))
		says(t, w.person("Ada").send(Event{Kind: EventMe}), en(flow.MsgNothingHeld, ""))
	})
	t.Run("me after answering", func(t *testing.T) {
		w := newWorld(t, shippedFlows(t))
		p := w.person("Ada")
		p.answerUpTo("heart")
		shows(t, p.send(Event{Kind: EventMe}), menuReview)
	})
	t.Run("stop", func(t *testing.T) {
		w := newWorld(t, shippedFlows(t))
		p := w.person("Ada")
		p.answerUpTo("heart")
		r := p.send(Event{Kind: EventStop})
		says(t, r, en(flow.MsgStopped, "Ada"))
		if r.Person.Reminders {
			t.Error("reply's person still wants reminders")
		}
		if sp, _ := p.stored(); sp.Reminders || !sp.Reachable {
			t.Errorf("stored person = %+v; want reminders off, still reachable", sp)
		}
		// The flow is left where it was.
		asks(t, p.say("5"), "offer")
	})
}

func TestTextWithNoQuestionOpen(t *testing.T) {
	tests := []struct {
		name  string
		setup func(p *person)
		input func(p *person) Reply
		check func(t *testing.T, r Reply)
	}{
		{"new person", func(*person) {}, func(p *person) Reply { return p.say("hello") },
			func(t *testing.T, r Reply) { asks(t, r, "consent") }},
		{"new person going back", func(*person) {}, func(p *person) Reply { return p.do(flow.InputBack) },
			func(t *testing.T, r Reply) { says(t, r, en(flow.MsgNothingOpen, "")) }},
		{"finished", func(p *person) { p.finish() }, func(p *person) Reply { return p.say("hello") },
			func(t *testing.T, r Reply) { says(t, r, en(flow.MsgDoneAlready, "Ada")) }},
		{"finished, skipping", func(p *person) { p.finish() }, func(p *person) Reply { return p.do(flow.InputSkip) },
			func(t *testing.T, r Reply) { says(t, r, en(flow.MsgNothingOpen, "")) }},
		{"paused", func(p *person) { p.answerUpTo("heart"); p.do(flow.InputCancel) }, func(p *person) Reply { return p.say("hello") },
			func(t *testing.T, r Reply) { shows(t, r, menuResume) }},
		{"declined", func(p *person) { p.start(); p.say("no") }, func(p *person) Reply { return p.say("hello") },
			func(t *testing.T, r Reply) { says(t, r, en(flow.MsgDeclinedBefore, "")) }},
		{"declined, then /start", func(p *person) { p.start(); p.say("no") }, func(p *person) Reply { return p.start() },
			func(t *testing.T, r Reply) { asks(t, r, "consent") }},
		{"after deleting", func(p *person) { p.finish(); p.start(); p.press(actDelete); p.press(actDeleteYes) },
			func(p *person) Reply { return p.say("hello") },
			func(t *testing.T, r Reply) {
				if _, ok := question(r); !ok {
					t.Errorf("got %s; want the flow to start again", describe(r))
				}
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newWorld(t, shippedFlows(t))
			p := w.person("Ada")
			tt.setup(p)
			tt.check(t, tt.input(p))
		})
	}
}

func TestCancelPausesAndResumes(t *testing.T) {
	w := newWorld(t, shippedFlows(t))
	p := w.person("Ada")
	p.answerUpTo("heart")
	r := p.do(flow.InputCancel)
	if r.Outcome != flow.OutcomePaused || len(r.Messages) != 1 || r.Messages[0].Question() {
		t.Fatalf("cancel: got %s; want paused with one message", describe(r))
	}
	if _, c := p.stored(); c.Status != string(flow.StatusPaused) {
		t.Errorf("status after cancel = %q; want paused", c.Status)
	}
	shows(t, p.start(), menuResume)
	asks(t, p.press(actContinue), "heart")
}

func TestConsentRefused(t *testing.T) {
	w := newWorld(t, shippedFlows(t))
	p := w.person("Ada")
	p.start()
	r := p.say("no")
	if r.Outcome != flow.OutcomeDeclined {
		t.Errorf("Outcome = %q; want declined", r.Outcome)
	}
	if len(r.Messages) != 1 || !strings.HasPrefix(r.Messages[0].Text, "No problem at all, Ada") {
		t.Errorf("got %s; want the flow's declined message", describe(r))
	}
	sp, c := p.stored()
	if sp.FirstName != "" {
		t.Errorf("first name kept after refusal: %q", sp.FirstName)
	}
	if got := p.answers(); len(got) != 0 {
		t.Errorf("answers kept after refusal: %v", got)
	}
	if granted, err := p.consent(); err != nil || granted {
		t.Errorf("consent = %v, %v; want a recorded refusal", granted, err)
	}
	if c.Status != string(flow.StatusDeclined) {
		t.Errorf("conversation status = %q; want declined", c.Status)
	}
	records, err := w.st.Consented(context.Background(), "resident", "map")
	if err != nil || len(records) != 0 {
		t.Errorf("Consented = %v, %v; want nobody", records, err)
	}
	// Nothing else is asked until they start again.
	if _, ok := question(r); ok {
		t.Errorf("a question was asked after the refusal: %s", describe(r))
	}
}

// consentLast is a flow that asks a question before consent, as an
// organiser's own flow may.
const consentLast = `id: resident
title: Consent last
version: 1
declined: OK, nothing kept.
steps:
  - id: nickname
    type: text
    text: What should I call you?
  - id: consent
    type: yesno
    consent: map
    text: May I keep that?
  - id: area
    type: text
    text: Which area?
`

func TestConsentRefusedAfterAnswering(t *testing.T) {
	f, problems := flow.Parse("resident.yaml", []byte(consentLast))
	if problems != nil {
		t.Fatal(problems)
	}
	w := newWorld(t, map[string]*flow.Flow{"resident": f})
	p := w.person("Ada")
	asks(t, p.start(), "nickname")
	asks(t, p.say("Captain Secret"), "consent")
	if got := p.answers()["nickname"].Value.Text; got != "Captain Secret" {
		t.Fatalf("nickname before consent = %q", got)
	}
	p.say("no")
	if got := p.answers(); len(got) != 0 {
		t.Errorf("answers kept after refusal: %v", got)
	}
	if _, c := p.stored(); strings.Contains(string(c.State), "Captain Secret") {
		t.Errorf("conversation state keeps an answer after refusal: %s", c.State)
	}
}

func TestConsentWithdrawn(t *testing.T) {
	w := newWorld(t, shippedFlows(t))
	p := w.person("Ada")
	p.finish()
	shows(t, p.start(), menuReview)
	asks(t, p.press(actAgain), "consent")
	r := p.press(flow.No)
	if r.Outcome != flow.OutcomeDeclined {
		t.Fatalf("withdrawing: got %s; want declined", describe(r))
	}
	if got := p.answers(); len(got) != 0 {
		t.Errorf("answers after withdrawing = %v; want none", got)
	}
	if granted, err := p.consent(); err != nil || granted {
		t.Errorf("consent after withdrawing = %v, %v; want false", granted, err)
	}
	if sp, _ := p.stored(); sp.FirstName != "" {
		t.Errorf("first name after withdrawing = %q; want none", sp.FirstName)
	}
	records, err := w.st.Consented(context.Background(), "resident", "map")
	if err != nil || len(records) != 0 {
		t.Errorf("Consented after withdrawing = %v, %v; want nobody", records, err)
	}
	says(t, p.send(Event{Kind: EventMe}), en(flow.MsgNothingHeld, ""))
}

func TestKnownAnswersNotAskedAgain(t *testing.T) {
	t.Run("unreadable state", func(t *testing.T) {
		w := newWorld(t, shippedFlows(t))
		p := w.person("Ada")
		asks(t, p.answerUpTo("hands"), "hands")
		sp, _ := p.stored()
		w.update(func(tx *store.Tx) error {
			return tx.SaveConversation(store.Conversation{PersonID: sp.ID, Flow: "resident", Status: "active", State: []byte("not json")})
		})
		r := p.start()
		if q := asks(t, r, "hands"); q.Current != "" {
			t.Errorf("hands Current = %q; want none", q.Current)
		}
		for _, m := range r.Messages {
			if m.Step == "consent" {
				t.Errorf("consent asked again: %s", describe(r))
			}
		}
	})

	t.Run("flow changed under a running conversation", func(t *testing.T) {
		fl := shippedFlows(t)
		w := newWorld(t, fl)
		p := w.person("Ada")
		p.answerUpTo("offer")

		// Version 2 drops the question the person is on.
		data, err := flows.FS.ReadFile("resident.yaml")
		if err != nil {
			t.Fatal(err)
		}
		yaml := string(data)
		start, end := strings.Index(yaml, "  - id: offer"), strings.Index(yaml, "  - id: learn")
		if start < 0 || end < start {
			t.Fatal("resident.yaml no longer has offer then learn")
		}
		yaml = strings.Replace(yaml[:start]+yaml[end:], "version: 1", "version: 2", 1)
		v2, problems := flow.Parse("resident.yaml", []byte(yaml))
		if problems != nil {
			t.Fatal(problems)
		}
		w.reopen(map[string]*flow.Flow{"resident": v2})

		r := p.say("a lift")
		q := asks(t, r, "learn")
		if len(r.Messages) != 1 {
			t.Errorf("got %s; want only the next question not yet answered", describe(r))
		}
		if q.Step != "learn" {
			t.Errorf("asked %q; want learn", q.Step)
		}
	})
}

func TestAnswersChangedElsewhere(t *testing.T) {
	w := newWorld(t, shippedFlows(t))
	p := w.person("Ada")
	p.finish()
	sp, _ := p.stored()

	// An organiser corrects the area, then the person looks.
	w.update(func(tx *store.Tx) error {
		_, err := tx.SaveAnswer(sp.ID, "resident", flow.Answer{Key: "area", Step: "area", Value: flow.Value{Text: "LS7"}, Version: 1})
		return err
	})
	if m := shows(t, p.send(Event{Kind: EventMe}), menuReview); !strings.Contains(m.Text, "• Area: LS7") {
		t.Errorf("review after a change made elsewhere = %q; want the new area", m.Text)
	}

	// Their answers are erased outside the conversation.
	w.update(func(tx *store.Tx) error { _, err := tx.DeleteAnswers(sp.ID); return err })
	says(t, p.send(Event{Kind: EventMe}), en(flow.MsgNothingHeld, ""))
}

func TestSameEventTwice(t *testing.T) {
	w := newWorld(t, shippedFlows(t))
	p := w.person("Ada")
	p.answerUpTo("time")
	// deliver handles an inbound event as the Telegram adapter does.
	deliver := func(eventID string, ev Event) (Reply, bool) {
		t.Helper()
		var r Reply
		var fresh bool
		w.update(func(tx *store.Tx) error {
			var err error
			if fresh, err = tx.MarkEvent("test", eventID); err != nil || !fresh {
				return err
			}
			r, err = w.svc.Handle(tx, p.id, ev)
			return err
		})
		return r, fresh
	}
	press := Event{Kind: EventInput, Input: flow.Input{Kind: flow.InputOption, Option: "hour_week", Turn: p.turn}}
	r, fresh := deliver("42", press)
	if !fresh {
		t.Fatal("first delivery counted as a repeat")
	}
	asks(t, r, "when")
	_, before := p.stored()
	answers := p.answers()
	w.clock.Advance(time.Minute)

	for _, ev := range []Event{press, {Kind: EventStart}} {
		if _, fresh := deliver("42", ev); fresh {
			t.Error("redelivered event applied again")
		}
	}
	_, after := p.stored()
	if string(after.State) != string(before.State) || !after.UpdatedAt.Equal(before.UpdatedAt) {
		t.Errorf("conversation changed by a redelivered event")
	}
	if got := p.answers(); !reflect.DeepEqual(got, answers) {
		t.Errorf("answers changed by a redelivered event")
	}
}

// en is message msg of the built-in catalogue in English, for name.
func en(msg, name string, vars ...string) string {
	return (&flow.Flow{}).Text(msg, "en", append(vars, "first_name", name)...)
}

func TestLanguage(t *testing.T) {
	w := newWorld(t, shippedFlows(t))
	p := w.person("Ada")
	steps := []struct{ tag, want string }{
		{"cy-GB", "cy"},
		{"", "cy"}, // a channel that does not say keeps what we had
		{"pt-BR", "en"},
		{"cy", "cy"},
		{strings.Repeat("x", 40), "en"},
	}
	for _, s := range steps {
		p.id.Language = s.tag
		if got := p.send(Event{Kind: EventHelp}).Person.Language; got != s.want {
			t.Errorf("language %q: got %q; want %q", s.tag, got, s.want)
		}
	}
}

func TestNewNeedsTheMainFlow(t *testing.T) {
	if _, err := New(shippedFlows(t), "nope", slog.New(slog.DiscardHandler)); err == nil {
		t.Error("New with an unknown main flow succeeded")
	}
}

func TestSessionIsJSON(t *testing.T) {
	w := newWorld(t, shippedFlows(t))
	p := w.person("Ada")
	p.answerUpTo("head")
	_, c := p.stored()
	var s session
	if err := json.Unmarshal(c.State, &s); err != nil {
		t.Fatal(err)
	}
	if s.Flow.Step != "head" || s.Flow.Answers["hands"].Choices == nil {
		t.Errorf("stored session = %+v; want at head with hands answered", s)
	}
}

// TestChooseLanguage checks /language: a menu of the offered languages,
// each in its own name; the choice is stored, the open question is asked
// again in it, and the channel's language no longer overrides it, across
// events and restarts.
func TestChooseLanguage(t *testing.T) {
	fl := shippedFlows(t)
	w := newWorld(t, fl)
	p := w.person("Ada")
	p.id.Language = "en-GB"
	p.answerUpTo("head")

	m := shows(t, p.send(Event{Kind: EventLanguage}), menuLang)
	var labels []string
	for _, o := range m.Options {
		labels = append(labels, o.Label)
	}
	if !reflect.DeepEqual(optionIDs(m), []string{"lang_en", "lang_cy"}) || !reflect.DeepEqual(labels, []string{"English", "Cymraeg"}) {
		t.Fatalf("language menu %v %v; want English and Cymraeg", optionIDs(m), labels)
	}

	r := p.press("lang_cy")
	if len(r.Messages) != 2 || r.Messages[0].Text != fl["resident"].Msg(flow.MsgLanguageChosen, "cy") {
		t.Fatalf("after choosing Welsh got %s; want the Welsh confirmation then the question", describe(r))
	}
	q := asks(t, r, "head")
	if want := fl["resident"].Step("head").Text.In("cy"); q.Text != want {
		t.Errorf("the open question after choosing Welsh is %q; want %q", q.Text, want)
	}
	if got, _ := p.stored(); got.Language != "cy" || !got.LanguageChosen {
		t.Errorf("stored person %+v; want Welsh, chosen", got)
	}

	// Telegram still says en-GB with every event: the choice stands.
	w.reopen(fl)
	r = p.send(Event{Kind: EventHelp})
	if r.Person.Language != "cy" || r.Messages[0].Text != fl["resident"].Msg(flow.MsgHelp, "cy") {
		t.Errorf("after a restart /help came in %q: %s; want Welsh", r.Person.Language, describe(r))
	}

	// Choosing again, a typed choice works as a press does.
	shows(t, p.send(Event{Kind: EventLanguage}), menuLang)
	if r := p.say("English"); r.Person.Language != "en" {
		t.Errorf("typing English chose %q", r.Person.Language)
	}
}
