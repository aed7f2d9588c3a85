package flow_test

import (
	"math"
	"reflect"
	"strings"
	"testing"

	"github.com/assetbot/assetbot/internal/flow"
)

// kindsFlow has one question of every kind, each asked alone with
// Options.Only in the tests below.
const kindsFlow = `
id: kinds
title: Kinds
version: 3
steps:
  - id: name
    type: text
    min_length: 2
    max_length: 40
    text: What's your name?
  - id: area
    type: text
    text: Which area?
    validate:
      regex: '^[A-Z]{1,2}[0-9]{1,2}$'
      message: Like LS6, {first_name}.
  - id: hours
    type: number
    integer: true
    min: 0
    max: 100
    text: How many hours?
  - id: price
    type: number
    text: What price?
  - id: time
    type: choice
    text: How often?
    options:
      - one_off: One-off
      - weekly: Weekly
      - monthly: Monthly
  - id: size
    type: choice
    text: Which size?
    retry: Tap Small or Large, {first_name}.
    options:
      - small: Small
      - large: Large
  - id: skills
    type: multi
    text: Skills?
    other: true
    max_choices: 2
    options:
      - cooking: Cooking
      - diy: DIY & repairs
      - sewing: Sewing
  - id: tools
    type: multi
    text: Tools?
    min_choices: 2
    options:
      - hammer: Hammer
      - saw: Saw
      - drill: Drill
  - id: ok
    type: yesno
    text: OK?
  - id: place
    type: location
    text: Where?
`

// The built-in problems, as a person reads them.
const (
	msgEmpty     = "I didn't catch an answer there. Please type a reply."
	msgPick      = "Please pick one of the options (tap a button or send its number)."
	msgNoMatch   = "Sorry, that's not one of the options. " + msgPick
	msgNotNumber = "Please send a number, like 3."
	msgWhole     = "Please send a whole number, like 3."
	msgYesNo     = "Please answer yes or no."
	msgLocation  = "Please share a location with the button, or type the place."
	msgBadPlace  = "That location doesn't look right. Please share it again or type the place."
	msgCantSkip  = "This one needs an answer, sorry: it can't be skipped."
	msgFirst     = "This is the first question, so there's nothing to go back to."
)

func mustParse(t testing.TB, name, yaml string) *flow.Flow {
	t.Helper()
	f, problems := flow.Parse(name, []byte(yaml))
	if problems != nil {
		t.Fatalf("parse %s: %v", name, problems)
	}
	return f
}

// startAt asks just the question with answer key key.
func startAt(t testing.TB, f *flow.Flow, env flow.Env, key string) flow.State {
	t.Helper()
	r, ok := flow.Start(f, env, flow.Options{Only: key, Turn: 10})
	if !ok || r.State.Step != key {
		t.Fatalf("Start(only %s) = step %q, %v; want that step", key, r.State.Step, ok)
	}
	return r.State
}

func text(s string) flow.Input { return flow.Input{Kind: flow.InputText, Text: s} }

