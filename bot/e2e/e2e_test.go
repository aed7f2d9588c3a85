package e2e

import (
	"encoding/json"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/assetbot/assetbot/internal/flow"
)

// TestJourney plays one resident through the whole flow, using every way
// of answering: buttons, ticks, typed text, /back, a stale button, /cancel
// and carrying on, a rejected answer, and the summary at the end.
func TestJourney(t *testing.T) {
	d := newDeployment(t)
	bot := d.start()
	r := newResident(t, d, 101, "Ann")

	// The emulator sends "/start" with no command entity: the text counts.
	m := r.say("/start", "Hi Ann!")
	if !strings.Contains(m.Text, ask(t, "consent")) {
		t.Fatalf("greeting %q; want it to ask for consent", m.Text)
	}
	r.data(m, "o", "no")
	m = r.pick(m, "o", "yes", ask(t, "hands"))

	m = r.tick(m, "cooking")
	m = r.tick(m, "diy")
	m = r.tick(m, "cooking") // and off again
	if got := ticked(m); !slices.Equal(got, []string{"diy"}) {
		t.Fatalf("ticked after cooking, diy, cooking: got %v; want [diy]", got)
	}
	m = r.pick(m, "d", "", ask(t, "head"))
	r.data(m, "s", "") // optional: a Skip button
	r.data(m, "b", "")
	heart := r.say("Local history", ask(t, "heart"))

	r.command("/back")
	m = r.next(ask(t, "head"))
	if !strings.Contains(m.Text, "Local history") {
		t.Errorf("question after /back: got %q; want it to show the answer so far", m.Text)
	}
	r.data(m, "k", "")

	// The heart question is no longer current: its buttons change nothing,
	// the press is answered and the keyboard taken off.
	bot.awaitCallbackAnswers(t, r.presses)
	r.pressStale(heart, r.data(heart, "t", "food"))
	bot.awaitCallbackAnswers(t, r.presses)
	// The next reply is to this answer, so the stale press sent nothing,
	// and the question was still the one asked after /back.
	m = r.say("Birdwatching", ask(t, "heart"))
	m = r.tick(m, "food")
	m = r.tick(m, "green_spaces")
	m = r.pick(m, "d", "", ask(t, "offer"))

	m = r.say("/cancel", firstLine(mustFlow(t).Msg(flow.MsgPaused, "en")))
	if asks(m) {
		t.Errorf("after /cancel: got markup %+v; want none that asks something", m.Markup)
	}
	r.command("/start")
	m = r.next(textResume)
	m = r.pick(m, "m", "continue", ask(t, "offer"))

	m = r.say("A cuppa and a chat", ask(t, "learn"))
	m = r.say("Cooking, Music", ask(t, "time")) // a multi answer typed
	// A double tap: the second press finds the question gone and changes
	// nothing (the next reply taken is to the first press).
	r.press(m, r.data(m, "o", "hour_week"))
	m = r.pick(m, "o", "hour_week", ask(t, "when"))
	// Done with nothing ticked is refused in the callback answer alone.
	r.press(m, r.data(m, "d", ""))
	bot.awaitCallbackAnswers(t, r.presses)
	m = r.tick(m, "weekends")
	m = r.pick(m, "d", "", ask(t, "groups"))
	m = r.tick(m, "other")
	m = r.pick(m, "d", "", ask(t, "groups/other"))
	m = r.say("Book club", ask(t, "group_name"))
	m = r.pick(m, "s", "", ask(t, "connector")) // the map is TestWholeMap's
	m = r.pick(m, "o", "no", ask(t, "contact"))
	m = r.pick(m, "o", "yes", ask(t, "shown"))
	m = r.pick(m, "o", "no", ask(t, "area"))
	m = r.say("12 Acacia Avenue, LS6 2AB", "⚠️")
	if !strings.Contains(m.Text, ask(t, "area")) {
		t.Fatalf("after a full address: got %q; want the area question again", m.Text)
	}
	m = r.say("LS6", textSummary)
	for _, want := range []string{"DIY & repairs", "Birdwatching", "Food, Green spaces", "A cuppa and a chat", "Book club", "LS6"} {
		if !strings.Contains(m.Text, want) {
			t.Errorf("summary %q; want it to mention %q", m.Text, want)
		}
	}
	m = r.pick(m, "m", "confirm", textSaved)
	if !strings.Contains(m.Text, textOffer(t)) {
		t.Errorf("thanks %q; want it to offer to add to the map", m.Text)
	}
	m = r.pick(m, "m", "no_thanks", textAddNothing(t))
	if asks(m) {
		t.Errorf("last message: got markup %+v; want none that asks something", m.Markup)
	}

	bot.awaitCallbackAnswers(t, r.presses)
	bot.terminate(t)
	r.noMore()

	no := false
	d.export().check(t, "Ann", map[string]flow.Value{
		"hands":      {Choices: []string{"diy"}},
		"head":       {Text: "Birdwatching"},
		"heart":      {Choices: []string{"food", "green_spaces"}},
		"offer":      {Text: "A cuppa and a chat"},
		"learn":      {Choices: []string{"cooking", "music"}},
		"time":       {Choice: "hour_week"},
		"when":       {Choices: []string{"weekends"}},
		"groups":     {Other: "Book club"},
		"group_name": {Skipped: true},
		"connector":  {Bool: &no},
		"area":       {Text: "LS6"},
	})
}

