// Package conversation runs people's conversations with assetbot on any
// channel: it finds the person, applies what they did to their flow (see
// package flow), records their answers and consent, and offers the menus
// around a flow (resume, review, change, delete).
//
// It knows nothing of Telegram or terminals: a channel adapter turns what
// the person did into an Event, calls Handle inside a store transaction,
// and shows the Reply in its own way.
package conversation

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/assetbot/assetbot/internal/flow"
	"github.com/assetbot/assetbot/internal/referral"
	"github.com/assetbot/assetbot/internal/store"
)

// Identity is who is talking, as their channel tells it.
type Identity struct {
	Channel   string // "telegram", "terminal"
	UserID    string
	FirstName string
	Language  string // IETF tag such as "en" or "pt-BR"; may be empty
}

// EventKind is what the person did.
type EventKind string

// The kinds of event.
const (
	EventStart EventKind = "start" // /start
	EventInput EventKind = "input" // an answer, a button press or back/skip/cancel
	EventHelp  EventKind = "help"  // /help
	EventMe    EventKind = "me"    // /me: what we hold, to review or change
	EventStop  EventKind = "stop"  // /stop: no more reminders
	// EventLanguage is /language: choose the language to be spoken to in.
	EventLanguage EventKind = "language"
	// EventInvite is /invite: the person's own link to invite others.
	EventInvite EventKind = "invite"
	// EventReminder is a press of a button on a scheduled message.
	EventReminder EventKind = "reminder"
	// EventAdd is /add: put a group, place or organisation on the map.
	EventAdd EventKind = "add"
	// EventPrivacy is /privacy: each consent and the person's choice, to
	// change any of them.
	EventPrivacy EventKind = "privacy"
	// EventDelete is /delete: erase everything held about the person,
	// once they confirm.
	EventDelete EventKind = "delete"
	// EventMyData is /mydata: everything held about the person, as a
	// message and a document. It changes nothing.
	EventMyData EventKind = "mydata"
)

// Event is one thing the person did.
type Event struct {
	Kind  EventKind
	Input flow.Input
	// Reminder and Action say which button of which scheduled message was
	// pressed, for EventReminder.
	Reminder int64
	Action   string
	// Payload is what followed /start, from a deep link: a referral code
	// attributes the person to its owner. It arrives unchecked.
	Payload string
}

// NeighboursCommand lists the neighbours who agreed to be shown (/help
// names it). It searches the whole map, outside any conversation, so a
// channel answers it itself: the Telegram bot does, `assetbot try` says
// where it works.
const NeighboursCommand = "/neighbours"

// Command returns the event a command such as "/skip" stands for, on any
// channel; ok is false for a command the conversation does not know.
func Command(name string) (ev Event, ok bool) {
	input := func(k flow.InputKind) (Event, bool) {
		return Event{Kind: EventInput, Input: flow.Input{Kind: k}}, true
	}
	switch strings.ToLower(name) {
	case "/start":
		return Event{Kind: EventStart}, true
	case "/help":
		return Event{Kind: EventHelp}, true
	case "/me":
		return Event{Kind: EventMe}, true
	case "/stop":
		return Event{Kind: EventStop}, true
	case "/invite":
		return Event{Kind: EventInvite}, true
	case "/add":
		return Event{Kind: EventAdd}, true
	case "/delete":
		return Event{Kind: EventDelete}, true
	case "/mydata":
		return Event{Kind: EventMyData}, true
	case "/language":
		return Event{Kind: EventLanguage}, true
	case "/privacy":
		return Event{Kind: EventPrivacy}, true
	case "/back":
		return input(flow.InputBack)
	case "/skip":
		return input(flow.InputSkip)
	case "/cancel":
		return input(flow.InputCancel)
	}
	return Event{}, false
}

// Message is one thing to show. Menu is set when the options are actions
// of a menu rather than answers to a flow's question.
type Message struct {
	flow.Prompt
	Menu string
	// Reminder is set on a scheduled message whose options are actions on
	// that reminder (ReminderContinue, ...): its buttons stay valid
	// whatever the person does in between.
	Reminder int64
	// Invite is the person's own invitation code, whose link the channel
	// adds under this message's text.
	Invite string
}

