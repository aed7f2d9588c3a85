package terminal_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"github.com/assetbot/assetbot/internal/golden"
	"io"
	"log/slog"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/assetbot/assetbot/flows"
	"github.com/assetbot/assetbot/internal/conversation"
	"github.com/assetbot/assetbot/internal/flow"
	"github.com/assetbot/assetbot/internal/mydata"
	"github.com/assetbot/assetbot/internal/store"
	"github.com/assetbot/assetbot/internal/terminal"
)

// now is the fixed time of every transcript.
var now = time.Date(2026, 3, 14, 9, 30, 0, 0, time.UTC)

// testFlows returns the shipped flows and the test flows in testdata/flows.
func testFlows(t *testing.T) map[string]*flow.Flow {
	t.Helper()
	shipped, problems := flow.LoadFS(flows.FS, ".")
	if problems != nil {
		t.Fatal(problems)
	}
	extra, problems := flow.LoadFS(os.DirFS("testdata/flows"), ".")
	if problems != nil {
		t.Fatal(problems)
	}
	all := maps.Clone(shipped)
	maps.Copy(all, extra)
	return all
}

// typist feeds a session one line per Read and echoes each line to out as
// a terminal shows what the person typed, so transcripts read as a dialogue.
type typist struct {
	lines []string
	out   io.Writer
	rest  string
}

func (ty *typist) Read(p []byte) (int, error) {
	if ty.rest == "" {
		if len(ty.lines) == 0 {
			return 0, io.EOF
		}
		ty.rest = ty.lines[0] + "\n"
		ty.lines = ty.lines[1:]
		fmt.Fprint(ty.out, ty.rest)
	}
	n := copy(p, ty.rest)
	ty.rest = ty.rest[n:]
	return n, nil
}

// script is one session of a transcript: who talks, to which flow, saying what.
type script struct {
	user, flow, lang string
	lines            []string
}

// parseScript reads a transcript's input. Lines starting with "#!" are
// directives: "#! session" starts a new session on the same database,
// "#! user NAME", "#! flow ID" and "#! lang TAG" set who talks, the main
// flow and the language their channel says they speak from then on.
// Other lines starting with "#" are comments; the rest is typed.
func parseScript(t *testing.T, data string) []script {
	t.Helper()
	cur := script{user: "Alice", flow: "resident", lang: "en"}
	var sessions []script
	for i, line := range strings.Split(strings.TrimSuffix(data, "\n"), "\n") {
		directive, ok := strings.CutPrefix(line, "#!")
		switch {
		case ok:
			name, arg, _ := strings.Cut(strings.TrimSpace(directive), " ")
			switch name {
			case "session":
				sessions = append(sessions, cur)
				cur.lines = nil
			case "user":
				cur.user = arg
			case "flow":
				cur.flow = arg
			case "lang":
				cur.lang = arg
			default:
				t.Fatalf("line %d: unknown directive %q", i+1, line)
			}
		case strings.HasPrefix(line, "#"):
		default:
			cur.lines = append(cur.lines, line)
		}
	}
	return append(sessions, cur)
}

// play runs the sessions one after another on the database file at path,
// closing and reopening it between them, and returns everything shown.
func play(t *testing.T, fl map[string]*flow.Flow, path string, sessions []script) string {
	t.Helper()
	var out bytes.Buffer
	for i, sc := range sessions {
		st, err := store.Open(context.Background(), path, store.WithClock(func() time.Time { return now }), store.WithFlows(fl))
		if err != nil {
			t.Fatal(err)
		}
		svc, err := conversation.New(fl, sc.flow, slog.New(slog.DiscardHandler), conversation.WithStore(st))
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&out, "=== session %d: %s, flow %s\n", i+1, sc.user, sc.flow)
		s := &terminal.Session{
			Store: st, Service: svc,
			User: conversation.Identity{Channel: "terminal", UserID: strings.ToLower(sc.user), FirstName: sc.user, Language: sc.lang},
			In:   &typist{lines: sc.lines, out: &out}, Out: &out,
		}
		err = s.Run(context.Background())
		if cerr := st.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			t.Fatalf("session %d: %v", i+1, err)
		}
	}
	return out.String()
}

// TestTranscripts plays each testdata/*.in and compares what the terminal
// shows with testdata/*.golden. Run with -update to rewrite the golden
// files, then read the diff.
func TestTranscripts(t *testing.T) {
	fl := testFlows(t)
	inputs, err := filepath.Glob("testdata/*.in")
	if err != nil || len(inputs) == 0 {
		t.Fatalf("no transcripts in testdata (%v)", err)
	}
	for _, in := range inputs {
		name := strings.TrimSuffix(filepath.Base(in), ".in")
		t.Run(name, func(t *testing.T) {
			data, err := os.ReadFile(in)
			if err != nil {
				t.Fatal(err)
			}
			golden.Check(t, strings.TrimSuffix(in, ".in")+".golden", play(t, fl, filepath.Join(t.TempDir(), "assetbot.db"), parseScript(t, string(data))))
		})
	}
}

