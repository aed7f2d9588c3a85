package bot

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/assetbot/assetbot/bot/fakeapi"
	"github.com/assetbot/assetbot/internal/flow"
	"github.com/assetbot/assetbot/internal/store"
)

// TestResidentFlowByButtons takes a resident through the whole resident
// flow as a person would: pressing the buttons the bot shows (choices,
// toggles, Done, back, skip, keep) and typing where a question asks for
// text, and checks what the bot does at each step and what it stores.
func TestResidentFlowByButtons(t *testing.T) {
	h := newHarness(t, fakeapi.Options{})
	const ann = 501
	r := h.resident(t, ann, "Ann")

	r.say("/start")
	consent := r.asked("consent")
	if !strings.Contains(consent.Text, "Hi Ann") {
		t.Errorf("first message %q; want the welcome with the person's name", consent.Text)
	}
	if got := consent.Markup.ButtonData("o:"); len(got) != 3 {
		t.Fatalf("consent buttons %v; want yes, no and under age", got)
	}

	r.press(consent, button(t, consent, "o", "yes"))
	hands := r.pressed(consent, "Yes, and I'm 16 or over")
	if !strings.Contains(hands.Text, marker("hands")) {
		t.Fatalf("after consent got %q; want the hands question", hands.Text)
	}
	if got := hands.Markup.ButtonData("d:"); len(got) != 1 {
		t.Fatalf("hands has Done buttons %v; want one", got)
	}

	// Ticks are shown in place: tick cooking and gardening, untick and
	// tick gardening again, tick "something else".
	ticked := func(e fakeapi.Sent) []string {
		var out []string
		for _, b := range e.Markup.InlineButtons() {
			if strings.HasPrefix(b.Text, "✅ ") {
				_, id, _ := strings.Cut(strings.TrimPrefix(b.CallbackData, "t:"), ":")
				out = append(out, id)
			}
		}
		slices.Sort(out)
		return out
	}
	for _, step := range []struct {
		option string
		want   []string
	}{
		{"cooking", []string{"cooking"}},
		{"gardening", []string{"cooking", "gardening"}},
		{"gardening", []string{"cooking"}},
		{"gardening", []string{"cooking", "gardening"}},
		{"other", []string{"cooking", "gardening", "other"}},
	} {
		r.press(hands, button(t, hands, "t", step.option))
		e := r.toggled(hands)
		if got := ticked(e); !slices.Equal(got, step.want) {
			t.Fatalf("after toggling %s the ticked buttons are %v; want %v", step.option, got, step.want)
		}
		if got := e.Markup.ButtonData("d:"); len(got) != 1 {
			t.Fatalf("after a toggle the Done buttons are %v; want one", got)
		}
	}

	// Done with "something else" ticked asks what else.
	r.press(hands, button(t, hands, "d", ""))
	other := r.pressed(hands, "")
	if !strings.Contains(other.Text, "What else could you show someone?") {
		t.Fatalf("after Done got %q; want the something-else question", other.Text)
	}
	r.say("Bike repair")
	head := r.asked("head")
	if head.Markup == nil || len(head.Markup.ButtonData("s:")) != 1 || len(head.Markup.ButtonData("b:")) != 1 {
		t.Fatalf("head keyboard %+v; want back and skip buttons", head.Markup)
	}

	// Back shows the hands answer ticked, with a button to keep it.
	r.press(head, button(t, head, "b", ""))
	handsAgain := r.pressed(head, "")
	if !strings.Contains(handsAgain.Text, marker("hands")) {
		t.Fatalf("after back got %q; want the hands question again", handsAgain.Text)
	}
	if got := ticked(handsAgain); !slices.Equal(got, []string{"cooking", "gardening", "other"}) {
		t.Errorf("after back the ticked buttons are %v; want the answer given", got)
	}
	if !strings.Contains(handsAgain.Text, "Bike repair") {
		t.Errorf("after back the question %q does not show the answer so far", handsAgain.Text)
	}
	keep := button(t, handsAgain, "k", "")
	if !strings.Contains(label(handsAgain, keep), "Cooking") {
		t.Errorf("keep button %q; want it to show the answer", label(handsAgain, keep))
	}
	r.press(handsAgain, keep)
	head = r.pressed(handsAgain, "Cooking, Gardening, Bike repair")
	if !strings.Contains(head.Text, marker("head")) {
		t.Fatalf("after keep got %q; want the head question", head.Text)
	}

	r.say("Local history of the canal")
	r.asked("heart")
	r.say("green spaces, food")
	offer := r.asked("offer")

	r.press(offer, button(t, offer, "s", ""))
	learn := r.pressed(offer, "(skipped)")
	if !strings.Contains(learn.Text, marker("learn")) {
		t.Fatalf("after skip got %q; want the learn question", learn.Text)
	}
	r.press(learn, button(t, learn, "d", ""))
	timeQ := r.pressed(learn, "(skipped)")
	if !strings.Contains(timeQ.Text, marker("time")) {
		t.Fatalf("after Done with nothing ticked got %q; want the time question", timeQ.Text)
	}

	r.press(timeQ, button(t, timeQ, "o", "hour_week"))
	when := r.pressed(timeQ, "About an hour a week")
	if !strings.Contains(when.Text, marker("when")) {
		t.Fatalf("after time got %q; want the when question", when.Text)
	}
	for _, o := range []string{"varies", "weekends"} {
		r.press(when, button(t, when, "t", o))
		r.toggled(when)
	}
	r.press(when, button(t, when, "d", ""))
	groups := r.pressed(when, "Weekends, It varies")
	if !strings.Contains(groups.Text, marker("groups")) {
		t.Fatalf("after when got %q; want the groups question", groups.Text)
	}
	r.press(groups, button(t, groups, "t", "residents"))
	r.toggled(groups)
	r.press(groups, button(t, groups, "d", ""))
	groupName := r.pressed(groups, "Residents' group")
	if !strings.Contains(groupName.Text, marker("group_name")) {
		t.Fatalf("after groups got %q; want the group's name", groupName.Text)
	}
	r.say("Hyde Park Allotments")
	connector := r.asked("connector")
	r.press(connector, button(t, connector, "o", "no"))
	contact := r.pressed(connector, "No")
	if !strings.Contains(contact.Text, marker("contact")) {
		t.Fatalf("after connector got %q; want the contact question", contact.Text)
	}
	r.press(contact, button(t, contact, "o", "yes"))
	shown := r.pressed(contact, "Yes")
	r.press(shown, button(t, shown, "o", "no"))
	area := r.pressed(shown, "No")
	if !strings.Contains(area.Text, marker("area")) {
		t.Fatalf("after the consents got %q; want the area question", area.Text)
	}

	r.say("LS6")
	summary := r.asked("summary")
	for _, want := range []string{"Thank you, Ann!", "Cooking, Gardening, Bike repair", "Local history of the canal", "Food, Green spaces", "About an hour a week", "Weekends, It varies", "Residents' group", "LS6"} {
		if !strings.Contains(summary.Text, want) {
			t.Errorf("summary %q does not say %q", summary.Text, want)
		}
	}
	confirm := button(t, summary, "m", "confirm")
	r.press(summary, confirm)
	done := r.pressed(summary, label(summary, confirm))
	// The thanks, then the group named, which is not on the map yet.
	if !strings.Contains(done.Text, "That's all saved") || !strings.Contains(done.Text, "Now, about “Hyde Park Allotments”") {
		t.Errorf("after confirming got %q; want the thanks, then questions about the group named", done.Text)
	}

	if n := h.fake.UnansweredCallbacks(); n != 0 {
		t.Errorf("%d button presses were never answered", n)
	}
	if n := h.fake.Duplicates(ann); n != 0 {
		t.Errorf("%d messages were sent twice", n)
	}

	// The store holds the answers, and the consent that lets organisers see them.
	records, err := h.store.Consented(context.Background(), "resident", "map")
	if err != nil {
		t.Fatal(err)
	}
	i := slices.IndexFunc(records, func(rec store.Record) bool { return rec.Person.ChannelUserID == strconv.Itoa(ann) })
	if i < 0 {
		t.Fatalf("person %d is not among those who consented: %+v", ann, records)
	}
	rec := records[i]
	if rec.Person.FirstName != "Ann" {
		t.Errorf("stored first name %q; want Ann", rec.Person.FirstName)
	}
	got := map[string]flow.Value{}
	for _, a := range rec.Answers {
		got[a.Key] = a.Value
	}
	no := false
	want := map[string]flow.Value{
		"hands":      {Choices: []string{"cooking", "gardening"}, Other: "Bike repair"},
		"head":       {Text: "Local history of the canal"},
		"heart":      {Choices: []string{"food", "green_spaces"}},
		"offer":      {Skipped: true},
		"learn":      {Skipped: true},
		"time":       {Choice: "hour_week"},
		"when":       {Choices: []string{"weekends", "varies"}},
		"groups":     {Choices: []string{"residents"}},
		"group_name": {Text: "Hyde Park Allotments", New: true},
		"connector":  {Bool: &no},
		"area":       {Text: "LS6"},
	}
	for k, w := range want {
		if g, ok := got[k]; !ok || !g.Equal(w) {
			t.Errorf("stored %s = %+v; want %+v", k, g, w)
		}
	}
	for k := range got {
		if _, ok := want[k]; !ok && k != "consent" {
			t.Errorf("stored an unexpected answer %s = %+v", k, got[k])
		}
	}
}