func TestBadInputs(t *testing.T) {
	f := mustParse(t, "kinds.yaml", kindsFlow)
	env := flow.Env{Lang: "en", FirstName: "Ada"}
	long := strings.Repeat("x", 4096)
	option := func(id string) flow.Input { return flow.Input{Kind: flow.InputOption, Option: id} }
	toggle := func(id string) flow.Input { return flow.Input{Kind: flow.InputToggle, Option: id} }
	place := func(lat, lon float64) flow.Input { return flow.Input{Kind: flow.InputLocation, Lat: lat, Lon: lon} }
	done := flow.Input{Kind: flow.InputDone}
	tests := []struct {
		name string
		step string
		in   flow.Input
		want string
	}{
		{"text empty", "name", text(""), msgEmpty},
		{"text whitespace", "name", text(" \t\n\u00a0\u3000 "), msgEmpty},
		{"text zero-width only", "name", text("\u200b\u200c\u200d\u2060\ufeff"), msgEmpty},
		{"text control chars only", "name", text("\x00\x01\x07\x1b\x7f"), msgEmpty},
		{"text bidi overrides only", "name", text("\u202e\u2066\u2069"), msgEmpty},
		{"text too short", "name", text("A"), "That's a bit short: please write at least 2 characters."},
		{"text too short after cleaning", "name", text("\x00A\x00"), "That's a bit short: please write at least 2 characters."},
		{"text 41 chars", "name", text(strings.Repeat("é", 41)), "That's a bit long: please keep it to 40 characters at most."},
		{"text 4096 chars", "name", text(long), "That's a bit long: please keep it to 40 characters at most."},
		{"location sent to text", "name", place(53.8, -1.5), msgEmpty},
		{"option sent to text", "name", option("yes"), msgEmpty},
		{"done sent to text", "name", done, msgEmpty},
		{"unknown input kind", "name", flow.Input{Kind: "sticker"}, msgEmpty},
		{"skip on required text", "name", flow.Input{Kind: flow.InputSkip}, msgCantSkip},
		{"back on only question", "name", flow.Input{Kind: flow.InputBack}, msgFirst},
		{"keep with nothing known", "name", flow.Input{Kind: flow.InputKeep}, ""},

		{"validate lower case", "area", text("ls6"), "Like LS6, Ada."},
		{"validate HTML", "area", text("<script>alert(1)</script>"), "Like LS6, Ada."},
		{"validate SQL", "area", text("LS6'; DROP TABLE answers;--"), "Like LS6, Ada."},
		{"validate RTL", "area", text("ليدز"), "Like LS6, Ada."},
		{"validate empty says empty", "area", text(" "), msgEmpty},
		{"validate text over 1000", "area", text(long), "That's a bit long: please keep it to 1000 characters at most."},

		{"number empty", "hours", text(""), msgNotNumber},
		{"number whitespace", "hours", text("   "), msgNotNumber},
		{"number zero-width", "hours", text("\u200b"), msgNotNumber},
		{"number NUL", "hours", text("\x00"), msgNotNumber},
		{"number words", "hours", text("three"), msgNotNumber},
		{"number range", "hours", text("4-5"), msgNotNumber},
		{"number two numbers", "hours", text("3 or 4"), msgNotNumber},
		{"number exponent", "hours", text("1e3"), msgNotNumber},
		{"number hex", "hours", text("0x1F"), msgNotNumber},
		{"number NaN", "hours", text("NaN"), msgNotNumber},
		{"number Inf", "hours", text("Inf"), msgNotNumber},
		{"number emoji", "hours", text("🔟"), msgNotNumber},
		{"number Arabic-Indic digits", "hours", text("٣"), msgNotNumber},
		{"number RTL words", "hours", text("ثلاثة"), msgNotNumber},
		{"number SQL", "hours", text("1; DROP TABLE x; 2"), msgNotNumber},
		{"number 4096 digits", "hours", text("1" + strings.Repeat("0", 4095)), msgNotNumber},
		{"number negative", "hours", text("-1"), "That's below 0. Please send a number from 0."},
		{"number above max", "hours", text("101"), "That's more than 100. Please send a number up to 100."},
		{"number huge", "hours", text("99999999999999999999999"), "That's more than 100. Please send a number up to 100."},
		{"number fraction on integer step", "hours", text("2.5"), msgWhole},
		{"number comma fraction", "hours", text("2,5"), msgWhole},
		{"option sent to number", "hours", option("3"), msgNotNumber},
		{"location sent to number", "hours", place(1, 1), msgNotNumber},

		{"choice empty", "time", text(""), msgPick},
		{"choice zero-width", "time", text("\u200b"), msgPick},
		{"choice number 0", "time", text("0"), msgPick},
		{"choice number too big", "time", text("4"), msgPick},
		{"choice decimal number", "time", text("1.5"), msgPick},
		{"choice range", "time", text("1-2"), msgPick},
		{"choice two numbers", "time", text("1, 2"), msgPick},
		{"choice unknown word", "time", text("daily"), msgPick},
		{"choice emoji", "time", text("👍"), msgPick},
		{"choice RTL", "time", text("أسبوعي"), msgPick},
		{"choice HTML around label", "time", text("<b>Weekly</b> <i>x</i>"), msgPick},
		{"choice forged option id", "time", option("daily"), msgPick},
		{"choice option id wrong case", "time", option("WEEKLY"), msgPick},
		{"choice option with SQL", "time", option("weekly' OR 1=1 --"), msgPick},
		{"choice empty option", "time", option(""), msgPick},
		{"toggle sent to choice", "time", toggle("weekly"), msgPick},
		{"done sent to choice", "time", done, msgPick},
		{"location sent to choice", "time", place(53.8, -1.5), msgPick},
		{"choice retry wording", "size", text("medium"), "Tap Small or Large, Ada."},
		{"choice retry wording for a forged id", "size", option("medium"), "Tap Small or Large, Ada."},

		{"multi empty", "skills", text(""), msgPick},
		{"multi zero-width", "skills", text("\u200b\u200b"), msgPick},
		{"multi NUL", "skills", text("\x00"), msgPick},
		{"multi number too big", "skills", text("9"), msgNoMatch},
		{"multi number 0", "skills", text("0"), msgNoMatch},
		{"multi range", "skills", text("1-3"), msgNoMatch},
		{"multi one wrong number of two", "skills", text("1, 9"), msgNoMatch},
		{"multi emoji only", "skills", text("💥💥"), msgNoMatch},
		{"multi too many typed", "skills", text("1 2 3"), "Please pick no more than 2."},
		{"multi too many with other", "skills", text("cooking, diy and juggling"), "Please pick no more than 2."},
		{"multi other 4096 chars", "skills", text(long), "That's a bit long: please keep it to 1000 characters at most."},
		{"multi forged toggle", "skills", toggle("hacker"), msgPick},
		{"multi forged option", "skills", option("OTHER"), msgPick},
		{"multi done with nothing", "skills", done, "Please pick at least 1, then press Done."},
		{"location sent to multi", "skills", place(53.8, -1.5), msgPick},
		{"multi skip required", "skills", flow.Input{Kind: flow.InputSkip}, msgCantSkip},
		{"multi without other: unknown word", "tools", text("Spanner"), msgNoMatch},
		{"multi without other: other toggle", "tools", toggle("other"), msgPick},
		{"multi min_choices typed", "tools", text("saw"), "Please pick at least 2, then press Done."},
		{"multi ambiguous start", "tools", text("1, s"), msgNoMatch},

		{"yesno empty", "ok", text(""), msgYesNo},
		{"yesno zero-width", "ok", text("\u200d"), msgYesNo},
		{"yesno maybe", "ok", text("maybe"), msgYesNo},
		{"yesno both", "ok", text("yes no"), msgYesNo},
		{"yesno number 3", "ok", text("3"), msgYesNo},
		{"yesno skin-tone thumb", "ok", text("👍🏽"), msgYesNo},
		{"yesno HTML", "ok", text("<b>yes</b>"), msgYesNo},
		{"yesno RTL", "ok", text("نعم"), msgYesNo},
		{"yesno forged option", "ok", option("maybe"), msgYesNo},
		{"yesno option wrong case", "ok", option("YES"), msgYesNo},
		{"toggle sent to yesno", "ok", toggle("yes"), msgYesNo},
		{"location sent to yesno", "ok", place(53.8, -1.5), msgYesNo},

		{"location 0,0", "place", place(0, 0), msgBadPlace},
		{"location latitude above 90", "place", place(90.0001, 0), msgBadPlace},
		{"location latitude below -90", "place", place(-91, 10), msgBadPlace},
		{"location longitude above 180", "place", place(10, 180.5), msgBadPlace},
		{"location NaN", "place", place(math.NaN(), 1), msgBadPlace},
		{"location Inf", "place", place(1, math.Inf(-1)), msgBadPlace},
		{"location typed empty", "place", text(" "), msgEmpty},
		{"location typed one char", "place", text("X"), "That's a bit short: please write at least 2 characters."},
		{"location typed 4096 chars", "place", text(long), "That's a bit long: please keep it to 200 characters at most."},
		{"option sent to location", "place", option("yes"), msgLocation},
		{"done sent to location", "place", done, msgLocation},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := startAt(t, f, env, tt.step)
			r := flow.Advance(f, st, tt.in, env)
			if r.Outcome != flow.OutcomeInvalid {
				t.Fatalf("got outcome %s (answers %v); want %s", r.Outcome, r.Answers, flow.OutcomeInvalid)
			}
			if r.State.Step != st.Step || r.State.Turn != st.Turn || r.State.Status != st.Status {
				t.Errorf("got state %s/%d/%s; want it unchanged at %s/%d/%s", r.State.Step, r.State.Turn, r.State.Status, st.Step, st.Turn, st.Status)
			}
			if !reflect.DeepEqual(r.State.Asked, st.Asked) || len(r.State.Answers) != 0 {
				t.Errorf("got asked %v answers %v; want %v and none", r.State.Asked, r.State.Answers, st.Asked)
			}
			if len(r.Answers) != 0 || r.Echo != "" {
				t.Errorf("got answers %v echo %q; want none", r.Answers, r.Echo)
			}
			if len(r.Prompts) != 1 || r.Prompts[0].Step != tt.step || r.Prompts[0].Turn != st.Turn {
				t.Fatalf("got prompts %+v; want the question %s asked again on turn %d", r.Prompts, tt.step, st.Turn)
			}
			if got := r.Prompts[0].Problem; got != tt.want {
				t.Errorf("got problem %q; want %q", got, tt.want)
			}
		})
	}
}

