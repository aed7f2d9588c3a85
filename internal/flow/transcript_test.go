package flow_test

import (
	"encoding/json"
	"fmt"
	"github.com/assetbot/assetbot/internal/golden"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/assetbot/assetbot/internal/flow"
)

// TestTranscripts replays each testdata/transcripts/*.txt and compares the
// whole conversation with the file. A transcript is its own script: lines
// starting with "#" set it up, lines starting with "> " are what the person
// does, and every other line is what the engine answered. Run
// `go test -run TestTranscripts -update` to rewrite the answers.
//
// Header lines:
//
//	# flow: branching.yaml              (in testdata/flows, or a path)
//	# lang: cy
//	# first_name: Ada
//	# known: pet {"choice":"dog"}       (repeatable; an answer from before)
//	# start: review | only=KEY | turn=N
//
// Inputs: plain text is typed text; /back, /skip, /keep and /cancel are the
// commands; /resume calls Resume; !option ID, !toggle ID, !done and
// !loc LAT LON are button presses and a shared location on the current
// turn; "!stale " before a press sends it with another turn.
func TestTranscripts(t *testing.T) {
	files, err := filepath.Glob("testdata/transcripts/*.txt")
	if err != nil || len(files) == 0 {
		t.Fatalf("got transcripts %v, %v; want some", files, err)
	}
	for _, file := range files {
		t.Run(strings.TrimSuffix(filepath.Base(file), ".txt"), func(t *testing.T) {
			data, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			golden.Check(t, file, replay(t, string(data)))
		})
	}
}

// replay runs the script in a transcript and returns the transcript it
// makes.
func replay(t *testing.T, script string) string {
	t.Helper()
	var out strings.Builder
	env := flow.Env{Lang: "en"}
	var opts flow.Options
	var f *flow.Flow
	var st flow.State
	started := false
	for _, line := range strings.Split(strings.TrimRight(script, "\n"), "\n") {
		switch {
		case strings.HasPrefix(line, "#"):
			out.WriteString(line + "\n")
			key, val, _ := strings.Cut(strings.TrimSpace(strings.TrimPrefix(line, "#")), ":")
			val = strings.TrimSpace(val)
			switch key {
			case "flow":
				f = loadFlow(t, val)
			case "lang":
				env.Lang = val
			case "first_name":
				env.FirstName = val
			case "known":
				k, js, _ := strings.Cut(val, " ")
				var v flow.Value
				if err := json.Unmarshal([]byte(js), &v); err != nil {
					t.Fatalf("known %q: %v", val, err)
				}
				if env.Known == nil {
					env.Known = map[string]flow.Value{}
				}
				env.Known[k] = v
			case "start":
				for _, o := range strings.Fields(val) {
					name, arg, _ := strings.Cut(o, "=")
					switch name {
					case "review":
						opts.Review = true
					case "only":
						opts.Only = arg
					case "turn":
						opts.Turn, _ = strconv.Atoi(arg)
					default:
						t.Fatalf("unknown start option %q", o)
					}
				}
			}
		case strings.HasPrefix(line, "> "):
			if !started {
				t.Fatal("an input comes before the first blank line that starts the run")
			}
			in := strings.TrimPrefix(line, "> ")
			out.WriteString(line + "\n")
			var r flow.Result
			if in == "/resume" {
				r = flow.Resume(f, st, env)
			} else {
				input := parseInput(t, in, st.Turn)
				r = flow.Advance(f, st, input, env)
				checkResult(t, f, st, input, r)
			}
			writeResult(&out, r)
			st = r.State
			// As a host does: a withdrawn answer is no longer held.
			for _, k := range r.Withdrawn {
				delete(env.Known, k)
			}
		case line == "" && !started:
			if f == nil {
				t.Fatal("no # flow: header")
			}
			started = true
			out.WriteString("\n")
			r, ok := flow.Start(f, env, opts)
			if !ok {
				t.Fatalf("Start(only=%q) = false", opts.Only)
			}
			writeResult(&out, r)
			st = r.State
		}
	}
	return out.String()
}

// loadFlow parses a flow of testdata/flows, or at a path with a slash.
func loadFlow(t *testing.T, name string) *flow.Flow {
	t.Helper()
	file := name
	if !strings.Contains(name, "/") {
		file = filepath.Join("testdata", "flows", name)
	}
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	f, problems := flow.Parse(file, data)
	if problems != nil {
		t.Fatalf("flow %s has problems:\n%v", file, problems)
	}
	return f
}

