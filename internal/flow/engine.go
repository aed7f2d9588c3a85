package flow

import (
	"crypto/sha256"
	"encoding/hex"
	"maps"
	"slices"
	"strconv"
	"strings"
)

// Location is a point shared by the person, in WGS 84 decimal degrees.
type Location struct {
	Lat float64 `json:"lat"`
	Lon float64 `json:"lon"`
}

// Value is one answer. Which fields are set depends on the step type:
// Text for text (and a typed place for location), Number, Choice, Choices
// and Other for multi, Bool for yesno, Location for a shared location.
// Skipped marks an optional step the person chose to skip.
type Value struct {
	Text     string    `json:"text,omitempty"`
	Number   *float64  `json:"number,omitempty"`
	Choice   string    `json:"choice,omitempty"`
	Choices  []string  `json:"choices,omitempty"`
	Other    string    `json:"other,omitempty"`
	Bool     *bool     `json:"bool,omitempty"`
	Location *Location `json:"location,omitempty"`
	Skipped  bool      `json:"skipped,omitempty"`
	// Asset is, for a lookup, the asset chosen; Text then holds its name
	// as it was shown. New marks a lookup answered with a name not yet on
	// the map: Text is that name.
	Asset int64 `json:"asset,omitempty"`
	New   bool  `json:"new,omitempty"`
}

// Equal reports whether two answers say the same thing.
func (v Value) Equal(w Value) bool {
	eqf := func(a, b *float64) bool { return (a == nil) == (b == nil) && (a == nil || *a == *b) }
	eqb := func(a, b *bool) bool { return (a == nil) == (b == nil) && (a == nil || *a == *b) }
	eql := func(a, b *Location) bool { return (a == nil) == (b == nil) && (a == nil || *a == *b) }
	return v.Text == w.Text && eqf(v.Number, w.Number) && v.Choice == w.Choice &&
		slices.Equal(v.Choices, w.Choices) && v.Other == w.Other && eqb(v.Bool, w.Bool) &&
		eql(v.Location, w.Location) && v.Skipped == w.Skipped && v.Asset == w.Asset && v.New == w.New
}

// Status is where a conversation stands.
type Status string

// The statuses of a conversation.
const (
	StatusActive   Status = "active"
	StatusPaused   Status = "paused"
	StatusDone     Status = "done"
	StatusDeclined Status = "declined"
)

// State is a conversation in progress: everything the engine needs to carry
// on, and nothing else. Hosts store it (as JSON) between inputs.
type State struct {
	Flow    string `json:"flow"`
	Version int    `json:"version"`
	Status  Status `json:"status"`
	// Step is the id of the step being asked; empty once the flow is over.
	Step string `json:"step,omitempty"`
	// Turn counts questions asked. Buttons carry the turn they were shown
	// on, so a press on an old question is recognised as stale.
	Turn int `json:"turn"`
	// Asked lists the steps asked in this run, oldest first, for back.
	Asked []string `json:"asked,omitempty"`
	// Answers holds the answers given in this run, by answer key.
	Answers map[string]Value `json:"answers,omitempty"`
	// Selected holds the options ticked so far on a multi step.
	Selected []string `json:"selected,omitempty"`
	// AwaitingOther is set while asking for the free "something else" text.
	AwaitingOther bool `json:"awaiting_other,omitempty"`
	// Typed and Found are set on a lookup step while the person picks
	// from the assets found for what they typed.
	Typed string      `json:"typed,omitempty"`
	Found []Candidate `json:"found,omitempty"`
	// FoundAll counts every asset that matched, shown or not.
	FoundAll int `json:"found_all,omitempty"`
	// Review asks every step again, showing the known answer as a default,
	// instead of skipping steps already answered.
	Review bool `json:"review,omitempty"`
	// Only, when set, marks a run that changes one answer: it asks that
	// step, then only the questions the change made necessary.
	Only bool `json:"only,omitempty"`
}

// Env is what the engine knows about the person beyond the state.
type Env struct {
	Lang      string
	FirstName string
	// Known holds the person's answers recorded before this run, by key.
	// Steps answered there are not asked again (unless State.Review).
	Known map[string]Value
	// Directory finds the assets already on the map, for lookup steps.
	// Without one, every name looked up is new.
	Directory Directory
	// MinAge is the age a consent step with AgeCheck asks the person to
	// confirm, and {min_age} in its texts; 0 means DefaultMinAge.
	MinAge int
}

