package flow_test

import (
	"os"
	"testing"

	"github.com/assetbot/assetbot/internal/flow"
)

// BenchmarkAdvance measures one engine step on the resident flow, from a
// state part-way through (as a host holds it between messages).
func BenchmarkAdvance(b *testing.B) {
	f := loadResident(b)
	env := flow.Env{Lang: "en", FirstName: "Sam"}
	at := func(key string) flow.State {
		r, _ := flow.Start(f, env, flow.Options{})
		for _, in := range []flow.Input{{Kind: flow.InputOption, Option: "yes"}, text("1, 3"), text("history"), text("2"), text("a lift"), text("music")} {
			r = flow.Advance(f, r.State, in, env)
		}
		if key == "hands" {
			r = flow.Advance(f, r.State, flow.Input{Kind: flow.InputBack}, env)
			for r.State.Step != "hands" {
				r = flow.Advance(f, r.State, flow.Input{Kind: flow.InputBack}, env)
			}
		}
		if r.State.Step != key {
			b.Fatalf("got step %s; want %s", r.State.Step, key)
		}
		return r.State
	}
	onTime, onHands := at("time"), at("hands")
	benchmarks := []struct {
		name string
		st   flow.State
		in   flow.Input
		want flow.Outcome
	}{
		{"choice", onTime, flow.Input{Kind: flow.InputOption, Option: "hour_week", Turn: onTime.Turn}, flow.OutcomeAsked},
		{"typed_choice", onTime, text("about an hour a week"), flow.OutcomeAsked},
		{"invalid", onTime, text("lots"), flow.OutcomeInvalid},
		{"toggle", onHands, flow.Input{Kind: flow.InputToggle, Option: "music", Turn: onHands.Turn}, flow.OutcomeToggled},
		{"typed_list", onHands, text("1, 3 and DIY & repairs, bike repair"), flow.OutcomeAsked},
	}
	for _, bm := range benchmarks {
		b.Run(bm.name, func(b *testing.B) {
			if r := flow.Advance(f, bm.st, bm.in, env); r.Outcome != bm.want {
				b.Fatalf("got %s; want %s", r.Outcome, bm.want)
			}
			b.ReportAllocs()
			for b.Loop() {
				flow.Advance(f, bm.st, bm.in, env)
			}
		})
	}
}

func BenchmarkParse(b *testing.B) {
	data, err := os.ReadFile("../../flows/resident.yaml")
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, problems := flow.Parse("resident.yaml", data); problems != nil {
			b.Fatal(problems)
		}
	}
}