// Reply is what to show the person after an event.
type Reply struct {
	Messages []Message
	// Outcome is the flow engine's verdict when the event went to a flow.
	Outcome flow.Outcome
	// Echo is the accepted answer or menu choice as the person would read it.
	Echo string
	// Recorded counts the answers and consent decisions stored.
	Recorded int
	// Stale is set when a button of an old question or menu was pressed:
	// nothing changed.
	Stale bool
	// Person is the person as stored after the event; as they were before
	// it when Erased. For /mydata, which changes nothing, Language is the
	// language they were answered in, and someone the bot does not know is
	// the zero Person with that language.
	Person store.Person
	// Erased is set when the event erased the person: nothing about them
	// is stored any more.
	Erased bool
	// Invite is the person's own invitation code, when they asked for
	// their link to invite others (/invite); the channel makes the link.
	Invite string
	// Document is a file to send after the messages: everything held
	// about the person, when they asked for it (/mydata).
	Document *Document
}

// Document is a file for the person, sent or saved by the channel.
type Document struct {
	Name string
	Data []byte
}

// Service handles events against a set of flows.
type Service struct {
	flows map[string]*flow.Flow
	main  *flow.Flow
	// kinds are the asset flows, in the order /add offers them.
	kinds []*flow.Flow
	log   *slog.Logger
	cache *sessionCache
	dir   *assetDirectory
	// loc is the timezone of dates shown to people.
	loc *time.Location
	// minAge is the age a consent's age check asks the person to confirm.
	minAge int
	// sent limits how often each person is sent their data.
	sent *dataLimiter
}

// Option configures New.
type Option func(*Service)

// WithStore lets lookups and the duplicate check find the assets already
// on the map in st. Without it every asset named is taken as new.
func WithStore(st *store.Store) Option {
	return func(s *Service) { s.dir = newAssetDirectory(st, s.log) }
}

// WithLocation sets the timezone of the dates people are shown (the day a
// stale entry will be deleted); without it, UTC.
func WithLocation(loc *time.Location) Option { return func(s *Service) { s.loc = loc } }

// WithMinAge sets the age a consent step's age check asks people to
// confirm they have reached (privacy.min_age); without it,
// flow.DefaultMinAge.
func WithMinAge(age int) Option {
	return func(s *Service) { s.minAge = age }
}

// New returns a service whose /start runs the flow mainFlow.
func New(flows map[string]*flow.Flow, mainFlow string, log *slog.Logger, opts ...Option) (*Service, error) {
	f, ok := flows[mainFlow]
	if !ok {
		return nil, fmt.Errorf("main flow %q not found among the flows", mainFlow)
	}
	s := &Service{flows: flows, main: f, log: log, cache: newSessionCache(maxCached), sent: newDataLimiter(myDataInterval), loc: time.UTC, minAge: flow.DefaultMinAge}
	for _, id := range slices.Sorted(maps.Keys(flows)) {
		if flows[id].Asset != nil {
			s.kinds = append(s.kinds, flows[id])
		}
	}
	slices.SortStableFunc(s.kinds, func(a, b *flow.Flow) int { return a.Asset.Order - b.Asset.Order })
	for _, o := range opts {
		o(s)
	}
	return s, nil
}

// Flow returns the main flow.
func (s *Service) Flow() *flow.Flow { return s.main }

// Flows returns every flow the service handles, by id; the caller must not
// change the map.
func (s *Service) Flows() map[string]*flow.Flow { return s.flows }