// minAge is the age the person must confirm they have reached.
func (env Env) minAge() int {
	if env.MinAge > 0 {
		return env.MinAge
	}
	return DefaultMinAge
}

// Directory finds assets already on the map.
type Directory interface {
	// Search returns at most limit assets of kind that match text, best
	// first, and how many matched in all.
	Search(kind, text string, limit int) (found []Candidate, total int)
}

// Candidate is an asset a lookup offers.
type Candidate struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
	// Detail tells apart assets of the same name, such as their area.
	Detail string `json:"detail,omitempty"`
}

// InputKind says what the person did.
type InputKind string

// The kinds of input.
const (
	InputText     InputKind = "text"     // typed text
	InputOption   InputKind = "option"   // pressed an option button (Option)
	InputToggle   InputKind = "toggle"   // ticked or unticked a multi option (Option)
	InputDone     InputKind = "done"     // finished ticking a multi step
	InputLocation InputKind = "location" // shared a location (Lat, Lon)
	InputBack     InputKind = "back"
	InputSkip     InputKind = "skip"
	InputKeep     InputKind = "keep" // keep the current answer
	InputCancel   InputKind = "cancel"
)

// Input is one thing the person did. Turn is the turn of the question a
// button was shown on (0 for typed input and commands).
type Input struct {
	Kind   InputKind
	Text   string
	Option string
	Lat    float64
	Lon    float64
	Turn   int
}

// Choice is an option as shown to the person.
type Choice struct {
	ID       string
	Label    string
	Selected bool
}

// Prompt is one message to show: a question (Type is not TypeInfo) or a
// piece of information. Texts are already translated and filled in.
type Prompt struct {
	Step    string
	Turn    int
	Type    StepType
	Text    string
	Hint    string
	Problem string // why the last input was not taken; shown before the question
	Options []Choice
	// Optional questions may be skipped; CanBack says there is an earlier
	// question to go back to.
	Optional bool
	CanBack  bool
	// Current is the answer already held for this question, shown as the
	// default to keep.
	Current string
}

// Question reports whether the prompt asks for an answer.
func (p Prompt) Question() bool { return p.Type != TypeInfo }

// Answer is an answer to record. Version is the flow version it was given
// under; Consent names the purpose when the step asked for consent, and
// TextVersion then names the wording the person answered (see
// TextVersion).
type Answer struct {
	Key         string
	Step        string
	Value       Value
	Version     int
	Consent     string
	TextVersion string
}

// Outcome summarises what an input did.
type Outcome string

// The outcomes of Advance.
const (
	OutcomeAsked    Outcome = "asked"    // an answer was taken and the next question asked
	OutcomeInvalid  Outcome = "invalid"  // the input was not a valid answer; the question is asked again
	OutcomeToggled  Outcome = "toggled"  // a multi option was ticked or unticked
	OutcomeBack     Outcome = "back"     // went back to the previous question
	OutcomeStale    Outcome = "stale"    // a button of a question no longer asked; nothing changed
	OutcomePaused   Outcome = "paused"   // cancelled; can be resumed
	OutcomeFinished Outcome = "finished" // the flow is over
	OutcomeDeclined Outcome = "declined" // consent refused; the flow is over
	// OutcomeUnderAge: the person said they are under the minimum age.
	// Nothing is recorded; the host keeps nothing about them.
	OutcomeUnderAge Outcome = "under_age"
	OutcomeInactive Outcome = "inactive" // the conversation is not running
)

// Result is what Start and Advance return.
type Result struct {
	State   State
	Prompts []Prompt
	Answers []Answer
	Outcome Outcome
	// Echo is the accepted answer as the person would read it, for hosts
	// that edit the question to show what was chosen.
	Echo string
	// Withdrawn lists the keys of answers held (in Env.Known or recorded
	// earlier in this run) whose step's `when` no longer holds after this
	// input: they no longer describe the person and the host moves them
	// out of the current answers, keeping them in history.
	Withdrawn []string
}