// TestConcurrentResidents plays five residents at once, each to the end.
func TestConcurrentResidents(t *testing.T) {
	d := newDeployment(t)
	bot := d.start()
	skills := []string{"cooking", "diy", "gardening", "childcare", "driving", "it_help", "music", "arts_crafts", "languages", "sport"}
	hearts := []string{"young_people", "older_neighbours", "loneliness", "food", "green_spaces"}
	residents := make([]*resident, 5)
	plans := make([]plan, len(residents))
	for i := range residents {
		r := newResident(t, d, int64(1001+i), fmt.Sprintf("Resident%d", i))
		r.fatalf = func(format string, args ...any) {
			t.Errorf(r.name+": "+format, args...)
			runtime.Goexit()
		}
		residents[i] = r
		p := plan{
			"consent":    {option: "yes"},
			"hands":      {ticks: []string{skills[i], skills[i+5]}},
			"head":       {text: fmt.Sprintf("Topic %d", i)},
			"heart":      {ticks: []string{hearts[i]}},
			"offer":      {skip: true},
			"learn":      {skip: true},
			"time":       {option: "hour_month"},
			"when":       {ticks: []string{"varies"}},
			"groups":     {ticks: []string{"residents"}},
			"group_name": {skip: true},
			"connector":  {option: "yes"},
			"contact":    {option: "yes"},
			"shown":      {option: "no"},
			"area":       {text: fmt.Sprintf("LS%d", i+1)},
		}
		if i == len(residents)-1 {
			// "Not right now" leaves out the question about when.
			p["time"] = answer{option: "not_now"}
			delete(p, "when")
			p["groups"] = answer{skip: true}
			delete(p, "group_name")
		}
		plans[i] = p
	}
	var wg sync.WaitGroup
	for i, r := range residents {
		wg.Go(func() {
			m := r.say("/start", "Hi "+r.name+"!")
			m = r.play(m, plans[i], "")
			r.pick(m, "m", "confirm", textSaved)
		})
	}
	wg.Wait()
	if t.Failed() {
		return
	}
	presses := 0
	for _, r := range residents {
		presses += r.presses
	}
	bot.awaitCallbackAnswers(t, presses)
	bot.terminate(t)
	ex := d.export()
	if len(ex.People) != len(residents) {
		t.Errorf("people exported: got %d; want %d", len(ex.People), len(residents))
	}
	for i, r := range residents {
		r.noMore()
		ex.check(t, r.name, plans[i].expected(t))
	}
}

// TestCrashRecovery kills the bot with SIGKILL while three residents are
// part-way through, at rest (every input answered: the emulator forgets an
// update once the bot has fetched it), restarts it on the same database,
// and has them carry on: nothing they answered is lost or stored twice.
func TestCrashRecovery(t *testing.T) {
	d := newDeployment(t)
	bot := d.start()
	a := newResident(t, d, 201, "Avery")
	b := newResident(t, d, 202, "Blake")
	c := newResident(t, d, 203, "Casey")
	planA := plan{
		"consent": {option: "yes"}, "hands": {ticks: []string{"cooking", "sewing"}}, "head": {text: "Bread making"},
		"heart": {ticks: []string{"food"}}, "offer": {text: "Soup"}, "learn": {skip: true}, "time": {option: "one_off"},
		"when": {ticks: []string{"weekends"}}, "groups": {skip: true}, "connector": {option: "yes"},
		"contact": {option: "yes"}, "shown": {option: "yes"}, "area": {text: "LS7"},
	}
	planB := plan{
		"consent": {option: "yes"}, "hands": {ticks: []string{"diy"}}, "head": {text: "Bees"},
		"heart": {ticks: []string{"green_spaces", "safety"}}, "offer": {skip: true}, "learn": {ticks: []string{"music"}},
		"time": {option: "few_hours_week"}, "when": {ticks: []string{"weekday_evening", "weekends"}},
		"groups": {ticks: []string{"allotment"}}, "group_name": {skip: true}, "connector": {option: "no"},
		"contact": {option: "no"}, "shown": {option: "no"}, "area": {text: "Headingley"},
	}
	planC := plan{
		"consent": {option: "yes"}, "hands": {ticks: []string{"music"}}, "head": {skip: true},
		"heart": {ticks: []string{"arts"}}, "offer": {text: "Piano lessons"}, "learn": {skip: true}, "time": {option: "not_now"},
		"groups": {ticks: []string{"choir_band", "other"}}, "groups/other": {text: "Ukulele club"}, "group_name": {skip: true},
		"connector": {skip: true}, "contact": {option: "yes"}, "shown": {option: "no"}, "area": {text: "LS6"},
	}

	// Avery stops with two options ticked, Done not yet pressed; Blake
	// after typing an answer; Casey at a choice.
	ma := a.play(a.say("/start", "Hi Avery!"), planA, "hands")
	ma = a.tick(ma, "cooking")
	ma = a.tick(ma, "sewing")
	mb := b.play(b.say("/start", "Hi Blake!"), planB, "heart")
	mc := c.play(c.say("/start", "Hi Casey!"), planC, "time")

	bot.kill()
	bot = d.start()
	for _, r := range []*resident{a, b, c} {
		r.expectDuplicates()
	}
	// The ticks survived: Done takes them.
	ma = a.pick(ma, "d", "", ask(t, "head"))
	ma = a.play(ma, planA, "")
	mb = b.play(mb, planB, "")
	mc = c.play(mc, planC, "")

	// Killed again with everyone at the summary: the menu survives too.
	bot.kill()
	bot = d.start()
	a.pick(ma, "m", "confirm", textSaved)
	b.pick(mb, "m", "confirm", textSaved)
	c.pick(mc, "m", "confirm", textSaved)

	bot.terminate(t)
	ex := d.export()
	for _, r := range []*resident{a, b, c} {
		r.noMore()
		t.Logf("%s: %d message(s) sent again after the restart", r.name, r.duplicates)
	}
	ex.check(t, "Avery", planA.expected(t))
	ex.check(t, "Blake", planB.expected(t))
	ex.check(t, "Casey", planC.expected(t))
}

