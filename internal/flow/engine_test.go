package flow_test

import (
	"encoding/json"
	"fmt"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/assetbot/assetbot/internal/flow"
)

func loadResident(t testing.TB) *flow.Flow {
	t.Helper()
	data, err := os.ReadFile("../../flows/resident.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return mustParse(t, "resident.yaml", string(data))
}

// run starts f and applies inputs one by one, failing on an outcome other
// than want at any step but the last; it returns the last result.
func run(t *testing.T, f *flow.Flow, env flow.Env, inputs ...flow.Input) flow.Result {
	t.Helper()
	r, ok := flow.Start(f, env, flow.Options{})
	if !ok {
		t.Fatal("Start = false")
	}
	for i, in := range inputs {
		if in.Turn == -1 {
			in.Turn = r.State.Turn
		}
		prev := r
		r = flow.Advance(f, r.State, in, env)
		if i < len(inputs)-1 && r.Outcome == flow.OutcomeInvalid {
			t.Fatalf("input %d %+v on step %s: invalid: %q", i, in, prev.State.Step, problemOf(r))
		}
	}
	return r
}

// The inputs run uses; Turn -1 means "the current turn", as a button has.
var (
	back   = flow.Input{Kind: flow.InputBack}
	skip   = flow.Input{Kind: flow.InputSkip}
	keep   = flow.Input{Kind: flow.InputKeep}
	cancel = flow.Input{Kind: flow.InputCancel}
	done   = flow.Input{Kind: flow.InputDone, Turn: -1}
)

func press(id string) flow.Input  { return flow.Input{Kind: flow.InputOption, Option: id, Turn: -1} }
func toggle(id string) flow.Input { return flow.Input{Kind: flow.InputToggle, Option: id, Turn: -1} }

// asked lists the question steps a result asks and the info steps it says.
func asked(r flow.Result) string {
	var parts []string
	for _, p := range r.Prompts {
		if p.Question() {
			parts = append(parts, p.Step+"?")
		} else {
			parts = append(parts, p.Step+"!")
		}
	}
	return strings.Join(parts, " ")
}

// condFlow is a flow whose info step "shown" shows only when cond holds of
// the answer to a step of the given type.
func condFlow(t *testing.T, typ, cond string) *flow.Flow {
	t.Helper()
	opts := ""
	if typ == "choice" || typ == "multi" {
		opts = "\n    options: [x: X, y: Y, z: Z]"
	}
	if typ == "multi" {
		opts += "\n    other: true"
	}
	return mustParse(t, "cond.yaml", fmt.Sprintf(`
id: cond
title: Conditions
version: 1
steps:
  - id: a
    type: %s
    optional: true
    text: A?%s
  - id: shown
    type: info
    text: Shown.
    when: %s
  - id: last
    type: text
    text: Last?
`, typ, opts, cond))
}

func TestConditions(t *testing.T) {
	num := func(n float64) *flow.Value { return &flow.Value{Number: &n} }
	yes, no := true, false
	tests := []struct {
		name   string
		typ    string
		cond   string
		answer *flow.Value // nil: not answered
		want   bool
	}{
		{"equals holds", "choice", "{key: a, equals: x}", &flow.Value{Choice: "x"}, true},
		{"equals fails", "choice", "{key: a, equals: x}", &flow.Value{Choice: "y"}, false},
		{"equals unanswered", "choice", "{key: a, equals: x}", nil, false},
		{"equals skipped", "choice", "{key: a, equals: x}", &flow.Value{Skipped: true}, false},
		{"not_equals holds", "choice", "{key: a, not_equals: x}", &flow.Value{Choice: "y"}, true},
		{"not_equals fails", "choice", "{key: a, not_equals: x}", &flow.Value{Choice: "x"}, false},
		{"not_equals unanswered", "choice", "{key: a, not_equals: x}", nil, true},
		{"not_equals skipped", "choice", "{key: a, not_equals: x}", &flow.Value{Skipped: true}, true},
		{"in holds", "choice", "{key: a, in: [x, y]}", &flow.Value{Choice: "y"}, true},
		{"in fails", "choice", "{key: a, in: [x, y]}", &flow.Value{Choice: "z"}, false},
		{"in unanswered", "choice", "{key: a, in: [x, y]}", nil, false},
		{"answered true holds", "choice", "{key: a, answered: true}", &flow.Value{Choice: "z"}, true},
		{"answered true unanswered", "choice", "{key: a, answered: true}", nil, false},
		{"answered true skipped", "choice", "{key: a, answered: true}", &flow.Value{Skipped: true}, false},
		{"answered false unanswered", "choice", "{key: a, answered: false}", nil, true},
		{"answered false skipped", "choice", "{key: a, answered: false}", &flow.Value{Skipped: true}, true},
		{"answered false answered", "choice", "{key: a, answered: false}", &flow.Value{Choice: "x"}, false},
		{"multi equals includes", "multi", "{key: a, equals: y}", &flow.Value{Choices: []string{"x", "y"}}, true},
		{"multi equals excludes", "multi", "{key: a, equals: y}", &flow.Value{Choices: []string{"x"}}, false},
		{"multi equals other", "multi", "{key: a, equals: other}", &flow.Value{Other: "knitting"}, true},
		{"multi equals other without other", "multi", "{key: a, equals: other}", &flow.Value{Choices: []string{"x"}}, false},
		{"multi not_equals includes", "multi", "{key: a, not_equals: y}", &flow.Value{Choices: []string{"x", "y"}}, false},
		{"multi in none", "multi", "{key: a, in: [z]}", &flow.Value{Choices: []string{"x", "y"}}, false},
		{"multi in one", "multi", "{key: a, in: [z, x]}", &flow.Value{Choices: []string{"x", "y"}}, true},
		{"yesno equals yes", "yesno", `{key: a, equals: "yes"}`, &flow.Value{Bool: &yes}, true},
		{"yesno equals yes on no", "yesno", `{key: a, equals: "yes"}`, &flow.Value{Bool: &no}, false},
		{"yesno not_equals no on no", "yesno", `{key: a, not_equals: "no"}`, &flow.Value{Bool: &no}, false},
		{"number equals", "number", `{key: a, equals: "3"}`, num(3), true},
		{"number equals other number", "number", `{key: a, equals: "3"}`, num(3.5), false},
		{"text equals ignores case and spaces", "text", "{key: a, equals: Leeds}", &flow.Value{Text: "  leeds "}, true},
		{"text not_equals", "text", "{key: a, not_equals: Leeds}", &flow.Value{Text: "York"}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := condFlow(t, tt.typ, tt.cond)
			env := flow.Env{}
			if tt.answer != nil {
				env.Known = map[string]flow.Value{"a": *tt.answer}
			}
			r, _ := flow.Start(f, env, flow.Options{})
			want := "last?"
			if tt.answer == nil {
				want = "a?"
			} else if tt.want {
				want = "shown! last?"
			}
			if got := asked(r); got != want {
				t.Errorf("got %q; want %q", got, want)
			}
			if tt.answer == nil {
				// Answer a by skipping it: a skip never counts as an answer.
				r = flow.Advance(f, r.State, skip, env)
				want = "last?"
				if strings.Contains(tt.cond, "not_equals") || strings.Contains(tt.cond, "answered: false") {
					want = "shown! last?"
				}
				if got := asked(r); got != want {
					t.Errorf("after skip: got %q; want %q", got, want)
				}
			}
		})
	}
}