// Options say how a run starts.
type Options struct {
	// Review asks every question again, with the known answer as default,
	// instead of skipping the ones already answered.
	Review bool
	// Only, if set, asks just the question with this answer key, to change
	// that one answer, and then any question whose `when` the new answer
	// makes hold and that has no answer yet.
	Only string
	// Turn is the last turn of the person's previous run, so that buttons
	// left from it are recognised as stale.
	Turn int
}

// Start begins a run of f. It returns false if opts.Only names no question
// of f.
func Start(f *Flow, env Env, opts Options) (Result, bool) {
	st := State{Flow: f.ID, Version: f.Version, Status: StatusActive, Review: opts.Review, Turn: opts.Turn, Answers: map[string]Value{}}
	r := Result{State: st}
	if opts.Only == "" {
		walk(f, &r, env, 0)
		return r, true
	}
	s := f.StepByKey(opts.Only)
	if s == nil {
		return r, false
	}
	r.State.Only = true
	ask(f, &r, env, s, nil)
	return r, true
}

// Applies reports whether question s applies to the person: its `when`, if
// any, holds for the answers in env. A host offers to change only answers
// to questions that apply.
func Applies(s *Step, env Env) bool {
	return s.When == nil || holds(s.When, State{}, env)
}

// Resume reactivates a paused (or active) conversation, asking its
// question again. A step that a newer version of the flow removed resumes
// at the first question not yet answered. A finished or declined
// conversation is not resumed: the outcome is OutcomeInactive.
func Resume(f *Flow, st State, env Env) Result {
	st = st.own()
	if st.Status == StatusDone || st.Status == StatusDeclined {
		// Over is over: carrying on past a refused consent must start a
		// new run, which asks for consent again.
		return Result{State: st, Outcome: OutcomeInactive}
	}
	st.Status, st.Version = StatusActive, f.Version
	st.clearPending()
	r := Result{State: st}
	s := f.Step(st.Step)
	if s == nil || s.Type == TypeInfo {
		walk(f, &r, env, 0)
		return r
	}
	r.State.Turn++
	r.State.Selected = selectionOf(r.State, env, s)
	r.Outcome = OutcomeAsked
	r.Prompts = []Prompt{prompt(f, r.State, env, s, "")}
	return r
}

// Advance applies one input to a conversation.
func Advance(f *Flow, st State, in Input, env Env) Result {
	r := Result{State: st.own()}
	if st.Status != StatusActive {
		r.Outcome = OutcomeInactive
		return r
	}
	s := f.Step(st.Step)
	if s == nil || s.Type == TypeInfo {
		// The flow changed under a running conversation: carry on at the
		// first question not yet answered.
		r.State.Version = f.Version
		walk(f, &r, env, 0)
		return r
	}
	if in.Turn != 0 && in.Turn != st.Turn {
		r.Outcome = OutcomeStale
		return r
	}
	switch in.Kind {
	case InputCancel:
		r.State.Status = StatusPaused
		r.State.clearPending()
		r.Prompts = []Prompt{{Type: TypeInfo, Text: f.Msg(MsgPaused, env.Lang)}}
		r.Outcome = OutcomePaused
		return r
	case InputBack:
		back(f, &r, env, s)
		return r
	case InputSkip:
		if !s.Optional {
			reask(f, &r, env, s, f.Msg(MsgCannotSkip, env.Lang))
			return r
		}
		accept(f, &r, env, s, Value{Skipped: true})
		return r
	case InputKeep:
		v, ok := known(r.State, env, s.Key)
		if !ok {
			reask(f, &r, env, s, "")
			return r
		}
		accept(f, &r, env, s, v)
		return r
	}
	if r.State.AwaitingOther {
		other(f, &r, env, s, in)
		return r
	}
	v, action, problem := parseInput(f, &r.State, env, s, in)
	switch action {
	case actionUnderAge:
		r.State.Status, r.State.Step = StatusDeclined, ""
		r.State.clearPending()
		r.State.Answers = map[string]Value{}
		r.Outcome = OutcomeUnderAge
		r.Echo = underAgeLabel(f, env)
		r.Prompts = []Prompt{{Type: TypeInfo, Text: fillAnswers(f, r.State, env, f.Msg(MsgUnderAge, env.Lang))}}
	case actionToggled:
		r.Outcome = OutcomeToggled
		r.Prompts = []Prompt{prompt(f, r.State, env, s, "")}
	case actionAskOther, actionPick:
		r.State.AwaitingOther = action == actionAskOther
		r.State.Turn++
		r.Outcome = OutcomeAsked
		r.Prompts = []Prompt{prompt(f, r.State, env, s, "")}
	case actionInvalid:
		reask(f, &r, env, s, problem)
	default:
		accept(f, &r, env, s, v)
	}
	return r
}

