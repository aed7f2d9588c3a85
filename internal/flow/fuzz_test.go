package flow_test

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/assetbot/assetbot/internal/flow"
)

// checkResult holds the engine to what it promises for every input: only
// taken answers are recorded, an invalid input changes nothing, turns
// never go down, and the state and prompts agree with the outcome.
func checkResult(t *testing.T, f *flow.Flow, before flow.State, in flow.Input, r flow.Result) {
	t.Helper()
	st := r.State
	accepted := r.Outcome == flow.OutcomeAsked || r.Outcome == flow.OutcomeFinished || r.Outcome == flow.OutcomeDeclined
	if len(r.Answers) > 0 && !accepted {
		t.Fatalf("%+v: got answers %v with outcome %s; want none", in, r.Answers, r.Outcome)
	}
	for _, a := range r.Answers {
		if s := f.StepByKey(a.Key); s == nil || s.ID != a.Step || a.Version != f.Version {
			t.Fatalf("%+v: got answer %+v; want one for a question of version %d", in, a, f.Version)
		}
	}
	if st.Turn < before.Turn {
		t.Fatalf("%+v: turn went from %d down to %d", in, before.Turn, st.Turn)
	}
	switch r.Outcome {
	case flow.OutcomeInvalid:
		if st.Step != before.Step || st.Turn != before.Turn || !slices.Equal(st.Asked, before.Asked) || st.Status != before.Status || len(st.Answers) != len(before.Answers) {
			t.Fatalf("%+v: invalid changed the state from %+v to %+v", in, before, st)
		}
	case flow.OutcomeStale, flow.OutcomeInactive:
		if len(r.Prompts) != 0 || st.Step != before.Step || st.Turn != before.Turn || st.Status != before.Status {
			t.Fatalf("%+v: %s changed something: %+v, %+v", in, r.Outcome, st, r.Prompts)
		}
	case flow.OutcomePaused:
		if st.Status != flow.StatusPaused || st.Step != before.Step {
			t.Fatalf("%+v: paused, got state %+v", in, st)
		}
	case flow.OutcomeFinished, flow.OutcomeDeclined:
		if st.Step != "" || (st.Status != flow.StatusDone && st.Status != flow.StatusDeclined) {
			t.Fatalf("%+v: %s, got state %+v", in, r.Outcome, st)
		}
		for _, p := range r.Prompts {
			if p.Question() {
				t.Fatalf("%+v: %s, got a question %+v", in, r.Outcome, p)
			}
		}
	}
	if r.Outcome == flow.OutcomeAsked || r.Outcome == flow.OutcomeBack || r.Outcome == flow.OutcomeToggled || r.Outcome == flow.OutcomeInvalid {
		s := f.Step(st.Step)
		if st.Status != flow.StatusActive || s == nil || s.Type == flow.TypeInfo {
			t.Fatalf("%+v: %s, got state %+v; want an active question", in, r.Outcome, st)
		}
		if len(r.Prompts) == 0 {
			t.Fatalf("%+v: %s, got no prompts", in, r.Outcome)
		}
		if p := r.Prompts[len(r.Prompts)-1]; !p.Question() || p.Step != st.Step || p.Turn != st.Turn {
			t.Fatalf("%+v: %s, got last prompt %+v; want the question %s on turn %d", in, r.Outcome, p, st.Step, st.Turn)
		}
	}
}