// routeFlow branches on a choice with routes tried in order.
const routeFlow = `
id: routes
title: Routes
version: 1
steps:
  - id: pick
    type: choice
    text: Pick
    options: [a: A, b: B, c: C, d: D]
    next:
      - when: {key: pick, equals: a}
        goto: end
      - when: {key: pick, in: [a, b]}
        goto: second
      - when: {key: pick, not_equals: d}
        goto: third
  - id: fallthrough
    type: text
    text: Fell through
    next: end
  - id: second
    type: text
    text: Second
  - id: third
    type: info
    text: Third
`

func TestRoutes(t *testing.T) {
	f := mustParse(t, "routes.yaml", routeFlow)
	tests := []struct {
		name    string
		in      flow.Input
		want    string
		outcome flow.Outcome
	}{
		{"first route wins over a later one", press("a"), "", flow.OutcomeFinished},
		{"in", press("b"), "second?", flow.OutcomeAsked},
		{"not_equals to an info step, then off the end", press("c"), "third!", flow.OutcomeFinished},
		{"no route holds: the next step", press("d"), "fallthrough?", flow.OutcomeAsked},
		{"typed number", text("4"), "fallthrough?", flow.OutcomeAsked},
		{"typed label", text("b"), "second?", flow.OutcomeAsked},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := run(t, f, flow.Env{}, tt.in)
			if got := asked(r); got != tt.want || r.Outcome != tt.outcome {
				t.Errorf("got %q, %s; want %q, %s", got, r.Outcome, tt.want, tt.outcome)
			}
		})
	}
}

// sameQuestion fails unless r asked st's question again, changing nothing.
func sameQuestion(t *testing.T, st flow.State, r flow.Result, outcome flow.Outcome, problem string) {
	t.Helper()
	if r.Outcome != outcome {
		t.Fatalf("got outcome %s; want %s", r.Outcome, outcome)
	}
	if r.State.Step != st.Step || r.State.Turn != st.Turn || !slices.Equal(r.State.Asked, st.Asked) {
		t.Errorf("got step %s turn %d asked %v; want %s %d %v", r.State.Step, r.State.Turn, r.State.Asked, st.Step, st.Turn, st.Asked)
	}
	if len(r.Answers) != 0 {
		t.Errorf("got answers %v; want none", r.Answers)
	}
	if got := problemOf(r); got != problem {
		t.Errorf("got problem %q; want %q", got, problem)
	}
}