// own returns a copy of st that shares no map or slice with it, so the
// engine never changes a State its caller still holds (and may retry with).
func (st State) own() State {
	st.Answers = maps.Clone(st.Answers)
	if st.Answers == nil {
		st.Answers = map[string]Value{}
	}
	st.Asked = slices.Clone(st.Asked)
	st.Selected = slices.Clone(st.Selected)
	st.Found = slices.Clone(st.Found)
	return st
}

// clearPending forgets what was part-way through one question: the ticks
// of a multi step, a "something else" awaited, the assets a lookup found.
func (st *State) clearPending() {
	st.Selected, st.AwaitingOther = nil, false
	st.Typed, st.Found, st.FoundAll = "", nil, 0
}

// other takes the free text of a multi step's "something else".
func other(f *Flow, r *Result, env Env, s *Step, in Input) {
	if in.Kind != InputText {
		reask(f, r, env, s, f.Msg(MsgEmpty, env.Lang))
		return
	}
	text, problem := checkText(f, env, in.Text, 1, maxTextLength)
	if problem != "" {
		reask(f, r, env, s, problem)
		return
	}
	v := Value{Choices: inOptionOrder(s, r.State.Selected), Other: text}
	r.State.AwaitingOther = false
	accept(f, r, env, s, v)
}

func back(f *Flow, r *Result, env Env, s *Step) {
	st := &r.State
	if st.AwaitingOther || st.picking() {
		st.AwaitingOther = false
		st.Typed, st.Found, st.FoundAll = "", nil, 0
		st.Turn++
		r.Outcome = OutcomeBack
		r.Prompts = []Prompt{prompt(f, *st, env, s, "")}
		return
	}
	var prev *Step
	for i := len(st.Asked) - 2; i >= 0 && prev == nil; i-- {
		// A newer version of the flow may have removed a step asked before.
		if p := f.Step(st.Asked[i]); p != nil && p.Type != TypeInfo {
			prev = p
			st.Asked = st.Asked[:i+1]
		}
	}
	if prev == nil {
		reask(f, r, env, s, f.Msg(MsgFirstStep, env.Lang))
		return
	}
	st.Step = prev.ID
	st.Turn++
	st.Selected = selectionOf(*st, env, prev)
	r.Outcome = OutcomeBack
	r.Prompts = []Prompt{prompt(f, *st, env, prev, "")}
}

func reask(f *Flow, r *Result, env Env, s *Step, problem string) {
	r.Outcome = OutcomeInvalid
	r.Prompts = []Prompt{prompt(f, r.State, env, s, fillAnswers(f, r.State, env, problem))}
}

// accept records v as the answer to s and moves on.
func accept(f *Flow, r *Result, env Env, s *Step, v Value) {
	st := &r.State
	st.Answers[s.Key] = v
	st.clearPending()
	a := Answer{Key: s.Key, Step: s.ID, Value: v, Version: f.Version, Consent: s.Consent}
	if s.Consent != "" {
		a.TextVersion = TextVersion(f, s, env)
	}
	r.Answers = append(r.Answers, a)
	r.Echo = echo(f, s, v, env)
	if s.Required && v.Bool != nil && !*v.Bool {
		st.Status, st.Step = StatusDeclined, ""
		r.Outcome = OutcomeDeclined
		r.Prompts = append(r.Prompts, Prompt{Type: TypeInfo, Text: fillAnswers(f, *st, env, f.Declined.In(env.Lang))})
		return
	}
	if st.Only && s.Consent != "" {
		// A consent changes no answer, so nothing else is needed now.
		finish(r)
		return
	}
	env = withdraw(f, r, env)
	if st.Only {
		walkChanged(f, r, env)
		return
	}
	walk(f, r, env, route(f, *st, env, s))
}