// FuzzParse feeds the flow parser arbitrary files. A file it accepts must
// pass Check again and must run.
func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob("testdata/flows/*.yaml")
	for _, file := range append(files, "../../flows/resident.yaml") {
		data, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	for _, b := range brokenFlows {
		f.Add([]byte(b.yaml))
	}
	f.Add([]byte(kindsFlow))
	f.Add([]byte(routeFlow))
	f.Add([]byte("a: &a [*a]"))
	f.Add([]byte(head + "\n  - &s {id: a, type: text, text: A}\n  - *s\n"))
	f.Add([]byte(head + "\n  - id: a\n    type: multi\n    text: A\n    options: &o [x: X]\n  - id: b\n    type: choice\n    text: B\n    options: *o\n"))
	f.Add([]byte("id: t\ntitle: T\nversion: 99999999999999999999\nsteps: [{id: a, type: number, text: A, min: 1e400}]\n"))
	f.Add([]byte("\xef\xbb\xbfid: t\ntitle: T\nversion: 1\nsteps: [{id: a, type: info, text: \"{a}\"}]\n"))
	f.Add([]byte("--- !!map\n? [id]\n: t\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		fl, problems := flow.Parse("fuzz.yaml", data)
		for _, p := range problems {
			if p.File != "fuzz.yaml" || p.Line < 0 || p.Msg == "" {
				t.Fatalf("got problem %+v; want file, line and message", p)
			}
		}
		if problems != nil {
			return
		}
		if fl == nil {
			t.Fatal("got no flow and no problems")
		}
		if again := flow.Check(fl); again != nil {
			t.Fatalf("Parse passed the flow, Check did not: %v", again)
		}
		inputs := []flow.Input{text("1"), {Kind: flow.InputOption, Option: "yes"}, {Kind: flow.InputDone}, {Kind: flow.InputSkip},
			text("no"), {Kind: flow.InputBack}, {Kind: flow.InputToggle, Option: "other"}, text("x y"), {Kind: flow.InputKeep},
			{Kind: flow.InputLocation, Lat: 1, Lon: 1}, text("2")}
		env := flow.Env{Lang: "cy", FirstName: "Fuzz"}
		r, _ := flow.Start(fl, env, flow.Options{})
		checkResult(t, fl, flow.State{}, flow.Input{}, r)
		for i := 0; i < 64 && r.State.Status == flow.StatusActive; i++ {
			in := inputs[i%len(inputs)]
			next := flow.Advance(fl, r.State, in, env)
			checkResult(t, fl, r.State, in, next)
			r = next
		}
	})
}

// fuzzInput makes the input one byte of FuzzAdvance's program stands for:
// the low four bits pick the kind, the next two how the turn is set, the
// top two a variant.
func fuzzInput(op byte, txt, option string, lat, lon float64, turn int8, current int) (flow.Input, bool) {
	variant := op >> 6
	var in flow.Input
	switch op & 0x0f {
	case 0:
		in = flow.Input{Kind: flow.InputText, Text: txt}
	case 1:
		in = text([]string{"1", "2, 3", "4-5", "14"}[variant])
	case 2:
		in = text([]string{"yes", "no", "👍", "maybe"}[variant])
	case 3:
		in = text([]string{"LS6", "Hyde Park", "12 Acacia Avenue, LS6 2AB", "x"}[variant])
	case 4:
		in = flow.Input{Kind: flow.InputOption, Option: option}
	case 5:
		in = flow.Input{Kind: flow.InputOption, Option: []string{"yes", "no", "hour_week", "not_now"}[variant]}
	case 6:
		in = flow.Input{Kind: flow.InputToggle, Option: option}
	case 7:
		in = flow.Input{Kind: flow.InputToggle, Option: []string{"cooking", "other", "weekends", "none_yet"}[variant]}
	case 8:
		in = flow.Input{Kind: flow.InputDone}
	case 9:
		in = flow.Input{Kind: flow.InputLocation, Lat: lat, Lon: lon}
	case 10:
		in = flow.Input{Kind: flow.InputBack}
	case 11:
		in = flow.Input{Kind: flow.InputSkip}
	case 12:
		in = flow.Input{Kind: flow.InputKeep}
	case 13:
		in = flow.Input{Kind: flow.InputCancel}
	case 14:
		return flow.Input{}, false // resume
	case 15:
		in = flow.Input{Kind: flow.InputKind(option), Text: txt, Option: option}
	}
	switch (op >> 4) & 3 {
	case 1:
		in.Turn = current
	case 2:
		in.Turn = current + int(turn)
	case 3:
		in.Turn = int(turn)
	}
	return in, true
}