func TestAcceptedInputs(t *testing.T) {
	f := mustParse(t, "kinds.yaml", kindsFlow)
	env := flow.Env{Lang: "en"}
	num := func(n float64) flow.Value { return flow.Value{Number: &n} }
	yes, no := true, false
	tests := []struct {
		name string
		step string
		in   flow.Input
		want flow.Value
		echo string
	}{
		{"text trimmed", "name", text("  Ada \n"), flow.Value{Text: "Ada"}, "Ada"},
		{"text control chars dropped", "name", text("A\x00d\x1ba\x7f"), flow.Value{Text: "Ada"}, "Ada"},
		{"text bidi override dropped", "name", text("\u202eAda\u202c"), flow.Value{Text: "Ada"}, "Ada"},
		{"text invalid UTF-8 replaced", "name", text("A\xffb"), flow.Value{Text: "A\uFFFDb"}, "A\uFFFDb"},
		{"text RTL", "name", text("مريم"), flow.Value{Text: "مريم"}, "مريم"},
		{"text HTML kept as typed", "name", text("<b>Ada</b> & co"), flow.Value{Text: "<b>Ada</b> & co"}, "<b>Ada</b> & co"},
		{"text SQL kept as typed", "name", text("Robert'); DROP TABLE x;--"), flow.Value{Text: "Robert'); DROP TABLE x;--"}, "Robert'); DROP TABLE x;--"},
		{"text emoji with joiners", "name", text("👩🏽‍🔧 Ada"), flow.Value{Text: "👩🏽‍🔧 Ada"}, "👩🏽‍🔧 Ada"},
		{"text new lines kept", "name", text("Ada\nLovelace"), flow.Value{Text: "Ada\nLovelace"}, "Ada\nLovelace"},
		{"text exactly max length", "name", text(strings.Repeat("é", 40)), flow.Value{Text: strings.Repeat("é", 40)}, strings.Repeat("é", 40)},
		{"validate passes", "area", text(" LS6 "), flow.Value{Text: "LS6"}, "LS6"},
		{"number in words", "hours", text("about 4 hours"), num(4), "4"},
		{"number at min", "hours", text("0"), num(0), "0"},
		{"number at max", "hours", text("100"), num(100), "100"},
		{"number with plus", "hours", text("+7"), num(7), "7"},
		{"number inside HTML", "hours", text("<b>3</b>"), num(3), "3"},
		{"number whole float", "hours", text("3.0"), num(3), "3"},
		{"number comma decimal", "price", text("2,5"), num(2.5), "2.5"},
		{"number negative decimal", "price", text("-3.75"), num(-3.75), "-3.75"},
		{"choice by number", "time", text("2"), flow.Value{Choice: "weekly"}, "Weekly"},
		{"choice by label any case", "time", text("  MONTHLY! "), flow.Value{Choice: "monthly"}, "Monthly"},
		{"choice by label without punctuation", "time", text("one off"), flow.Value{Choice: "one_off"}, "One-off"},
		{"choice by start of label", "time", text("week"), flow.Value{Choice: "weekly"}, "Weekly"},
		{"choice by id", "time", text("one_off"), flow.Value{Choice: "one_off"}, "One-off"},
		{"choice by button", "time", flow.Input{Kind: flow.InputOption, Option: "weekly"}, flow.Value{Choice: "weekly"}, "Weekly"},
		{"multi typed numbers", "skills", text("1, 3"), flow.Value{Choices: []string{"cooking", "sewing"}}, "Cooking, Sewing"},
		{"multi typed numbers with spaces", "skills", text("3 1"), flow.Value{Choices: []string{"cooking", "sewing"}}, "Cooking, Sewing"},
		{"multi label with ampersand", "skills", text("DIY & repairs"), flow.Value{Choices: []string{"diy"}}, "DIY & repairs"},
		{"multi label and other", "skills", text("DIY & repairs and baking bread"), flow.Value{Choices: []string{"diy"}, Other: "baking bread"}, "DIY & repairs, baking bread"},
		{"multi only other", "skills", text("Juggling"), flow.Value{Other: "Juggling"}, "Juggling"},
		{"multi repeated option once", "skills", text("1, cooking, Cooking"), flow.Value{Choices: []string{"cooking"}}, "Cooking"},
		{"multi without other", "tools", text("drill and 1"), flow.Value{Choices: []string{"hammer", "drill"}}, "Hammer, Drill"},
		{"yes typed", "ok", text("Yes!"), flow.Value{Bool: &yes}, "Yes"},
		{"no typed", "ok", text("nope"), flow.Value{Bool: &no}, "No"},
		{"yes thumbs up", "ok", text("👍"), flow.Value{Bool: &yes}, "Yes"},
		{"yes as button number", "ok", text("1"), flow.Value{Bool: &yes}, "Yes"},
		{"no button", "ok", flow.Input{Kind: flow.InputOption, Option: "no"}, flow.Value{Bool: &no}, "No"},
		{"location shared", "place", flow.Input{Kind: flow.InputLocation, Lat: 53.8, Lon: -1.55}, flow.Value{Location: &flow.Location{Lat: 53.8, Lon: -1.55}}, "53.80000, -1.55000"},
		{"location at the corner of the map", "place", flow.Input{Kind: flow.InputLocation, Lat: -90, Lon: 180}, flow.Value{Location: &flow.Location{Lat: -90, Lon: 180}}, "-90.00000, 180.00000"},
		{"location near 0,0", "place", flow.Input{Kind: flow.InputLocation, Lat: 0, Lon: 0.0001}, flow.Value{Location: &flow.Location{Lat: 0, Lon: 0.0001}}, "0.00000, 0.00010"},
		{"location typed", "place", text("Hyde Park"), flow.Value{Text: "Hyde Park"}, "Hyde Park"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := startAt(t, f, env, tt.step)
			r := flow.Advance(f, st, tt.in, env)
			if r.Outcome != flow.OutcomeFinished {
				t.Fatalf("got outcome %s (problem %q); want %s", r.Outcome, problemOf(r), flow.OutcomeFinished)
			}
			if len(r.Answers) != 1 {
				t.Fatalf("got answers %v; want one", r.Answers)
			}
			a := r.Answers[0]
			if a.Key != tt.step || a.Step != tt.step || a.Version != 3 {
				t.Errorf("got answer %s/%s v%d; want %s/%s v3", a.Key, a.Step, a.Version, tt.step, tt.step)
			}
			if !a.Value.Equal(tt.want) {
				t.Errorf("got value %+v; want %+v", a.Value, tt.want)
			}
			if !r.State.Answers[tt.step].Equal(tt.want) {
				t.Errorf("got state answer %+v; want %+v", r.State.Answers[tt.step], tt.want)
			}
			if r.Echo != tt.echo {
				t.Errorf("got echo %q; want %q", r.Echo, tt.echo)
			}
		})
	}
}