// TestSIGTERM stops the bot with SIGTERM part-way through a conversation:
// it exits 0 within a few seconds, and after a restart the resident
// carries on where they were.
func TestSIGTERM(t *testing.T) {
	d := newDeployment(t)
	bot := d.start()
	r := newResident(t, d, 301, "Dana")
	m := r.say("/start", "Hi Dana!")
	m = r.pick(m, "o", "yes", ask(t, "hands"))
	m = r.tick(m, "it_help")
	bot.terminate(t)

	bot = d.start()
	r.pick(m, "d", "", ask(t, "head"))
	r.say("/skip", ask(t, "heart"))
	bot.terminate(t)
	r.noMore()
	d.export().check(t, "Dana", plan{
		"consent": {option: "yes"}, "hands": {ticks: []string{"it_help"}}, "head": {skip: true},
	}.expected(t))
}

// TestWebhook has the bot take updates by webhook: the emulator posts each
// update to the bot. One resident, one input at a time: telegram-test-api
// 4.2.1 numbers an update before posting it and counts on only once the
// post returns, so updates sent while another is being posted share its
// update_id, and the bot rightly drops them as repeats.
func TestWebhook(t *testing.T) {
	d := newDeployment(t)
	d.webhook = true
	bot := d.start()
	r := newResident(t, d, 401, "Eli")
	p := plan{
		"consent": {option: "yes"}, "hands": {ticks: []string{"diy", "it_help"}}, "head": {text: "Maps"},
		"heart": {ticks: []string{"housing"}},
	}
	r.play(r.say("/start", "Hi Eli!"), p, "offer")
	bot.awaitCallbackAnswers(t, r.presses)
	bot.terminate(t)
	r.noMore()
	d.export().check(t, "Eli", p.expected(t))
}

// exported is the JSON export, as far as the tests read it.
type exported struct {
	Flow   string `json:"flow"`
	People []struct {
		ID               int64     `json:"id"`
		FirstName        string    `json:"first_name"`
		EntryConfirmedAt time.Time `json:"entry_confirmed_at"`
		Answers          []struct {
			Key         string     `json:"key"`
			Value       flow.Value `json:"value"`
			ConfirmedAt time.Time  `json:"confirmed_at"`
		} `json:"answers"`
	} `json:"people"`
	Assets []exportedAsset `json:"assets"`
	Links  []exportedLink  `json:"links"`
}

func decodeExport(t *testing.T, data []byte) exported {
	t.Helper()
	var ex exported
	if err := json.Unmarshal(data, &ex); err != nil {
		t.Fatalf("decode export: %v\n%s", err, data)
	}
	return ex
}

// check compares the answers exported for the one person called name with
// want: each key exactly once, with the value wanted.
func (ex exported) check(t *testing.T, name string, want map[string]flow.Value) {
	t.Helper()
	var found []int
	for i, p := range ex.People {
		if p.FirstName == name {
			found = append(found, i)
		}
	}
	if len(found) != 1 {
		t.Errorf("people called %s exported: got %d; want 1", name, len(found))
		return
	}
	got := map[string]flow.Value{}
	for _, a := range ex.People[found[0]].Answers {
		if _, dup := got[a.Key]; dup {
			t.Errorf("%s: answer %s exported more than once", name, a.Key)
		}
		got[a.Key] = a.Value
	}
	for key, w := range want {
		g, ok := got[key]
		switch {
		case !ok:
			t.Errorf("%s: answer %s missing from the export; want %s", name, key, show(w))
		case !g.Equal(w):
			t.Errorf("%s: answer %s: got %s; want %s", name, key, show(g), show(w))
		}
	}
	for key, g := range got {
		if _, ok := want[key]; !ok {
			t.Errorf("%s: unexpected answer %s = %s in the export", name, key, show(g))
		}
	}
}

func show(v flow.Value) string {
	data, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprintf("%+v", v)
	}
	return string(data)
}