// FuzzAdvance runs a program of inputs on the resident flow, checking the
// engine's promises after every step and that it never changes the state
// it was given.
func FuzzAdvance(f *testing.F) {
	fl := loadResident(f)
	// A whole run: yes; tick cooking and other, done, the other text;
	// head, heart, skip offer, done on learn (a skip), time, when,
	// skip groups and connector, the area.
	whole := []byte{0x15, 0x17, 0x57, 0x18, 0x00, 0x01, 0x01, 0x0b, 0x18, 0x01, 0x01, 0x0b, 0x0b, 0x03}
	f.Add(whole, "Bike repair", "cooking", 53.8, -1.55, int8(0), uint8(0))
	f.Add(whole, "Bike repair", "cooking", 53.8, -1.55, int8(0), uint8(1))
	f.Add(whole, "", "", 0.0, 0.0, int8(0), uint8(2))
	f.Add([]byte{0x15, 0x0a, 0x0a, 0x0d, 0x0e, 0x0c, 0x1b, 0x2a, 0x3a, 0x0f}, "\x00\u200b", "hands", math.NaN(), math.Inf(1), int8(-1), uint8(0))
	f.Add([]byte{0x95, 0x00, 0x04, 0x06, 0x09, 0x19}, "<b>", "o:1:yes", 91.0, 0.0, int8(1), uint8(2))
	f.Add([]byte{0x15, 0x57, 0x18, 0x0a, 0x18, 0x0d, 0x0e, 0x18, 0x00}, "Juggling", "other", 0.0, 0.0, int8(0), uint8(0))
	f.Add([]byte{0x15, 0x01, 0x41, 0x81, 0xc1, 0x0a, 0x0c, 0x0c, 0x0c, 0x55, 0xd5, 0x08, 0x0b}, "x", "time", 0.0, 0.0, int8(0), uint8(1))
	f.Fuzz(func(t *testing.T, program []byte, txt, option string, lat, lon float64, turn int8, mode uint8) {
		if len(program) > 64 {
			program = program[:64]
		}
		yes := true
		env := flow.Env{Lang: "en", FirstName: "Sam"}
		var opts flow.Options
		switch mode % 3 {
		case 1:
			env.Known = map[string]flow.Value{"consent": {Bool: &yes}, "hands": {Choices: []string{"cooking"}, Other: "bikes"}, "time": {Choice: "not_now"}, "head": {Skipped: true}}
			opts.Review = mode&4 != 0
		case 2:
			opts.Only = option
		}
		r, ok := flow.Start(fl, env, opts)
		if !ok {
			r, _ = flow.Start(fl, env, flow.Options{})
		}
		checkResult(t, fl, flow.State{}, flow.Input{}, r)
		for i, op := range program {
			st := r.State
			if i%2 == 1 {
				// Hosts keep the state as JSON between inputs.
				data, err := json.Marshal(st)
				if err != nil {
					t.Fatal(err)
				}
				st = flow.State{}
				if err := json.Unmarshal(data, &st); err != nil {
					t.Fatal(err)
				}
			}
			snapshot, _ := json.Marshal(st)
			in, advance := fuzzInput(op, txt, option, lat, lon, turn, st.Turn)
			if advance {
				r = flow.Advance(fl, st, in, env)
				checkResult(t, fl, st, in, r)
			} else {
				r = flow.Resume(fl, st, env)
				if r.Outcome != flow.OutcomeInactive {
					checkResult(t, fl, st, in, r)
				}
			}
			if after, _ := json.Marshal(st); string(after) != string(snapshot) {
				t.Fatalf("%+v changed the state it was given from %s to %s", in, snapshot, after)
			}
		}
	})
}