func TestBackSkipCancel(t *testing.T) {
	f := loadResident(t)
	env := flow.Env{FirstName: "Sam"}

	t.Run("back on the first question", func(t *testing.T) {
		r := run(t, f, env)
		sameQuestion(t, r.State, flow.Advance(f, r.State, back, env), flow.OutcomeInvalid, msgFirst)
	})
	t.Run("skip on a required question", func(t *testing.T) {
		r := run(t, f, env, press("yes"))
		sameQuestion(t, r.State, flow.Advance(f, r.State, skip, env), flow.OutcomeInvalid, msgCantSkip)
	})
	t.Run("skip on an optional question", func(t *testing.T) {
		r := run(t, f, env, press("yes"), text("1"), skip)
		if r.Outcome != flow.OutcomeAsked || r.State.Step != "heart" {
			t.Fatalf("got %s at %s; want asked at heart", r.Outcome, r.State.Step)
		}
		if len(r.Answers) != 1 || !r.Answers[0].Value.Skipped || r.Answers[0].Key != "head" {
			t.Errorf("got answers %+v; want head skipped", r.Answers)
		}
		if r.Echo != "(skipped)" {
			t.Errorf("got echo %q; want (skipped)", r.Echo)
		}
	})
	t.Run("back keeps the answer as the default", func(t *testing.T) {
		r := run(t, f, env, press("yes"), text("1, 3"), back)
		if r.Outcome != flow.OutcomeBack || r.State.Step != "hands" || r.State.Turn != 4 {
			t.Fatalf("got %s at %s turn %d; want back at hands turn 4", r.Outcome, r.State.Step, r.State.Turn)
		}
		p := r.Prompts[0]
		if p.Current != "Cooking, Gardening" || !p.CanBack {
			t.Errorf("got current %q can-back %v; want %q, true", p.Current, p.CanBack, "Cooking, Gardening")
		}
		if want := []string{"cooking", "gardening"}; !slices.Equal(r.State.Selected, want) {
			t.Errorf("got selected %v; want %v", r.State.Selected, want)
		}
		if len(r.Answers) != 0 {
			t.Errorf("got answers %v; want none", r.Answers)
		}
		r = flow.Advance(f, r.State, keep, env)
		if r.State.Step != "head" || len(r.Answers) != 1 || r.Answers[0].Key != "hands" {
			t.Errorf("keep: got %s at %s answers %v; want head after hands kept", r.Outcome, r.State.Step, r.Answers)
		}
	})
	t.Run("back twice then on", func(t *testing.T) {
		r := run(t, f, env, press("yes"), text("1"), text("history"), back, back, back)
		if r.State.Step != "consent" || !slices.Equal(r.State.Asked, []string{"consent"}) || r.Prompts[0].CanBack {
			t.Fatalf("got %s asked %v; want consent asked [consent] and no back", r.State.Step, r.State.Asked)
		}
		sameQuestion(t, r.State, flow.Advance(f, r.State, back, env), flow.OutcomeInvalid, msgFirst)
	})
	t.Run("back after asking for other", func(t *testing.T) {
		r := run(t, f, env, press("yes"), toggle("music"), toggle("other"), done)
		if !r.State.AwaitingOther || r.Prompts[0].Type != flow.TypeText || !r.Prompts[0].CanBack {
			t.Fatalf("got %+v; want the other text asked", r.Prompts)
		}
		turn := r.State.Turn
		r = flow.Advance(f, r.State, back, env)
		if r.Outcome != flow.OutcomeBack || r.State.Step != "hands" || r.State.AwaitingOther || r.State.Turn != turn+1 {
			t.Fatalf("got %s at %s awaiting %v turn %d; want back at hands turn %d", r.Outcome, r.State.Step, r.State.AwaitingOther, r.State.Turn, turn+1)
		}
		if want := []string{"music", "other"}; !slices.Equal(r.State.Selected, want) {
			t.Errorf("got selected %v; want %v kept", r.State.Selected, want)
		}
		if p := r.Prompts[0]; p.Type != flow.TypeMulti || len(p.Options) != 14 || !p.Options[13].Selected {
			t.Errorf("got prompt %+v; want the multi again with other ticked", p)
		}
	})
	t.Run("cancel pauses, resume asks again", func(t *testing.T) {
		r := run(t, f, env, press("yes"), toggle("music"), cancel)
		if r.Outcome != flow.OutcomePaused || r.State.Status != flow.StatusPaused || r.State.Step != "hands" || len(r.State.Selected) != 0 {
			t.Fatalf("got %s %s at %s selected %v; want paused at hands, nothing ticked", r.Outcome, r.State.Status, r.State.Step, r.State.Selected)
		}
		if len(r.Prompts) != 1 || r.Prompts[0].Question() {
			t.Errorf("got prompts %+v; want one info", r.Prompts)
		}
		paused := r.State
		for _, in := range []flow.Input{text("1"), back, skip, cancel, press("yes")} {
			if r := flow.Advance(f, paused, in, env); r.Outcome != flow.OutcomeInactive || len(r.Prompts) != 0 || r.State.Status != flow.StatusPaused {
				t.Errorf("%s while paused: got %s %+v; want inactive, nothing said", in.Kind, r.Outcome, r.Prompts)
			}
		}
		r = flow.Resume(f, paused, env)
		if r.Outcome != flow.OutcomeAsked || r.State.Status != flow.StatusActive || r.State.Step != "hands" || r.State.Turn != paused.Turn+1 {
			t.Fatalf("got %s %s at %s turn %d; want asked at hands turn %d", r.Outcome, r.State.Status, r.State.Step, r.State.Turn, paused.Turn+1)
		}
		if len(r.Prompts) != 1 || r.Prompts[0].Step != "hands" || r.Prompts[0].Turn != r.State.Turn {
			t.Errorf("got prompts %+v; want hands", r.Prompts)
		}
		if r := flow.Advance(f, r.State, text("2"), env); r.Outcome != flow.OutcomeAsked || r.State.Step != "head" {
			t.Errorf("after resume: got %s at %s; want asked at head", r.Outcome, r.State.Step)
		}
	})
	t.Run("cancel while asking for other, resume", func(t *testing.T) {
		r := run(t, f, env, press("yes"), text("1, 2, 3"), back, toggle("other"), done, cancel)
		if r.State.AwaitingOther || len(r.State.Selected) != 0 {
			t.Errorf("cancel: got awaiting %v selected %v; want both cleared", r.State.AwaitingOther, r.State.Selected)
		}
		r = flow.Resume(f, r.State, env)
		if r.State.AwaitingOther || r.Prompts[0].Type != flow.TypeMulti {
			t.Errorf("got awaiting %v prompt %s; want the multi asked afresh", r.State.AwaitingOther, r.Prompts[0].Type)
		}
		if want := []string{"cooking", "diy", "gardening"}; !slices.Equal(r.State.Selected, want) {
			t.Errorf("got selected %v; want the answer held, %v", r.State.Selected, want)
		}
	})
	t.Run("resume after the end does nothing", func(t *testing.T) {
		for _, st := range []flow.State{
			run(t, f, env, press("no")).State,
			{Flow: "resident", Version: 1, Status: flow.StatusDone, Turn: 5},
		} {
			r := flow.Resume(f, st, env)
			if r.Outcome != flow.OutcomeInactive || r.State.Status != st.Status || len(r.Prompts) != 0 {
				t.Errorf("resume %s: got %s %s %+v; want inactive", st.Status, r.Outcome, r.State.Status, r.Prompts)
			}
		}
	})
	t.Run("declining consent ends at once", func(t *testing.T) {
		r := run(t, f, env, press("no"))
		if r.Outcome != flow.OutcomeDeclined || r.State.Status != flow.StatusDeclined || r.State.Step != "" {
			t.Fatalf("got %s %s %q; want declined", r.Outcome, r.State.Status, r.State.Step)
		}
		if len(r.Answers) != 1 || r.Answers[0].Consent != "map" || *r.Answers[0].Value.Bool {
			t.Errorf("got answers %+v; want only the refusal", r.Answers)
		}
		if len(r.Prompts) != 1 || !strings.HasPrefix(r.Prompts[0].Text, "No problem at all, Sam") {
			t.Errorf("got prompts %+v; want the declined text", r.Prompts)
		}
	})
}