// withdraw finds the answers held whose step's `when` no longer holds,
// including those that held only through another withdrawn answer, and
// lists them in r.Withdrawn. It returns env without them, so that the rest
// of this input sees what the host will hold.
func withdraw(f *Flow, r *Result, env Env) Env {
	for changed := true; changed; {
		changed = false
		for _, s := range f.conditional {
			_, inRun := r.State.Answers[s.Key]
			_, before := env.Known[s.Key]
			if !inRun && !before || holds(s.When, r.State, env) {
				continue
			}
			if before {
				if len(r.Withdrawn) == 0 {
					env.Known = maps.Clone(env.Known)
				}
				delete(env.Known, s.Key)
			}
			delete(r.State.Answers, s.Key)
			r.Withdrawn = append(r.Withdrawn, s.Key)
			changed = true
		}
	}
	return env
}

// walkChanged carries on a run that changed one answer: it asks the first
// question, in flow order, whose `when` now holds and that has no answer,
// or ends the run. Information steps are not shown again.
func walkChanged(f *Flow, r *Result, env Env) {
	for _, s := range f.conditional {
		if holds(s.When, r.State, env) && !answeredBefore(r.State, env, s) {
			ask(f, r, env, s, nil)
			return
		}
	}
	finish(r)
}

func finish(r *Result) {
	r.State.Status, r.State.Step = StatusDone, ""
	r.State.clearPending()
	r.Outcome = OutcomeFinished
}

// route returns the index of the step that follows s.
func route(f *Flow, st State, env Env, s *Step) int {
	for _, rt := range s.Next {
		if rt.When == nil || holds(rt.When, st, env) {
			if rt.Goto == End {
				return len(f.Steps)
			}
			return f.index[rt.Goto]
		}
	}
	return f.index[s.ID] + 1
}

// walk moves from step index i to the next question to ask, collecting the
// info steps on the way, and asks it; or finishes the flow.
func walk(f *Flow, r *Result, env Env, i int) {
	var infos []Prompt
	visited := map[int]bool{}
	looped := false
	for i < len(f.Steps) {
		s := f.Steps[i]
		if visited[i] {
			if looped {
				// Round the loop twice with nothing to ask: end rather
				// than spin.
				break
			}
			// Looping back through steps already answered: ask them
			// again, from here on, rather than spin.
			looped, infos = true, nil
			clear(visited)
		}
		visited[i] = true
		switch {
		case s.When != nil && !holds(s.When, r.State, env):
		case s.Type == TypeInfo:
			infos = append(infos, Prompt{Step: s.ID, Type: TypeInfo, Text: fillAnswers(f, r.State, env, s.Text.In(env.Lang)), Hint: fillAnswers(f, r.State, env, s.Hint.In(env.Lang))})
		case !looped && answeredBefore(r.State, env, s):
			// Already said: never ask again. The infos leading up to it
			// belonged to it.
			infos = nil
		default:
			ask(f, r, env, s, infos)
			return
		}
		i = route(f, r.State, env, s)
	}
	r.Prompts = append(r.Prompts, infos...)
	finish(r)
}

func answeredBefore(st State, env Env, s *Step) bool {
	if _, ok := st.Answers[s.Key]; ok {
		return true
	}
	_, ok := env.Known[s.Key]
	return ok && !st.Review
}

func ask(f *Flow, r *Result, env Env, s *Step, infos []Prompt) {
	st := &r.State
	st.Step = s.ID
	st.Turn++
	st.Asked = append(st.Asked, s.ID)
	st.Selected = selectionOf(*st, env, s)
	r.Outcome = OutcomeAsked
	r.Prompts = append(r.Prompts, infos...)
	r.Prompts = append(r.Prompts, prompt(f, *st, env, s, ""))
}

// selectionOf returns the ticks a multi step starts with: the answer held.
func selectionOf(st State, env Env, s *Step) []string {
	if s.Type != TypeMulti {
		return nil
	}
	v, ok := known(st, env, s.Key)
	if !ok {
		return nil
	}
	sel := slices.Clone(v.Choices)
	if v.Other != "" && s.Other {
		sel = append(sel, OtherOption)
	}
	return sel
}