// session is what is stored between events.
type session struct {
	Flow flow.State `json:"flow"`
	// Asset is the asset the run changes; 0 while it adds a new one.
	Asset int64 `json:"asset,omitempty"`
	// Checked is set once a run adding an asset has been checked against
	// those already on the map.
	Checked bool `json:"checked,omitempty"`
	// Prefill holds answers the run started with: the name of an asset
	// named in a lookup.
	Prefill map[string]flow.Value `json:"prefill,omitempty"`
	// Then is the link to make with the asset the run adds, and Named the
	// person's answer that named it, for a run that a lookup asked for.
	Then  *pendingLink `json:"then,omitempty"`
	Named *answerRef   `json:"named,omitempty"`
	// Pending are the runs to start once this one is over: assets named in
	// a lookup that are not on the map yet.
	Pending []pendingRun `json:"pending,omitempty"`

	// Menu names the menu awaiting a choice, if any; MenuFlow and
	// MenuAsset what it is about, when not the run.
	Menu      string `json:"menu,omitempty"`
	MenuFlow  string `json:"menu_flow,omitempty"`
	MenuAsset int64  `json:"menu_asset,omitempty"`
}

// turn is a conversation's whole state in one event.
type turn struct {
	tx     *store.Tx
	person store.Person
	id     Identity
	sess   session
	fresh  bool // no conversation stored yet
	flow   *flow.Flow
	// asset is the asset whose fields env holds, for an asset flow.
	asset int64
	env   flow.Env
	reply Reply
	// erased is set once the person is erased: the turn then stores
	// nothing more about them.
	erased bool
	// created is set when this event made the person's row.
	created bool
}

// Handle applies one event and returns what to show. Call it inside a
// store transaction that also records the event, so it is applied once.
func (s *Service) Handle(tx *store.Tx, id Identity, ev Event) (Reply, error) {
	if ev.Kind == EventMyData {
		// Before load, which would make a record of someone unknown.
		return s.myData(tx, id)
	}
	t, err := s.load(tx, id)
	if err != nil {
		return Reply{}, err
	}
	if !t.person.Reminders && ev.Kind != EventStop {
		// Talking to us again after /stop: reminders are back on.
		t.person.Reminders = true
		if err := tx.UpdatePerson(t.person); err != nil {
			return Reply{}, err
		}
		t.say(flow.MsgRemindersBack)
	}
	switch ev.Kind {
	case EventStart:
		if err = s.attribute(t, ev.Payload); err == nil {
			err = s.start(t)
		}
	case EventHelp:
		t.say(flow.MsgHelp)
	case EventMe:
		err = s.me(t)
	case EventStop:
		t.person.Reminders = false
		if err = tx.UpdatePerson(t.person); err == nil {
			t.say(flow.MsgStopped)
		}
	case EventInvite:
		err = s.invite(t)
	case EventLanguage:
		s.showMenu(t, menuLang, "")
	case EventAdd:
		s.showMenu(t, menuAdd, "")
	case EventPrivacy:
		err = s.privacy(t)
	case EventDelete:
		if err = s.use(t, s.main, 0); err == nil {
			s.showMenu(t, menuDelete, "")
		}
	case EventInput:
		err = s.input(t, ev.Input)
	case EventReminder:
		err = s.reminder(t, ev)
	default:
		return Reply{}, fmt.Errorf("unknown event kind %q", ev.Kind)
	}
	if err != nil {
		return Reply{}, err
	}
	if t.created && t.reply.Stale {
		// A stale button from someone we hold nothing of (such as one who
		// said they are under age): it changes nothing, so keep nothing.
		if err := s.eraseQuietly(t); err != nil {
			return Reply{}, err
		}
	}
	if err := s.save(t); err != nil {
		return Reply{}, err
	}
	t.reply.Person, t.reply.Erased = t.person, t.erased
	return t.reply, nil
}