func problemOf(r flow.Result) string {
	for _, p := range r.Prompts {
		if p.Problem != "" {
			return p.Problem
		}
	}
	return ""
}

func TestMatchChoice(t *testing.T) {
	choices := []flow.Choice{{ID: "weekday_day", Label: "Weekday daytime"}, {ID: "weekday_evening", Label: "Weekday evenings"}, {ID: "weekends", Label: "Weekends"}}
	tests := []struct {
		item   string
		want   string
		wantOK bool
	}{
		{"2", "weekday_evening", true},
		{"weekends", "weekends", true},
		{"WEEKDAY DAYTIME", "weekday_day", true},
		{"weekday-evenings!", "weekday_evening", true},
		{"weekday e", "weekday_evening", true},
		{"weekday", "", false}, // two labels start so: ambiguous
		{"we", "", false},      // too short to be a start
		{"0", "", false},
		{"4", "", false},
		{"", "", false},
		{"🙂", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.item, func(t *testing.T) {
			got, ok := flow.MatchChoice(choices, tt.item)
			if got != tt.want || ok != tt.wantOK {
				t.Errorf("got %q, %v; want %q, %v", got, ok, tt.want, tt.wantOK)
			}
		})
	}
}

func TestMatchChoiceWithinLabel(t *testing.T) {
	choices := []flow.Choice{{ID: "hour_month", Label: "About an hour a month"}, {ID: "hour_week", Label: "About an hour a week"}, {ID: "not_now", Label: "Not right now"}}
	tests := []struct {
		typed, want string
	}{
		{"an hour a week", "hour_week"},
		{"hour a month", "hour_month"},
		{"an hour", ""}, // in two labels
		{"now", ""},     // too short a word to guess from the middle
		{"right now", "not_now"},
		{"our a wee", ""}, // only whole words count
	}
	for _, tt := range tests {
		if got, _ := flow.MatchChoice(choices, tt.typed); got != tt.want {
			t.Errorf("MatchChoice(%q) = %q; want %q", tt.typed, got, tt.want)
		}
	}
}