func TestStale(t *testing.T) {
	f := loadResident(t)
	env := flow.Env{}
	r := run(t, f, env, press("yes"), toggle("music"))
	st := r.State
	for _, in := range []flow.Input{
		{Kind: flow.InputOption, Option: "yes", Turn: st.Turn - 1},
		{Kind: flow.InputToggle, Option: "music", Turn: st.Turn - 1},
		{Kind: flow.InputDone, Turn: st.Turn + 1},
		{Kind: flow.InputBack, Turn: st.Turn - 1},
		{Kind: flow.InputSkip, Turn: -5},
		{Kind: flow.InputCancel, Turn: 1},
	} {
		t.Run(fmt.Sprintf("%s on turn %d", in.Kind, in.Turn), func(t *testing.T) {
			r := flow.Advance(f, st, in, env)
			if r.Outcome != flow.OutcomeStale || len(r.Prompts) != 0 || len(r.Answers) != 0 {
				t.Fatalf("got %s %+v %v; want stale, nothing said", r.Outcome, r.Prompts, r.Answers)
			}
			if !reflect.DeepEqual(r.State, st) {
				t.Errorf("got state %+v; want %+v", r.State, st)
			}
		})
	}
	t.Run("typed input has no turn", func(t *testing.T) {
		if r := flow.Advance(f, st, text("2"), env); r.Outcome != flow.OutcomeAsked {
			t.Errorf("got %s; want asked", r.Outcome)
		}
	})
}