func (s *Service) load(tx *store.Tx, id Identity) (*turn, error) {
	t := &turn{tx: tx, id: id, flow: s.main}
	p, err := tx.Person(id.Channel, id.UserID)
	switch {
	case errors.Is(err, store.ErrNotFound):
		p, err = tx.CreatePerson(store.Person{Channel: id.Channel, ChannelUserID: id.UserID, Language: s.Language(id.Language)})
		if err != nil {
			return nil, err
		}
		t.created = true
	case err != nil:
		return nil, err
	case id.Language != "" && !p.LanguageChosen && s.Language(id.Language) != p.Language:
		// Follow the channel's language until the person chooses one.
		p.Language = s.Language(id.Language)
		if err := tx.UpdatePerson(p); err != nil {
			return nil, err
		}
	}
	t.person = p
	if c, ok := s.cache.get(p.ID, p.Revision); ok {
		t.sess = c.sess
		t.flow, t.asset = s.sessionFlow(t.sess)
		if t.flow.Asset != nil {
			// Others may have changed the asset since: read it afresh.
			t.env, err = s.env(t)
			return t, err
		}
		t.env = s.baseEnv(t)
		t.env.Known = c.known
		return t, nil
	}
	c, err := tx.Conversation(p.ID)
	switch {
	case errors.Is(err, store.ErrNotFound):
		t.fresh = true
	case err != nil:
		return nil, err
	default:
		if err := json.Unmarshal(c.State, &t.sess); err != nil {
			// A state this version cannot read: start afresh rather than
			// leave the person stuck. Their answers are kept.
			t.fresh = true
			t.sess = session{}
		}
		t.flow, t.asset = s.sessionFlow(t.sess)
	}
	t.env, err = s.env(t)
	return t, err
}

// sessionFlow returns the flow an event applies to, and the asset whose
// fields it is about: the open menu's, else the run's. A flow removed from
// the folder since falls back to the main flow.
func (s *Service) sessionFlow(sess session) (*flow.Flow, int64) {
	id, asset := sess.Flow.Flow, sess.Asset
	if sess.Menu != "" && sess.MenuFlow != "" {
		id, asset = sess.MenuFlow, sess.MenuAsset
	}
	if f, ok := s.flows[id]; ok {
		return f, asset
	}
	return s.main, 0
}

// use makes f the flow the turn is about, with the fields of asset (0 for
// none) as its known answers when f records assets.
func (s *Service) use(t *turn, f *flow.Flow, asset int64) error {
	if t.flow == f && t.asset == asset && f.Asset == nil {
		return nil
	}
	t.flow, t.asset = f, asset
	env, err := s.env(t)
	t.env = env
	return err
}

// directory returns what lookups search, if anything.
func (s *Service) directory() flow.Directory {
	if s.dir == nil {
		return nil
	}
	return s.dir
}

func firstName(t *turn) string {
	if t.id.FirstName != "" {
		return t.id.FirstName
	}
	return t.person.FirstName
}

// baseEnv is what the engine knows of the person before their answers.
func (s *Service) baseEnv(t *turn) flow.Env {
	return flow.Env{Lang: t.person.Language, FirstName: firstName(t), Known: map[string]flow.Value{}, Directory: s.directory(), MinAge: s.minAge}
}

// env gathers what the engine knows of the person: their name, language and
// recorded answers, with their consent decisions: a required consent only
// while it is in force (a refusal is asked again by a new run), any other
// whichever way it went, so that it is never asked twice.
func (s *Service) env(t *turn) (flow.Env, error) {
	env := s.baseEnv(t)
	if t.flow.Asset != nil {
		return env, s.assetEnv(t, &env)
	}
	answers, err := t.tx.Answers(t.person.ID, t.flow.ID)
	if err != nil {
		return env, err
	}
	for k, a := range answers {
		env.Known[k] = a.Value
	}
	for _, step := range t.flow.Steps {
		if step.Consent == "" {
			continue
		}
		granted, err := t.tx.Consent(t.person.ID, step.Consent)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return env, err
		}
		if granted || err == nil && !step.Required {
			env.Known[step.Key] = flow.Value{Bool: &granted}
		}
	}
	return env, nil
}

func (s *Service) save(t *turn) error {
	if t.erased {
		return nil
	}
	if t.fresh && t.sess.Flow.Flow == "" && t.sess.Menu == "" {
		return nil // nothing started, no menu open: keep no conversation
	}
	data, err := json.Marshal(t.sess)
	if err != nil {
		return fmt.Errorf("encode conversation of %d: %w", t.person.ID, err)
	}
	status := string(t.sess.Flow.Status)
	if t.sess.Menu != "" {
		status = "menu"
	}
	if err := t.tx.SaveConversation(store.Conversation{PersonID: t.person.ID, Flow: t.sess.Flow.Flow, Status: status, State: data}); err != nil {
		return err
	}
	if t.tx.Changed(t.person.ID) {
		id, c := t.person.ID, cached{rev: t.person.Revision + 1, sess: t.sess, known: t.env.Known}
		t.tx.OnCommit(func() { s.cache.put(id, c) })
	}
	return nil
}

