package flow_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/assetbot/assetbot/internal/flow"
)

// consentFlow asks the map (with an age check), then contact (optional),
// then a question whose `when` holds while it is unanswered.
const consentFlow = `id: c
title: C
version: 3
declined: {en: "Bye, {first_name}.", cy: "Hwyl, {first_name}."}
steps:
  - id: map
    type: yesno
    consent: map
    age_check: true
    text: {en: "On the map? You must be {min_age}.", cy: "Ar y map? Rhaid bod yn {min_age}."}
  - id: contact
    type: yesno
    consent: contact
    required: false
    text: {en: "May we contact you?", cy: "Gawn ni gysylltu?"}
  - id: time
    type: choice
    text: {en: "Time?", cy: "Amser?"}
    options: [some: {en: Some, cy: Peth}, none: {en: None, cy: Dim}]
  - id: when
    type: text
    when: {key: time, not_equals: none}
    text: {en: "When?", cy: "Pryd?"}
`

func TestConsents(t *testing.T) {
	f := mustParse(t, "c.yaml", consentFlow)
	typed := func(s string) flow.Input { return flow.Input{Kind: flow.InputText, Text: s} }
	tests := []struct {
		name    string
		env     flow.Env
		inputs  []flow.Input
		outcome flow.Outcome
		asked   string
		// answers are the recorded answers of the last input, as
		// key=purpose:bool.
		answers []string
		say     string // in the last info prompt, if any
	}{
		{"map yes asks contact", flow.Env{}, []flow.Input{press(flow.Yes)}, flow.OutcomeAsked, "contact?", []string{"map=map:true"}, ""},
		{"map no ends the flow", flow.Env{FirstName: "Ann"}, []flow.Input{press(flow.No)}, flow.OutcomeDeclined, "!", []string{"map=map:false"}, "Bye, Ann."},
		{"contact no goes on", flow.Env{}, []flow.Input{press(flow.Yes), press(flow.No)}, flow.OutcomeAsked, "time?", []string{"contact=contact:false"}, ""},
		{"contact yes goes on", flow.Env{}, []flow.Input{press(flow.Yes), typed("yes")}, flow.OutcomeAsked, "time?", []string{"contact=contact:true"}, ""},
		{"under age pressed", flow.Env{FirstName: "Jo"}, []flow.Input{press(flow.UnderAge)}, flow.OutcomeUnderAge, "!", nil, "people aged 16 and over"},
		{"under age typed as its number", flow.Env{}, []flow.Input{typed("3")}, flow.OutcomeUnderAge, "!", nil, "haven't kept anything"},
		{"under age typed as its words", flow.Env{}, []flow.Input{typed("i'm under 16")}, flow.OutcomeUnderAge, "!", nil, "16 and over"},
		{"under age in Welsh", flow.Env{Lang: "cy"}, []flow.Input{typed("3")}, flow.OutcomeUnderAge, "!", nil, "16 oed a hŷn"},
		{"the configured age", flow.Env{MinAge: 18}, []flow.Input{press(flow.UnderAge)}, flow.OutcomeUnderAge, "!", nil, "aged 18 and over"},
		{"yes typed as the age check's first button", flow.Env{}, []flow.Input{typed("1")}, flow.OutcomeAsked, "contact?", []string{"map=map:true"}, ""},
		{"under age pressed on a question without an age check", flow.Env{}, []flow.Input{press(flow.Yes), press(flow.UnderAge)}, flow.OutcomeInvalid, "contact?", nil, ""},
		{"under age pressed on a choice", flow.Env{}, []flow.Input{press(flow.Yes), press(flow.No), press(flow.UnderAge)}, flow.OutcomeInvalid, "time?", nil, ""},
		{"under age typed on a question without an age check", flow.Env{}, []flow.Input{press(flow.Yes), typed("3")}, flow.OutcomeInvalid, "contact?", nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := run(t, f, tt.env, tt.inputs...)
			if r.Outcome != tt.outcome {
				t.Fatalf("outcome %s; want %s", r.Outcome, tt.outcome)
			}
			if got := strings.TrimLeft(asked(r), " "); !strings.HasSuffix(got, tt.asked) {
				t.Errorf("asked %q; want it to end with %q", got, tt.asked)
			}
			var answers []string
			for _, a := range r.Answers {
				answers = append(answers, a.Key+"="+a.Consent+":"+flow.Display(f, f.StepByKey(a.Key), a.Value, "en"))
			}
			want := slices.Clone(tt.answers)
			for i := range want {
				want[i] = strings.NewReplacer(":true", ":Yes", ":false", ":No").Replace(want[i])
			}
			if !slices.Equal(answers, want) {
				t.Errorf("answers %q; want %q", answers, want)
			}
			if tt.say != "" && !strings.Contains(r.Prompts[len(r.Prompts)-1].Text, tt.say) {
				t.Errorf("said %q; want it to contain %q", r.Prompts[len(r.Prompts)-1].Text, tt.say)
			}
			if r.Outcome == flow.OutcomeUnderAge && (len(r.State.Answers) != 0 || r.State.Status != flow.StatusDeclined || !strings.HasPrefix(r.Echo, "I'm under") && !strings.HasPrefix(r.Echo, "Rwy o dan")) {
				t.Errorf("under age left state %+v, echo %q; want no answers, the run over and the button's words", r.State, r.Echo)
			}
		})
	}
}