func TestMulti(t *testing.T) {
	f := mustParse(t, "kinds.yaml", kindsFlow)
	env := flow.Env{}
	start := func(key string) flow.Result {
		r, _ := flow.Start(f, env, flow.Options{Only: key})
		return r
	}
	t.Run("toggle ticks and unticks without a new turn", func(t *testing.T) {
		r := start("skills")
		turn := r.State.Turn
		for _, step := range []struct {
			id   string
			want []string
		}{{"sewing", []string{"sewing"}}, {"cooking", []string{"sewing", "cooking"}}, {"sewing", []string{"cooking"}}, {"other", []string{"cooking", "other"}}} {
			r = flow.Advance(f, r.State, flow.Input{Kind: flow.InputToggle, Option: step.id, Turn: turn}, env)
			if r.Outcome != flow.OutcomeToggled || r.State.Turn != turn || len(r.Answers) != 0 {
				t.Fatalf("toggle %s: got %s turn %d answers %v; want toggled on turn %d", step.id, r.Outcome, r.State.Turn, r.Answers, turn)
			}
			if !slices.Equal(r.State.Selected, step.want) {
				t.Errorf("toggle %s: got %v; want %v", step.id, r.State.Selected, step.want)
			}
			var ticked []string
			for _, o := range r.Prompts[0].Options {
				if o.Selected {
					ticked = append(ticked, o.ID)
				}
			}
			if want := slices.Sorted(slices.Values(step.want)); !slices.Equal(slices.Sorted(slices.Values(ticked)), want) {
				t.Errorf("toggle %s: got ticked buttons %v; want %v", step.id, ticked, want)
			}
		}
		r = flow.Advance(f, r.State, flow.Input{Kind: flow.InputDone, Turn: turn}, env)
		if r.Outcome != flow.OutcomeAsked || !r.State.AwaitingOther || r.State.Turn != turn+1 || len(r.Answers) != 0 {
			t.Fatalf("done: got %s awaiting %v turn %d; want the other text asked on turn %d", r.Outcome, r.State.AwaitingOther, r.State.Turn, turn+1)
		}
		if p := r.Prompts[0]; p.Type != flow.TypeText || p.Text != "What else? Type it in a few words." || p.Optional {
			t.Errorf("got prompt %+v; want the built-in other prompt", p)
		}
		r = flow.Advance(f, r.State, text("  Knitting "), env)
		want := flow.Value{Choices: []string{"cooking"}, Other: "Knitting"}
		if r.Outcome != flow.OutcomeFinished || len(r.Answers) != 1 || !r.Answers[0].Value.Equal(want) {
			t.Errorf("got %s %+v; want finished with %+v", r.Outcome, r.Answers, want)
		}
	})
	t.Run("done with too many", func(t *testing.T) {
		r := start("skills")
		for _, id := range []string{"cooking", "diy", "sewing"} {
			r = flow.Advance(f, r.State, flow.Input{Kind: flow.InputToggle, Option: id}, env)
		}
		sameQuestion(t, r.State, flow.Advance(f, r.State, flow.Input{Kind: flow.InputDone}, env), flow.OutcomeInvalid, "Please pick no more than 2.")
	})
	t.Run("done with too few", func(t *testing.T) {
		r := start("tools")
		r = flow.Advance(f, r.State, flow.Input{Kind: flow.InputToggle, Option: "saw"}, env)
		sameQuestion(t, r.State, flow.Advance(f, r.State, flow.Input{Kind: flow.InputDone}, env), flow.OutcomeInvalid, "Please pick at least 2, then press Done.")
		r = flow.Advance(f, r.State, flow.Input{Kind: flow.InputOption, Option: "drill"}, env) // an option press toggles too
		r = flow.Advance(f, r.State, flow.Input{Kind: flow.InputDone}, env)
		if want := (flow.Value{Choices: []string{"saw", "drill"}}); r.Outcome != flow.OutcomeFinished || !r.Answers[0].Value.Equal(want) {
			t.Errorf("got %s %+v; want %+v in option order", r.Outcome, r.Answers, want)
		}
	})
	t.Run("other text problems re-ask the other text", func(t *testing.T) {
		r := start("skills")
		r = flow.Advance(f, r.State, flow.Input{Kind: flow.InputToggle, Option: "other"}, env)
		r = flow.Advance(f, r.State, flow.Input{Kind: flow.InputDone}, env)
		for _, in := range []flow.Input{text(""), text("\u200b"), {Kind: flow.InputDone}, {Kind: flow.InputLocation, Lat: 1, Lon: 1}, text(strings.Repeat("x", 1001))} {
			got := flow.Advance(f, r.State, in, env)
			if got.Outcome != flow.OutcomeInvalid || !got.State.AwaitingOther || got.Prompts[0].Type != flow.TypeText {
				t.Errorf("%s %q: got %s awaiting %v; want invalid, still asking for the other text", in.Kind, in.Text, got.Outcome, got.State.AwaitingOther)
			}
		}
	})
	t.Run("skip an optional multi while asking for other", func(t *testing.T) {
		g := loadResident(t)
		r := run(t, g, env, press("yes"), text("1"), skip, text("1"), skip, toggle("other"), done, skip)
		if r.State.Step != "time" || r.State.AwaitingOther || len(r.Answers) != 1 || !r.Answers[0].Value.Skipped {
			t.Errorf("got %s awaiting %v answers %+v; want learn skipped, at time", r.State.Step, r.State.AwaitingOther, r.Answers)
		}
	})
}