// say adds a plain message: message id msg in the person's language,
// with vars (name, value, ...) filled in.
func (t *turn) say(msg string, vars ...string) {
	t.reply.Messages = append(t.reply.Messages, Message{Prompt: flow.Prompt{Type: flow.TypeInfo, Text: t.text(msg, vars...)}})
}

// text returns message id msg in the person's language, with their first
// name and vars (name, value, ...) filled in.
func (t *turn) text(msg string, vars ...string) string {
	name := t.env.FirstName
	if name == "" {
		name = t.flow.Msg(flow.MsgNoName, t.env.Lang)
	}
	return t.flow.Text(msg, t.env.Lang, append(vars, "first_name", name)...)
}

func (s *Service) start(t *turn) error {
	st := t.sess.Flow
	// Part-way through, even with a menu open over the run (the resume menu
	// itself, or /me's review): offer to carry on, never a review that would
	// confirm a run not yet finished.
	if (st.Status == flow.StatusActive || st.Status == flow.StatusPaused) && st.Flow != "" {
		if err := s.use(t, s.runFlow(t), t.sess.Asset); err != nil {
			return err
		}
		s.showMenu(t, menuResume, "")
		return nil
	}
	if err := s.use(t, s.main, 0); err != nil {
		return err
	}
	if s.hasAnswers(t) {
		// A returning person: ask what a newer flow added, if anything;
		// otherwise show them what we hold.
		opts := flow.Options{Turn: t.sess.Flow.Turn}
		if r, _ := flow.Start(s.main, t.env, opts); r.Outcome == flow.OutcomeAsked {
			t.say(flow.MsgNewQuestions)
			return s.apply(t, r)
		}
		s.showMenu(t, menuReview, "")
		return nil
	}
	return s.run(t, s.main, 0, flow.Options{})
}

// attribute credits whoever owns the link the person started through, if
// anyone may be credited. A link that credits nobody still starts the bot:
// it is logged, never shown as an error. The payload is logged only by
// length, since it came from anybody.
func (s *Service) attribute(t *turn, payload string) error {
	if payload == "" {
		return nil
	}
	pl, ok := referral.ParsePayload(payload)
	if !ok {
		s.log.Info("start link not a referral code", "person_id", t.person.ID, "payload_len", len(payload))
		return nil
	}
	got, err := t.tx.Attribute(t.person, pl)
	if err != nil {
		return err
	}
	s.log.Info("start link", "person_id", t.person.ID, "kind", string(pl.Kind), "attribution", string(got))
	return nil
}

// hasAnswers reports whether the person has told us anything in the flow.
func (s *Service) hasAnswers(t *turn) bool {
	for _, q := range t.flow.Questions() {
		if _, ok := t.env.Known[q.Key]; ok && q.Consent == "" {
			return true
		}
	}
	return false
}

func (s *Service) me(t *turn) error {
	if err := s.use(t, s.main, 0); err != nil {
		return err
	}
	if s.hasAnswers(t) {
		s.showMenu(t, menuReview, "")
		return nil
	}
	mine, err := t.tx.PersonAssets(t.person.ID)
	switch {
	case err != nil:
		return err
	case len(mine) > 0:
		s.showMenu(t, menuMine, "")
	default:
		t.say(flow.MsgNothingHeld)
	}
	return nil
}

// run starts a run of flow f, about asset (0 to add a new one when f
// records assets). It replaces any run part-way through: a person flow's
// answers are kept as given, an asset not yet added is dropped. What a run
// adding an asset starts with (the session's Prefill and Then) is set by
// whoever starts it (add, next) and kept for the whole run, started again
// or not: its later questions name the asset, and its end makes the link.
func (s *Service) run(t *turn, f *flow.Flow, asset int64, opts flow.Options) error {
	if err := s.use(t, f, asset); err != nil {
		return err
	}
	opts.Turn = t.sess.Flow.Turn
	r, ok := flow.Start(t.flow, t.env, opts)
	if !ok {
		return fmt.Errorf("flow %s has no question %q", t.flow.ID, opts.Only)
	}
	t.sess.Menu, t.sess.MenuFlow, t.sess.MenuAsset = "", "", 0
	t.sess.Asset, t.sess.Checked = asset, asset != 0
	return s.apply(t, r)
}