func known(st State, env Env, key string) (Value, bool) {
	if v, ok := st.Answers[key]; ok {
		return v, true
	}
	v, ok := env.Known[key]
	return v, ok
}

// prompt renders step s as a question.
func prompt(f *Flow, st State, env Env, s *Step, problem string) Prompt {
	p := Prompt{
		Step:     s.ID,
		Turn:     st.Turn,
		Type:     s.Type,
		Text:     fillAnswers(f, st, env, s.Text.In(env.Lang)),
		Hint:     fillAnswers(f, st, env, s.Hint.In(env.Lang)),
		Problem:  problem,
		Optional: s.Optional,
		CanBack:  len(st.Asked) > 1,
	}
	if v, ok := known(st, env, s.Key); ok && !v.Skipped {
		p.Current = Display(f, s, v, env.Lang)
	}
	if st.AwaitingOther {
		p.Type = TypeText
		p.Text = fillAnswers(f, st, env, s.OtherPrompt.In(env.Lang))
		if p.Text == "" {
			p.Text = f.Msg(MsgOtherPrompt, env.Lang)
		}
		p.Hint, p.Current, p.Optional, p.CanBack = "", "", false, true
		return p
	}
	if s.Type == TypeLookup && st.picking() {
		lookupPrompt(f, st, env.Lang, &p)
		return p
	}
	switch s.Type {
	case TypeChoice, TypeMulti:
		for _, o := range s.Options {
			p.Options = append(p.Options, Choice{ID: o.ID, Label: o.Label.In(env.Lang), Selected: slices.Contains(st.Selected, o.ID)})
		}
		if s.Other {
			p.Options = append(p.Options, Choice{ID: OtherOption, Label: f.Msg(MsgButtonOther, env.Lang), Selected: slices.Contains(st.Selected, OtherOption)})
		}
	case TypeYesNo:
		p.Options = yesNoChoices(f, env, s)
	}
	return p
}

// yesNoChoices are the answers a yesno step offers: yes and no, and for a
// consent step with an age check, yes saying the person is old enough and
// "I'm under" the minimum age.
func yesNoChoices(f *Flow, env Env, s *Step) []Choice {
	if !s.AgeCheck {
		return []Choice{{ID: Yes, Label: f.Msg(MsgButtonYes, env.Lang)}, {ID: No, Label: f.Msg(MsgButtonNo, env.Lang)}}
	}
	return []Choice{
		{ID: Yes, Label: f.Text(MsgButtonYesOfAge, env.Lang, minAgePlaceholder, strconv.Itoa(env.minAge()))},
		{ID: No, Label: f.Msg(MsgButtonNo, env.Lang)},
		{ID: UnderAge, Label: underAgeLabel(f, env)},
	}
}

// underAgeLabel is the age check's "I'm under {min_age}", in env's language.
func underAgeLabel(f *Flow, env Env) string {
	return f.Text(MsgButtonUnderAge, env.Lang, minAgePlaceholder, strconv.Itoa(env.minAge()))
}

// echo is the accepted answer v to s as the person would read it: for a
// yes or no, the button's own words ("Yes, and I'm 16 or over").
func echo(f *Flow, s *Step, v Value, env Env) string {
	if s.Type == TypeYesNo && v.Bool != nil {
		want := No
		if *v.Bool {
			want = Yes
		}
		for _, c := range yesNoChoices(f, env, s) {
			if c.ID == want {
				return c.Label
			}
		}
	}
	return Display(f, s, v, env.Lang)
}

// minAgePlaceholder is filled with the minimum age in a consent step's
// texts and the age check's words.
const minAgePlaceholder = "min_age"

// textVersionHash is how many hex digits of the wording's hash a text
// version keeps: enough to tell wordings apart, short enough to read.
const textVersionHash = 12