func TestKeep(t *testing.T) {
	f := loadResident(t)
	known := map[string]flow.Value{"time": {Choice: "hour_month"}, "when": {Choices: []string{"weekends"}}}
	env := flow.Env{Known: known}
	r, _ := flow.Start(f, env, flow.Options{Only: "time"})
	if r.Prompts[0].Current != "About an hour a month" {
		t.Errorf("got current %q; want the known answer", r.Prompts[0].Current)
	}
	r = flow.Advance(f, r.State, keep, env)
	if r.Outcome != flow.OutcomeFinished || len(r.Answers) != 1 || r.Answers[0].Value.Choice != "hour_month" || r.Answers[0].Version != 1 {
		t.Errorf("got %s %+v; want the known answer recorded again", r.Outcome, r.Answers)
	}
	r, _ = flow.Start(f, env, flow.Options{Only: "when"})
	if !slices.Equal(r.State.Selected, []string{"weekends"}) {
		t.Errorf("got selected %v; want the known ticks", r.State.Selected)
	}
	r, _ = flow.Start(f, env, flow.Options{Only: "area"})
	sameQuestion(t, r.State, flow.Advance(f, r.State, keep, env), flow.OutcomeInvalid, "")
}

func TestKnownAndReview(t *testing.T) {
	f := loadResident(t)
	yes := true
	known := map[string]flow.Value{"consent": {Bool: &yes}, "hands": {Choices: []string{"music"}}, "head": {Skipped: true}}
	env := flow.Env{Known: known}

	r, _ := flow.Start(f, env, flow.Options{})
	if got := asked(r); got != "heart?" {
		t.Errorf("known: got %q; want the first unanswered question, heart", got)
	}
	if r.Prompts[0].CanBack {
		t.Errorf("known: got can-back on the first question asked")
	}
	r, _ = flow.Start(f, env, flow.Options{Review: true})
	if got := asked(r); got != "welcome! consent?" || r.Prompts[1].Current != "Yes" {
		t.Errorf("review: got %q current %q; want welcome and consent with Yes", got, r.Prompts[1].Current)
	}
	r = flow.Advance(f, r.State, keep, env)
	if r.State.Step != "hands" || r.Prompts[0].Current != "Music" || !slices.Equal(r.State.Selected, []string{"music"}) {
		t.Errorf("review: got %s current %q selected %v; want hands with Music", r.State.Step, r.Prompts[0].Current, r.State.Selected)
	}
	r = flow.Advance(f, r.State, flow.Input{Kind: flow.InputDone}, env)
	if r.State.Step != "head" || r.Prompts[0].Current != "" {
		t.Errorf("review: got %s current %q; want head with no default (skipped before)", r.State.Step, r.Prompts[0].Current)
	}

	all := map[string]flow.Value{}
	for _, q := range f.Questions() {
		all[q.Key] = flow.Value{Skipped: true}
	}
	all["consent"] = flow.Value{Bool: &yes}
	r, _ = flow.Start(f, flow.Env{Known: all}, flow.Options{})
	if r.Outcome != flow.OutcomeFinished || asked(r) != "thanks!" {
		t.Errorf("all known: got %s %q; want finished with thanks", r.Outcome, asked(r))
	}
}

func TestOnly(t *testing.T) {
	f := loadResident(t)
	if _, ok := flow.Start(f, flow.Env{}, flow.Options{Only: "welcome"}); ok {
		t.Error("Only an info step: got ok; want false")
	}
	if _, ok := flow.Start(f, flow.Env{}, flow.Options{Only: "nope"}); ok {
		t.Error("Only an unknown key: got ok; want false")
	}
	// Only asks the question even when its `when` fails and its answer is known.
	env := flow.Env{Known: map[string]flow.Value{"time": {Choice: "not_now"}, "when": {Choices: []string{"varies"}}}}
	r, ok := flow.Start(f, env, flow.Options{Only: "when", Turn: 30})
	if !ok || !r.State.Only || r.State.Step != "when" || r.State.Turn != 31 || r.Prompts[0].CanBack {
		t.Fatalf("got %v %+v; want when asked alone on turn 31, no back", ok, r.State)
	}
	r = flow.Advance(f, r.State, text("1"), env)
	if r.Outcome != flow.OutcomeFinished || len(r.Answers) != 1 || r.Answers[0].Key != "when" || len(r.Prompts) != 0 {
		t.Errorf("got %s %+v %+v; want finished with only when answered", r.Outcome, r.Answers, r.Prompts)
	}
	r, _ = flow.Start(f, env, flow.Options{Only: "groups"})
	r = flow.Advance(f, r.State, skip, env)
	if r.Outcome != flow.OutcomeFinished || !r.Answers[0].Value.Skipped {
		t.Errorf("skip: got %s %+v; want finished, skipped", r.Outcome, r.Answers)
	}
}