// TestLookupBadStoresNothingHalf plays testdata/lookup_bad.in and checks
// that the awkward names typed at the lookup left nothing on the map: it
// holds the twenty clubs the transcript adds first, each with a name of
// at most maxName characters.
func TestLookupBadStoresNothingHalf(t *testing.T) {
	const (
		clubs   = 20
		maxName = 120 // the longest name a lookup or the association flow takes
	)
	data, err := os.ReadFile("testdata/lookup_bad.in")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "assetbot.db")
	play(t, testFlows(t), path, parseScript(t, string(data)))
	st, err := store.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	var names []string
	err = st.Assets(context.Background(), "", func(a store.Asset) error {
		names = append(names, a.Name)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(names) != clubs {
		t.Errorf("got %d assets %q; want the %d clubs", len(names), names, clubs)
	}
	for _, name := range names {
		if n := utf8.RuneCountInString(name); strings.TrimSpace(name) == "" || n > maxName {
			t.Errorf("asset named %.40q (%d characters): want a name of 1 to %d characters", name, n, maxName)
		}
	}
}

// TestRunStops checks the ways a session ends: end of input, /quit, and a
// cancelled context.
func TestRunStops(t *testing.T) {
	fl := testFlows(t)
	const next = "What could you happily show"
	tests := []struct {
		name   string
		input  string
		cancel bool // cancel the context before the session starts
		want   string
		unwant string
	}{
		{name: "end of input", input: "yes\n", want: next},
		{name: "no newline at the end", input: "yes", want: next},
		{name: "quit", input: "/quit\nno\n", unwant: "No problem at all"},
		{name: "quit with spaces", input: "  /quit \nno\n", unwant: "No problem at all"},
		{name: "cancelled", input: "yes\n", cancel: true, unwant: next},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "assetbot.db"))
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			svc, err := conversation.New(fl, "resident", slog.New(slog.DiscardHandler))
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			if tt.cancel {
				cancel()
			}
			var out bytes.Buffer
			s := &terminal.Session{Store: st, Service: svc, User: conversation.Identity{Channel: "terminal", UserID: "alice", FirstName: "Alice"},
				In: strings.NewReader(tt.input), Out: &out}
			// A cancelled context may stop the greeting itself.
			if err := s.Run(ctx); err != nil && !tt.cancel {
				t.Fatalf("Run: %v", err)
			}
			if tt.want != "" && !strings.Contains(out.String(), tt.want) {
				t.Errorf("output lacks %q:\n%s", tt.want, out.String())
			}
			if tt.unwant != "" && strings.Contains(out.String(), tt.unwant) {
				t.Errorf("output has %q:\n%s", tt.unwant, out.String())
			}
		})
	}
}

// TestLongLine checks that a line longer than the session reads is an
// error, not a silent cut.
func TestLongLine(t *testing.T) {
	fl := testFlows(t)
	st, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "assetbot.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	svc, err := conversation.New(fl, "resident", slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	in := strings.NewReader("yes\n" + strings.Repeat("x", 100*1024) + "\n")
	s := &terminal.Session{Store: st, Service: svc, User: conversation.Identity{Channel: "terminal", UserID: "alice"}, In: in, Out: io.Discard}
	if err := s.Run(context.Background()); err == nil || !strings.Contains(err.Error(), "read input") {
		t.Errorf("Run with a 100 KiB line: got %v; want a read error", err)
	}
}

// TestMyData: /mydata in the terminal prints the message and saves the
// document in the session's folder, readable by its owner only, and says
// where.
func TestMyData(t *testing.T) {
	dir := t.TempDir()
	st, err := store.Open(context.Background(), filepath.Join(dir, "assetbot.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	svc, err := conversation.New(testFlows(t), "resident", slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	s := &terminal.Session{Store: st, Service: svc, User: conversation.Identity{Channel: "terminal", UserID: "alice", FirstName: "Alice"},
		In: strings.NewReader("yes\nCooking\n/mydata\n"), Out: &out, DataDir: dir}
	if err := s.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, mydata.FileName)
	for _, want := range []string{"• Skills to share: Cooking", svc.Text("en", flow.MsgTermMyData, "path", path)} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if mode := info.Mode().Perm(); mode != 0o600 {
		t.Errorf("%s has mode %v; want 0600", path, mode)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Person struct {
			FirstName string `json:"first_name"`
		} `json:"person"`
	}
	if err := json.Unmarshal(data, &doc); err != nil || doc.Person.FirstName != "Alice" {
		t.Errorf("saved %s (%v); want Alice's data", data, err)
	}
}