// runFlow is the flow of the run in the session.
func (s *Service) runFlow(t *turn) *flow.Flow {
	if f, ok := s.flows[t.sess.Flow.Flow]; ok {
		return f
	}
	return s.main
}

func (s *Service) input(t *turn, in flow.Input) error {
	if t.sess.Menu != "" {
		return s.menuInput(t, in)
	}
	st := t.sess.Flow
	if st.Status != flow.StatusActive {
		switch {
		case in.Turn != 0:
			t.reply.Stale = true
		case in.Kind == flow.InputBack || in.Kind == flow.InputSkip || in.Kind == flow.InputCancel:
			t.say(flow.MsgNothingOpen)
		case st.Status == flow.StatusPaused:
			s.showMenu(t, menuResume, "")
		case st.Status == flow.StatusDeclined:
			t.say(flow.MsgDeclinedBefore)
		case st.Status == "":
			return s.start(t)
		default:
			t.say(flow.MsgDoneAlready)
		}
		return nil
	}
	return s.apply(t, flow.Advance(t.flow, st, in, t.env))
}

// apply records what the engine decided and turns its prompts into the reply.
func (s *Service) apply(t *turn, r flow.Result) error {
	t.sess.Flow = r.State
	t.reply.Outcome = r.Outcome
	if r.Echo != "" {
		// Keep the echo of a menu choice that started or resumed this run.
		t.reply.Echo = r.Echo
	}
	switch r.Outcome {
	case flow.OutcomeStale:
		t.reply.Stale = true
		return nil
	case flow.OutcomeUnderAge:
		return s.underAge(t, r)
	}
	if t.flow.Asset != nil {
		return s.applyAsset(t, r)
	}
	for _, a := range r.Answers {
		if err := s.record(t, a); err != nil {
			return err
		}
	}
	for _, key := range r.Withdrawn {
		delete(t.env.Known, key)
		if _, err := t.tx.WithdrawAnswer(t.person.ID, t.flow.ID, key); err != nil {
			return err
		}
		if err := s.linkAnswer(t, t.flow.StepByKey(key), flow.Value{}); err != nil {
			return err
		}
	}
	s.prompts(t, r)
	if r.Outcome == flow.OutcomeFinished {
		if !r.State.Only {
			// Gone through it all: the whole entry is as they say now.
			if err := t.tx.ConfirmEntry(t.person.ID); err != nil {
				return err
			}
		}
		if step := s.consentRun(t, r.State); step != nil {
			s.consentChanged(t, step)
			return nil
		}
		s.queueNamed(t, r.State.Answers, 0)
		s.showMenu(t, menuSummary, "")
	}
	return nil
}

// prompts turns the engine's prompts into the reply, saying first that an
// asset named in a lookup that is not on the map yet comes later.
func (s *Service) prompts(t *turn, r flow.Result) {
	for _, a := range r.Answers {
		if a.Value.New && r.Outcome != flow.OutcomeFinished {
			t.say(flow.MsgLookupLater, "name", a.Value.Text)
		}
	}
	for _, p := range r.Prompts {
		t.reply.Messages = append(t.reply.Messages, Message{Prompt: p})
	}
}