// TextVersion names the wording a consent step shows in env's language:
// "flow@version/step/lang/hash", where hash is of the question and its
// buttons exactly as shown, the person's name left as {first_name}. It is
// recorded with each decision, so it can be shown later which words a
// person agreed to; a change of wording changes it.
func TextVersion(f *Flow, s *Step, env Env) string {
	generic := env
	generic.FirstName = "{first_name}"
	var b strings.Builder
	b.WriteString(fillAnswers(f, State{}, generic, s.Text.In(env.Lang)))
	for _, c := range yesNoChoices(f, generic, s) {
		b.WriteString("\n" + c.Label)
	}
	sum := sha256.Sum256([]byte(b.String()))
	return f.ID + "@" + strconv.Itoa(f.Version) + "/" + s.ID + "/" + Best(f.Languages(), env.Lang) + "/" + hex.EncodeToString(sum[:])[:textVersionHash]
}

// holds evaluates a condition against the answers known so far.
func holds(c *Condition, st State, env Env) bool {
	v, ok := known(st, env, c.Key)
	if ok && v.Skipped {
		ok = false
	}
	if c.Answered != nil {
		return ok == *c.Answered
	}
	if !ok {
		return c.NotEquals != ""
	}
	has := func(want string) bool {
		switch {
		case v.Bool != nil:
			return (want == Yes) == *v.Bool
		case v.Choices != nil || v.Other != "":
			return slices.Contains(v.Choices, want) || (want == OtherOption && v.Other != "")
		case v.Choice != "":
			return v.Choice == want
		case v.Number != nil:
			n, err := strconv.ParseFloat(want, 64)
			return err == nil && n == *v.Number
		default:
			return strings.EqualFold(strings.TrimSpace(v.Text), strings.TrimSpace(want))
		}
	}
	switch {
	case c.Equals != "":
		return has(c.Equals)
	case c.NotEquals != "":
		return !has(c.NotEquals)
	default:
		return slices.ContainsFunc(c.In, has)
	}
}

// Display renders an answer to step s as the person would read it.
func Display(f *Flow, s *Step, v Value, lang string) string {
	return DisplayJoined(f, s, v, lang, ", ")
}

// DisplayJoined is Display with several choices, and something else, in
// the order given and joined by sep (such as "; " in a spreadsheet cell).
func DisplayJoined(f *Flow, s *Step, v Value, lang, sep string) string {
	switch {
	case v.Skipped:
		return f.Msg(MsgSkipped, lang)
	case v.Bool != nil:
		if *v.Bool {
			return f.Msg(MsgButtonYes, lang)
		}
		return f.Msg(MsgButtonNo, lang)
	case v.Number != nil:
		return strconv.FormatFloat(*v.Number, 'f', -1, 64)
	case v.Location != nil:
		return strconv.FormatFloat(v.Location.Lat, 'f', 5, 64) + ", " + strconv.FormatFloat(v.Location.Lon, 'f', 5, 64)
	case v.Choice != "":
		return optionLabel(s, v.Choice, lang)
	case v.Choices != nil || v.Other != "":
		labels := make([]string, 0, len(v.Choices)+1)
		for _, id := range v.Choices {
			labels = append(labels, optionLabel(s, id, lang))
		}
		if v.Other != "" {
			labels = append(labels, v.Other)
		}
		return strings.Join(labels, sep)
	}
	return v.Text
}

// optionLabel is the label of an option, or its id if a newer flow removed it.
func optionLabel(s *Step, id, lang string) string {
	if s != nil {
		if o := s.option(id); o != nil {
			return o.Label.In(lang)
		}
	}
	return id
}

// fillAnswers replaces {first_name} and {answer_key} in text.
func fillAnswers(f *Flow, st State, env Env, text string) string {
	if !strings.Contains(text, "{") {
		return text
	}
	return placeholderRegex.ReplaceAllStringFunc(text, func(m string) string {
		name := m[1 : len(m)-1]
		switch name {
		case "first_name":
			if env.FirstName == "" {
				return f.Msg(MsgNoName, env.Lang)
			}
			return env.FirstName
		case minAgePlaceholder:
			return strconv.Itoa(env.minAge())
		}
		s := f.StepByKey(name)
		if s == nil {
			return m
		}
		v, ok := known(st, env, name)
		if !ok {
			return ""
		}
		return Display(f, s, v, env.Lang)
	})
}

// fill replaces {name} placeholders of a built-in message.
func fill(text string, vars map[string]string) string {
	for k, v := range vars {
		text = strings.ReplaceAll(text, "{"+k+"}", v)
	}
	return text
}