// TestFlowChanged runs states saved under version 1 of a flow on version 2,
// which removed the step they were on.
func TestFlowChanged(t *testing.T) {
	const v1 = `
id: changing
title: Changing
version: 1
steps:
  - {id: a, type: text, text: "A?"}
  - {id: old, type: text, text: "Old?"}
  - {id: b, type: choice, text: "B?", options: [x: X, y: Y]}
  - {id: c, type: text, text: "C?"}
`
	const v2 = `
id: changing
title: Changing
version: 2
steps:
  - {id: intro, type: info, text: New intro.}
  - {id: a, type: text, text: "A?"}
  - {id: b, type: choice, text: "B?", options: [x: X, y: Y]}
  - {id: c, type: text, text: "C?"}
`
	f1, f2 := mustParse(t, "v1.yaml", v1), mustParse(t, "v2.yaml", v2)
	env := flow.Env{}
	r := run(t, f1, env, text("alpha"), text("old answer"), text("x"))
	onC := r.State
	r = run(t, f1, env, text("alpha"))
	onOld := r.State

	t.Run("advance on a removed step carries on at the first open question", func(t *testing.T) {
		r := flow.Advance(f2, onOld, text("anything"), env)
		if r.Outcome != flow.OutcomeAsked || r.State.Step != "b" || r.State.Version != 2 || len(r.Answers) != 0 {
			t.Errorf("got %s at %s v%d answers %v; want b asked under v2, the input dropped", r.Outcome, r.State.Step, r.State.Version, r.Answers)
		}
		if got := asked(r); got != "b?" {
			t.Errorf("got %q; want b? (the intro belongs to a, answered)", got)
		}
	})
	t.Run("a button press from the old question is dropped too", func(t *testing.T) {
		r := flow.Advance(f2, onOld, flow.Input{Kind: flow.InputOption, Option: "x", Turn: onOld.Turn}, env)
		if r.State.Step != "b" || len(r.Answers) != 0 {
			t.Errorf("got %s answers %v; want b asked, nothing recorded", r.State.Step, r.Answers)
		}
	})
	t.Run("resume on a removed step", func(t *testing.T) {
		paused := flow.Advance(f1, onOld, cancel, env).State
		r := flow.Resume(f2, paused, env)
		if r.Outcome != flow.OutcomeAsked || r.State.Step != "b" || r.State.Status != flow.StatusActive || r.State.Version != 2 {
			t.Errorf("got %s %s at %s v%d; want b asked, active, v2", r.Outcome, r.State.Status, r.State.Step, r.State.Version)
		}
	})
	t.Run("back past a removed step", func(t *testing.T) {
		// Asked is [a old b c]; back from c goes to b, then to a: old is gone.
		r := flow.Advance(f2, onC, back, env)
		if r.State.Step != "b" {
			t.Fatalf("got %s; want b", r.State.Step)
		}
		r = flow.Advance(f2, r.State, back, env)
		if r.Outcome != flow.OutcomeBack || r.State.Step != "a" || !slices.Equal(r.State.Asked, []string{"a"}) || r.Prompts[0].Current != "alpha" {
			t.Errorf("got %s at %s asked %v; want back at a, asked [a]", r.Outcome, r.State.Step, r.State.Asked)
		}
	})
	t.Run("back when only removed steps came before", func(t *testing.T) {
		st := onC
		st.Asked = []string{"gone", "also_gone", "c"}
		sameQuestion(t, st, flow.Advance(f2, st, back, env), flow.OutcomeInvalid, msgFirst)
	})
}

// TestAdvanceLeavesItsInputAlone holds the engine to being pure: the State
// passed in must be unchanged, whatever the host does next with it.
func TestAdvanceLeavesItsInputAlone(t *testing.T) {
	f := loadResident(t)
	env := flow.Env{}
	r := run(t, f, env, press("yes"), text("1"), text("history"), text("2"))
	st := r.State
	st.Asked = slices.Grow(st.Asked, 10) // room to append in place
	st.Selected = slices.Grow([]string{"food"}, 10)
	before, _ := json.Marshal(st)
	for _, in := range []flow.Input{text("skip this"), back, skip, cancel, toggle("arts"), done, text("1, 2"), keep} {
		flow.Advance(f, st, in, env)
		flow.Resume(f, st, env)
	}
	// Back then answer: appends to Asked where the old state's last step was.
	b := flow.Advance(f, st, back, env)
	flow.Advance(f, b.State, text("music"), env)
	after, _ := json.Marshal(st)
	if string(before) != string(after) {
		t.Errorf("got state changed to\n%s\nwant\n%s", after, before)
	}
}