// record stores one answer, or a consent decision with the wording it
// answered.
func (s *Service) record(t *turn, a flow.Answer) error {
	t.reply.Recorded++
	if a.Consent == "" {
		t.env.Known[a.Key] = a.Value
		if _, err := t.tx.SaveAnswer(t.person.ID, t.flow.ID, a); err != nil {
			return err
		}
		return s.linkAnswer(t, t.flow.Step(a.Step), a.Value)
	}
	granted := a.Value.Bool != nil && *a.Value.Bool
	err := t.tx.RecordDecision(t.person.ID, store.ConsentRecord{Purpose: a.Consent, Granted: granted,
		Flow: t.flow.ID, FlowVersion: a.Version, TextVersion: a.TextVersion})
	if err != nil {
		return err
	}
	if step := t.flow.Step(a.Step); step != nil && !step.Required {
		// A purpose beyond the map: either answer stands, and the flow goes on.
		t.env.Known[a.Key] = a.Value
		return nil
	}
	if granted {
		t.env.Known[a.Key] = a.Value
		if t.id.FirstName != "" && t.person.FirstName != t.id.FirstName {
			t.person.FirstName = t.id.FirstName
			return t.tx.UpdatePerson(t.person)
		}
		return nil
	}
	// A refusal keeps nothing but itself: withdraw anything said before,
	// including what this run holds of the questions asked before consent.
	for k := range t.sess.Flow.Answers {
		if k != a.Key {
			delete(t.sess.Flow.Answers, k)
		}
	}
	return s.forget(t)
}

// erase erases everything held about the person (see store.Tx.Erase):
// /delete, /me's delete and a reminder's "Remove me" all end here. Their
// conversation, held in memory, goes once the erasure is committed.
func (s *Service) erase(t *turn) error {
	if err := s.eraseQuietly(t); err != nil {
		return err
	}
	t.say(flow.MsgDeleted)
	return nil
}

// eraseQuietly erases everything held about the person, as erase does,
// saying nothing: for someone under the minimum age, or a stale button
// from someone the bot had never heard of.
func (s *Service) eraseQuietly(t *turn) error {
	if err := t.tx.ErasePerson(t.person.ID); err != nil {
		return err
	}
	t.erased = true
	id := t.person.ID
	t.tx.OnCommit(func() { s.cache.forget(id) })
	return nil
}

// forget erases the person's answers and name, keeping the row that
// remembers their consent decisions: what a refusal of consent keeps.
func (s *Service) forget(t *turn) error {
	if _, err := t.tx.DeleteAnswers(t.person.ID); err != nil {
		return err
	}
	t.person.FirstName = ""
	if err := t.tx.UpdatePerson(t.person); err != nil {
		return err
	}
	// What is known now is what the store says: no answers, and whatever
	// consent decisions stand.
	env, err := s.env(t)
	t.env.Known = env.Known
	return err
}

// summary lists what the person told us in the main flow, one line each.
func (s *Service) summary(t *turn) string {
	var b strings.Builder
	for _, q := range t.flow.Questions() {
		v, ok := t.env.Known[q.Key]
		if !ok || q.Consent != "" {
			continue
		}
		fmt.Fprintf(&b, "• %s: %s\n", q.ShortLabel(t.env.Lang), flow.Display(t.flow, q, v, t.env.Lang))
	}
	return strings.TrimSuffix(b.String(), "\n")
}

// Language returns the language, of those the main flow offers, that
// suits a channel's language tag (such as Telegram's language_code).
func (s *Service) Language(tag string) string {
	return flow.Best(s.main.Languages(), tag)
}

// Text returns message id msg in lang with vars (name, value, ...) filled
// in, for a channel's own words.
func (s *Service) Text(lang, msg string, vars ...string) string {
	return s.main.Text(msg, lang, vars...)
}

// PersonLanguage returns the language to speak to id in: the one stored for
// them, else the one their channel suggests. It changes nothing.
func (s *Service) PersonLanguage(tx *store.Tx, id Identity) (string, error) {
	p, err := tx.Person(id.Channel, id.UserID)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return s.Language(id.Language), nil
	case err != nil:
		return "", err
	case !p.LanguageChosen && id.Language != "":
		return s.Language(id.Language), nil
	}
	return p.Language, nil
}

// invite gives the person their own invitation code.
func (s *Service) invite(t *turn) error {
	code, err := s.inviteCode(t)
	t.reply.Invite = code
	return err
}

// inviteCode returns the person's own invitation code, made the first time
// it is needed.
func (s *Service) inviteCode(t *turn) (string, error) {
	return t.tx.InviteCode(t.person.ID, referral.NewCode(referral.Resident))
}