// parseInput reads one "> " line of a transcript.
func parseInput(t *testing.T, line string, turn int) flow.Input {
	t.Helper()
	switch line {
	case "/back":
		return flow.Input{Kind: flow.InputBack}
	case "/skip":
		return flow.Input{Kind: flow.InputSkip}
	case "/keep":
		return flow.Input{Kind: flow.InputKeep}
	case "/cancel":
		return flow.Input{Kind: flow.InputCancel}
	}
	if !strings.HasPrefix(line, "!") {
		return flow.Input{Kind: flow.InputText, Text: line}
	}
	if rest, ok := strings.CutPrefix(line, "!stale "); ok {
		in := parseInput(t, "!"+rest, turn)
		in.Turn = turn - 1
		if in.Turn == 0 {
			in.Turn = turn + 1 // 0 would mean typed, never stale
		}
		return in
	}
	fields := strings.Fields(line[1:])
	arg := func(i int) string {
		if i >= len(fields) {
			t.Fatalf("input %q: want more arguments", line)
		}
		return fields[i]
	}
	switch fields[0] {
	case "option":
		return flow.Input{Kind: flow.InputOption, Option: arg(1), Turn: turn}
	case "toggle":
		return flow.Input{Kind: flow.InputToggle, Option: arg(1), Turn: turn}
	case "done":
		return flow.Input{Kind: flow.InputDone, Turn: turn}
	case "loc":
		lat, err1 := strconv.ParseFloat(arg(1), 64)
		lon, err2 := strconv.ParseFloat(arg(2), 64)
		if err1 != nil || err2 != nil {
			t.Fatalf("input %q: bad coordinates", line)
		}
		return flow.Input{Kind: flow.InputLocation, Lat: lat, Lon: lon, Turn: turn}
	}
	t.Fatalf("unknown input %q", line)
	return flow.Input{}
}

// writeResult renders what the engine returned, indented under the input.
func writeResult(out *strings.Builder, r flow.Result) {
	w := func(format string, args ...any) { fmt.Fprintf(out, "  "+format+"\n", args...) }
	w("outcome: %s", r.Outcome)
	if r.Echo != "" {
		w("echo: %s", r.Echo)
	}
	for _, a := range r.Answers {
		v, _ := json.Marshal(a.Value)
		consent := ""
		if a.Consent != "" {
			consent = " consent=" + a.Consent + " text=" + a.TextVersion
		}
		w("answer: %s (step %s, v%d%s) = %s", a.Key, a.Step, a.Version, consent, v)
	}
	if len(r.Withdrawn) > 0 {
		w("withdrawn: %s", strings.Join(r.Withdrawn, ", "))
	}
	for _, p := range r.Prompts {
		if !p.Question() {
			w("info: %s", oneLine(p.Text))
			if p.Hint != "" {
				w("  hint: %s", oneLine(p.Hint))
			}
			continue
		}
		if p.Problem != "" {
			w("problem: %s", oneLine(p.Problem))
		}
		w("ask #%d %s %s: %s", p.Turn, p.Type, p.Step, oneLine(p.Text))
		if p.Hint != "" {
			w("  hint: %s", oneLine(p.Hint))
		}
		if p.Current != "" {
			w("  current: %s", oneLine(p.Current))
		}
		for i, o := range p.Options {
			tick := ""
			if o.Selected {
				tick = " [x]"
			}
			w("  %d. %s%s (%s)", i+1, o.Label, tick, o.ID)
		}
		var flags []string
		if p.Optional {
			flags = append(flags, "optional")
		}
		if p.CanBack {
			flags = append(flags, "can-back")
		}
		if len(flags) > 0 {
			w("  [%s]", strings.Join(flags, ", "))
		}
	}
	st := r.State
	extra := ""
	if len(st.Selected) > 0 {
		extra += fmt.Sprintf(" selected=%v", st.Selected)
	}
	if st.AwaitingOther {
		extra += " awaiting-other"
	}
	w("state: %s step=%q turn=%d asked=%v%s", st.Status, st.Step, st.Turn, st.Asked, extra)
}

// oneLine keeps a multi-line text on one transcript line.
func oneLine(s string) string { return strings.ReplaceAll(s, "\n", `\n`) }