// TestMultiAnswerWithOtherInOptionOrder checks that a multi answer is
// stored in the order of the options however it was ticked, with or
// without "something else".
func TestMultiAnswerWithOtherInOptionOrder(t *testing.T) {
	h := newHarness(t, fakeapi.Options{})
	for _, tc := range []struct {
		name  string
		user  int64
		ticks []string
		other string
		want  flow.Value
	}{
		{"options only", 511, []string{"gardening", "cooking"}, "", flow.Value{Choices: []string{"cooking", "gardening"}}},
		{"with something else", 512, []string{"gardening", "cooking", "other"}, "Bike repair", flow.Value{Choices: []string{"cooking", "gardening"}, Other: "Bike repair"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := h.resident(t, tc.user, "Mo")
			hands := r.reach("hands")["hands"]
			for _, o := range tc.ticks {
				r.press(hands, button(t, hands, "t", o))
				r.toggled(hands)
			}
			r.press(hands, button(t, hands, "d", ""))
			next := r.pressed(hands, "")
			if tc.other != "" {
				r.say(tc.other)
				next = r.reply()
			}
			if !strings.Contains(next.Text, marker("head")) {
				t.Fatalf("got %q; want the head question", next.Text)
			}
			got, _ := h.answers(t, tc.user)
			if !got["hands"].Equal(tc.want) {
				t.Errorf("stored hands %+v; want %+v", got["hands"], tc.want)
			}
		})
	}
}