func TestLoops(t *testing.T) {
	// A "check and go round again" loop: back through an info step to a
	// question already answered.
	const loop = `
id: loop
title: Loop
version: 1
steps:
  - id: intro
    type: info
    text: About you.
  - id: name
    type: text
    text: Name?
  - id: extra
    type: text
    text: Extra?
    when: {key: name, equals: never}
  - id: ok
    type: yesno
    text: Is {name} right?
    next:
      - when: {key: ok, equals: "yes"}
        goto: end
      - goto: intro
`
	f := mustParse(t, "loop.yaml", loop)
	env := flow.Env{}
	r := run(t, f, env, text("Bob"), text("no"))
	if got := asked(r); got != "intro! name?" || r.Prompts[1].Current != "Bob" {
		t.Fatalf("got %q, %+v; want intro then name asked again with Bob", got, r.Prompts)
	}
	r = flow.Advance(f, r.State, text("Rob"), env)
	if got := asked(r); got != "ok?" || r.Prompts[0].Text != "Is Rob right?" {
		t.Fatalf("got %q %q; want ok asked again about Rob", got, r.Prompts[0].Text)
	}
	r = flow.Advance(f, r.State, text("yes"), env)
	if r.Outcome != flow.OutcomeFinished {
		t.Errorf("got %s; want finished", r.Outcome)
	}

	// A loop the checker cannot rule out, with no question left to ask:
	// the engine must end rather than spin or stop on an info step.
	const spin = `
id: spin
title: Spin
version: 1
steps:
  - id: a
    type: yesno
    text: A?
    next:
      - when: {key: a, equals: "yes"}
        goto: end
      - goto: b
  - id: b
    type: info
    text: B.
  - id: c
    type: text
    text: C?
    when: {key: a, equals: "yes"}
    next:
      - when: {key: a, equals: "yes"}
        goto: end
      - goto: b
`
	g := mustParse(t, "spin.yaml", spin)
	r = run(t, g, env, text("no"))
	if r.Outcome != flow.OutcomeFinished || r.State.Status != flow.StatusDone || asked(r) != "b!" {
		t.Errorf("got %s %s %q; want finished after one b", r.Outcome, r.State.Status, asked(r))
	}
}

func TestTexts(t *testing.T) {
	f := mustParse(t, "i18n.yaml", mustRead(t, "testdata/flows/i18n.yaml"))
	tests := []struct {
		lang, want, yes string
	}{
		{"en", "May I keep your answers?", "Yes"},
		{"", "May I keep your answers?", "Yes"},
		{"cy", "Ga i gadw eich atebion?", "Ie"},
		{"cy-GB", "Ga i gadw eich atebion?", "Ie"},
		{"pt", "Posso guardar as suas respostas?", "Yes"},
		{"pt-BR", "Posso guardar as suas respostas?", "Yes"},
		{"de", "May I keep your answers?", "Yes"},
		{"zz-Latn-x", "May I keep your answers?", "Yes"},
	}
	for _, tt := range tests {
		t.Run(tt.lang, func(t *testing.T) {
			r, _ := flow.Start(f, flow.Env{Lang: tt.lang}, flow.Options{})
			if p := r.Prompts[0]; p.Text != tt.want || p.Options[0].Label != tt.yes {
				t.Errorf("got %q / %q; want %q / %q", p.Text, p.Options[0].Label, tt.want, tt.yes)
			}
		})
	}
	t.Run("first name and answers", func(t *testing.T) {
		env := flow.Env{Lang: "cy", FirstName: "{colour}"}
		r := run(t, f, env, text("ie"), text("gwyrdd"))
		if got := r.Prompts[0].Text; got != "Diolch, {colour}: Gwyrdd amdani." {
			t.Errorf("got %q; want the first name as given, not filled in again", got)
		}
		r = run(t, f, flow.Env{}, text("yes"), text("red"))
		if got := r.Prompts[0].Text; got != "Thanks, there: Red it is." {
			t.Errorf("got %q; want %q", got, "Thanks, there: Red it is.")
		}
	})
}

func mustRead(t *testing.T, file string) string {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

func TestCurrent(t *testing.T) {
	f := loadResident(t)
	env := flow.Env{}
	r := run(t, f, env, press("yes"), toggle("music"))
	p, ok := flow.Current(f, r.State, env)
	if !ok || p.Step != "hands" || p.Turn != r.State.Turn || !p.Options[6].Selected {
		t.Errorf("got %v %+v; want hands with music ticked", ok, p)
	}
	paused := flow.Advance(f, r.State, cancel, env).State
	if _, ok := flow.Current(f, paused, env); ok {
		t.Error("paused: got a current question; want none")
	}
}