func TestAgeCheckButtons(t *testing.T) {
	f := mustParse(t, "c.yaml", consentFlow)
	tests := []struct {
		env  flow.Env
		text string
		want []string
	}{
		{flow.Env{}, "On the map? You must be 16.", []string{"Yes, and I'm 16 or over", "No", "I'm under 16"}},
		{flow.Env{MinAge: 13}, "On the map? You must be 13.", []string{"Yes, and I'm 13 or over", "No", "I'm under 13"}},
		{flow.Env{Lang: "cy", MinAge: 18}, "Ar y map? Rhaid bod yn 18.", []string{"Ydy, ac rwy'n 18 oed neu'n hŷn", "Na", "Rwy o dan 18 oed"}},
	}
	for _, tt := range tests {
		r, _ := flow.Start(f, tt.env, flow.Options{})
		p := r.Prompts[len(r.Prompts)-1]
		var labels []string
		for _, o := range p.Options {
			labels = append(labels, o.Label)
		}
		if p.Text != tt.text || !slices.Equal(labels, tt.want) {
			t.Errorf("lang %q age %d: got %q %q; want %q %q", tt.env.Lang, tt.env.MinAge, p.Text, labels, tt.text, tt.want)
		}
	}
}

func TestTextVersion(t *testing.T) {
	f := mustParse(t, "c.yaml", consentFlow)
	changed := mustParse(t, "c.yaml", strings.Replace(consentFlow, "On the map?", "On our map?", 1))
	step, contact := f.Step("map"), f.Step("contact")
	base := flow.TextVersion(f, step, flow.Env{FirstName: "Ann"})
	if !strings.HasPrefix(base, "c@3/map/en/") || len(base) != len("c@3/map/en/")+12 {
		t.Fatalf("TextVersion = %q; want c@3/map/en/ and 12 hex digits", base)
	}
	tests := []struct {
		name string
		got  string
		same bool
	}{
		{"another person's name", flow.TextVersion(f, step, flow.Env{FirstName: "Bob"}), true},
		{"a regional variant of English", flow.TextVersion(f, step, flow.Env{Lang: "en-GB"}), true},
		{"the default age spelt out", flow.TextVersion(f, step, flow.Env{MinAge: flow.DefaultMinAge}), true},
		{"Welsh", flow.TextVersion(f, step, flow.Env{Lang: "cy"}), false},
		{"another minimum age", flow.TextVersion(f, step, flow.Env{MinAge: 18}), false},
		{"changed wording", flow.TextVersion(changed, changed.Step("map"), flow.Env{}), false},
		{"another step", flow.TextVersion(f, contact, flow.Env{}), false},
	}
	for _, tt := range tests {
		if (tt.got == base) != tt.same {
			t.Errorf("%s: %q against %q; want same=%v", tt.name, tt.got, base, tt.same)
		}
	}
	r := run(t, f, flow.Env{Lang: "cy"}, press(flow.Yes))
	if got, want := r.Answers[0].TextVersion, flow.TextVersion(f, step, flow.Env{Lang: "cy"}); got != want || !strings.Contains(got, "/cy/") {
		t.Errorf("answer's TextVersion %q; want %q", got, want)
	}
}

// TestOnlyConsent changes one consent, as /privacy does: the run ends once
// it is answered, asking nothing else, even a question whose `when` holds
// and that has no answer.
func TestOnlyConsent(t *testing.T) {
	f := mustParse(t, "c.yaml", consentFlow)
	yes, no := true, false
	known := map[string]flow.Value{"map": {Bool: &yes}, "contact": {Bool: &no}}
	for _, tt := range []struct {
		only    string
		in      flow.Input
		outcome flow.Outcome
	}{
		{"contact", press(flow.Yes), flow.OutcomeFinished},
		{"contact", press(flow.No), flow.OutcomeFinished},
		{"map", press(flow.Yes), flow.OutcomeFinished},
		{"map", press(flow.No), flow.OutcomeDeclined},
		{"map", press(flow.UnderAge), flow.OutcomeUnderAge},
	} {
		env := flow.Env{Known: known}
		r, ok := flow.Start(f, env, flow.Options{Only: tt.only})
		if !ok || r.Prompts[0].Step != tt.only {
			t.Fatalf("Only %s: asked %q", tt.only, asked(r))
		}
		in := tt.in
		in.Turn = r.State.Turn
		r = flow.Advance(f, r.State, in, env)
		if r.Outcome != tt.outcome || slices.ContainsFunc(r.Prompts, flow.Prompt.Question) {
			t.Errorf("Only %s, %s: outcome %s, asked %q; want %s and no question", tt.only, tt.in.Option, r.Outcome, asked(r), tt.outcome)
		}
	}
}
