package flow_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/assetbot/assetbot/internal/flow"
)

// lookupFlow asks a group's name (a lookup of associations), then a text.
const lookupFlow = `id: t
title: T
version: 1
steps:
  - id: group
    type: lookup
    lookup: association
    optional: true
    link: member_of
    text: What's the group called?
  - id: after
    type: text
    text: Anything else?
`

// directory is a fake directory: every asset whose name contains the text
// typed, ignoring case, at most limit of them.
type directory []flow.Candidate

func (d directory) Search(kind, text string, limit int) ([]flow.Candidate, int) {
	var found []flow.Candidate
	for _, c := range d {
		if kind == "association" && strings.Contains(strings.ToLower(c.Name), strings.ToLower(text)) {
			found = append(found, c)
		}
	}
	return found[:min(limit, len(found))], len(found)
}

// riverside is a directory of n associations named "Riverside Club N".
func riverside(n int) directory {
	var d directory
	for i := 1; i <= n; i++ {
		d = append(d, flow.Candidate{ID: int64(100 + i), Name: "Riverside Club " + strings.Repeat("I", i%4+1), Detail: "LS6"})
	}
	return d
}

func typed(text string) flow.Input { return flow.Input{Kind: flow.InputText, Text: text} }

func TestLookup(t *testing.T) {
	f := mustParse(t, "t.yaml", lookupFlow)
	allotments := directory{{ID: 7, Name: "Hyde Park Allotments", Detail: "LS6"}, {ID: 9, Name: "Hyde Park Allotments", Detail: "LS4"}, {ID: 8, Name: "Chess club"}}
	tests := []struct {
		name   string
		dir    flow.Directory
		inputs []flow.Input
		// want is the answer recorded, or (when picking) nothing.
		want    *flow.Value
		step    string // the step asked at the end
		options []string
		problem string
	}{
		{name: "no directory: every name is new", inputs: []flow.Input{typed("Hyde Park Allotments")},
			want: &flow.Value{Text: "Hyde Park Allotments", New: true}, step: "after"},
		{name: "nothing matches: new", dir: allotments, inputs: []flow.Input{typed("Bowls")},
			want: &flow.Value{Text: "Bowls", New: true}, step: "after"},
		{name: "matches are offered, with none of these", dir: allotments, inputs: []flow.Input{typed("hyde park")},
			step: "group", options: []string{"a7:Hyde Park Allotments (LS6)", "a9:Hyde Park Allotments (LS4)", "new:None of these: add it"}},
		{name: "pressing one picks it", dir: allotments, inputs: []flow.Input{typed("hyde park"), press("a9")},
			want: &flow.Value{Asset: 9, Text: "Hyde Park Allotments"}, step: "after"},
		{name: "its number picks it", dir: allotments, inputs: []flow.Input{typed("hyde park"), typed("1")},
			want: &flow.Value{Asset: 7, Text: "Hyde Park Allotments"}, step: "after"},
		{name: "none of these adds what was typed", dir: allotments, inputs: []flow.Input{typed("hyde park"), press(flow.OptionNew)},
			want: &flow.Value{Text: "hyde park", New: true}, step: "after"},
		{name: "other text looks again", dir: allotments, inputs: []flow.Input{typed("hyde park"), typed("chess")},
			step: "group", options: []string{"a8:Chess club", "new:None of these: add it"}},
		{name: "a forged asset is refused", dir: allotments, inputs: []flow.Input{typed("hyde park"), press("a8")},
			step: "group", problem: "Please pick one of the options (tap a button or send its number).",
			options: []string{"a7:Hyde Park Allotments (LS6)", "a9:Hyde Park Allotments (LS4)", "new:None of these: add it"}},
		{name: "back while picking asks the name again", dir: allotments, inputs: []flow.Input{typed("hyde park"), back},
			step: "group"},
		{name: "skip while picking skips", dir: allotments, inputs: []flow.Input{typed("hyde park"), skip},
			want: &flow.Value{Skipped: true}, step: "after"},
		{name: "a location is not a name", dir: allotments, inputs: []flow.Input{{Kind: flow.InputLocation, Lat: 53.8, Lon: -1.5}},
			step: "group", problem: "Please type its name."},
		{name: "empty", dir: allotments, inputs: []flow.Input{typed("  \u200b ")},
			step: "group", problem: "I didn't catch an answer there. Please type a reply."},
		{name: "emoji only", dir: allotments, inputs: []flow.Input{typed("🎸🎸")},
			step: "group", problem: "Please type a name with at least one letter or number in it."},
		{name: "10,000 characters", dir: allotments, inputs: []flow.Input{typed(strings.Repeat("a", 10000))},
			step: "group", problem: "That's a bit long: please keep it to 120 characters at most."},
		{name: "right to left", dir: allotments, inputs: []flow.Input{typed("مركز المجتمع")},
			want: &flow.Value{Text: "مركز المجتمع", New: true}, step: "after"},
		{name: "emoji with words", dir: allotments, inputs: []flow.Input{typed("🎸 Ukulele Club")},
			want: &flow.Value{Text: "🎸 Ukulele Club", New: true}, step: "after"},
		{name: "twenty matches: a screenful and how many", dir: riverside(20), inputs: []flow.Input{typed("riverside")},
			step: "group", problem: "I found 20; these are the closest 8. Not there? Type more of the name."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := flow.Env{Lang: "en", Directory: tt.dir}
			r := run(t, f, env, tt.inputs...)
			if r.State.Step != tt.step {
				t.Fatalf("asks %q (%s); want %q", r.State.Step, asked(r), tt.step)
			}
			v, answered := r.State.Answers["group"]
			switch {
			case tt.want == nil && answered:
				t.Errorf("answered %+v; want no answer yet", v)
			case tt.want != nil && (!answered || !v.Equal(*tt.want)):
				t.Errorf("answer %+v (answered %v); want %+v", v, answered, *tt.want)
			}
			p := r.Prompts[len(r.Prompts)-1]
			if got := problemOf(r) + p.Hint; tt.problem != "" && !strings.Contains(got, tt.problem) {
				t.Errorf("problem and hint %q; want %q", got, tt.problem)
			}
			if tt.options != nil {
				var got []string
				for _, o := range p.Options {
					got = append(got, o.ID+":"+o.Label)
				}
				if !slices.Equal(got, tt.options) || p.Type != flow.TypeChoice {
					t.Errorf("offers %s %q; want a choice of %q", p.Type, got, tt.options)
				}
			}
		})
	}
}

func TestLookupScreenful(t *testing.T) {
	f := mustParse(t, "t.yaml", lookupFlow)
	r := run(t, f, flow.Env{Lang: "en", Directory: riverside(20)}, typed("riverside"))
	p := r.Prompts[len(r.Prompts)-1]
	if len(p.Options) != 9 || p.Options[8].ID != flow.OptionNew {
		t.Errorf("offers %d options ending %q; want 8 assets and then none of these", len(p.Options), p.Options[len(p.Options)-1].ID)
	}
	// The offer survives being stored between inputs, as hosts do.
	again := flow.Advance(f, r.State, flow.Input{Kind: flow.InputOption, Option: "a108", Turn: r.State.Turn}, flow.Env{Lang: "en"})
	if v := again.State.Answers["group"]; v.Asset != 108 {
		t.Errorf("pressing the 8th asset answered %+v; want asset 108", v)
	}
	stale := flow.Advance(f, r.State, flow.Input{Kind: flow.InputOption, Option: "a101", Turn: r.State.Turn - 1}, flow.Env{Lang: "en"})
	if stale.Outcome != flow.OutcomeStale {
		t.Errorf("a press on the name question's turn: %s; want stale", stale.Outcome)
	}
}
