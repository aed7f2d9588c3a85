package bot

import (
	"reflect"
	"strings"
	"testing"

	"github.com/assetbot/assetbot/bot/fakeapi"
	"github.com/assetbot/assetbot/internal/flow"
)

// unknownProbe is a command the bot does not know, whose reply the refused
// organiser commands are held to.
const unknownProbe = "/frobnicate"

// sameReply fails unless got is, byte for byte, the message want was, but
// for its message id and the time it was sent.
func sameReply(t *testing.T, what string, got, want fakeapi.Sent) {
	t.Helper()
	if got.Method != want.Method || got.Text != want.Text || !reflect.DeepEqual(got.Markup, want.Markup) || got.File != want.File {
		t.Errorf("%s = %s %q markup %+v; want the unknown-command reply %s %q markup %+v",
			what, got.Method, got.Text, got.Markup, want.Method, want.Text, want.Markup)
	}
	for _, p := range []string{"parse_mode", "reply_markup", "disable_web_page_preview"} {
		if g, w := got.Params.Get(p), want.Params.Get(p); g != w {
			t.Errorf("%s: %s = %q; want %q as for an unknown command", what, p, g, w)
		}
	}
}

// TestOrganiserCommandsRefused sends every organiser command, in several
// shapes and languages, from someone who is not an organiser: each reply
// must be the one a command the bot does not know gets, and each attempt
// is logged with who and which command, never what followed it.
func TestOrganiserCommandsRefused(t *testing.T) {
	t.Parallel()
	h := newIdleHarness(t, fakeapi.Options{})
	logs := newLogBuffer()
	h.logOut = logs
	const organiser = 7100
	h.opts = []Option{WithOrganisers([]int64{organiser})}
	h.start(testConfig(h.fake))

	// The secret is what follows the command: it must not reach the log.
	const secret = "Zebedee Quartermaine"
	shapes := []struct {
		name string
		word func(cmd string) string
		args string
	}{
		{"bare", func(c string) string { return c }, ""},
		{"with arguments", func(c string) string { return c }, " " + secret},
		{"upper case", strings.ToUpper, ""},
		{"addressed to the bot", func(c string) string { return c + "@" + fakeapi.BotUsername }, " " + secret},
	}
	langs := []struct {
		code string
		user int64
	}{{"en", 7101}, {"cy", 7102}}
	for _, lang := range langs {
		h.fake.SetLanguage(lang.user, lang.code)
		r := h.resident(t, lang.user, "Rhys")
		r.say(unknownProbe)
		probe := h.next(lang.user)
		if want := h.bot.svc.Text(lang.code, flow.MsgUnknownCommand, "command", unknownProbe); probe.Text != want {
			t.Fatalf("%s in %s = %q; want %q", unknownProbe, lang.code, probe.Text, want)
		}
		for _, cmd := range organiserCommands {
			for _, shape := range shapes {
				word := shape.word(cmd)
				t.Run(lang.code+" "+cmd+" "+shape.name, func(t *testing.T) {
					r.say(word + shape.args)
					got := h.next(lang.user)
					want := probe
					want.Text = strings.Replace(probe.Text, unknownProbe, word, 1)
					sameReply(t, word+shape.args, got, want)
				})
			}
		}
	}
	for _, cmd := range organiserCommands {
		logs.waitFor(t, "command="+cmd)
	}
	log := logs.String()
	if !strings.Contains(log, `msg="organiser command from someone not an organiser" user_id=7101`) {
		t.Errorf("the log does not name the user refused:\n%s", log)
	}
	if strings.Contains(log, "Zebedee") {
		t.Errorf("the log holds the text of a refused command:\n%s", log)
	}
}

// TestOrganisersReloaded changes the organisers while the bot runs, as a
// config reload does: a command refused before is allowed at once after,
// and refused again once the person is taken off the list.
func TestOrganisersReloaded(t *testing.T) {
	t.Parallel()
	h := newIdleHarness(t, fakeapi.Options{})
	const ann, bea = 7200, 7201
	h.opts = []Option{WithOrganisers([]int64{bea})}
	h.start(testConfig(h.fake))
	r := h.resident(t, ann, "Ann")
	unknown := en(flow.MsgUnknownCommand, "command", cmdVolunteers)

	steps := []struct {
		name       string
		organisers []int64
		added      int
		removed    int
		want       string
	}{
		{"not listed", nil, 0, 0, unknown},
		{"added", []int64{bea, ann}, 1, 0, en(flow.MsgVolunteersNone)},
		{"the same list again", []int64{ann, bea}, 0, 0, en(flow.MsgVolunteersNone)},
		{"removed", []int64{bea}, 0, 1, unknown},
		{"list emptied", []int64{}, 0, 1, unknown},
	}
	for i, s := range steps {
		if i > 0 {
			added, removed := h.bot.SetOrganisers(s.organisers)
			if added != s.added || removed != s.removed {
				t.Errorf("%s: SetOrganisers = %d added, %d removed; want %d, %d", s.name, added, removed, s.added, s.removed)
			}
		}
		r.say(cmdVolunteers)
		if got := h.next(ann).Text; got != s.want {
			t.Errorf("%s: /volunteers = %q; want %q", s.name, got, s.want)
		}
	}
}

// TestSetOrganisersWhileHandling swaps the organisers while commands are
// being handled: the race detector checks the swap.
func TestSetOrganisersWhileHandling(t *testing.T) {
	t.Parallel()
	h := newHarness(t, fakeapi.Options{})
	const user, commands = 7300, 20
	r := h.resident(t, user, "Cai")
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := range commands {
			if i%2 == 0 {
				h.bot.SetOrganisers([]int64{user})
			} else {
				h.bot.SetOrganisers(nil)
			}
		}
	}()
	for range commands {
		r.say(cmdVolunteers)
	}
	<-done
	allowed, refused := en(flow.MsgVolunteersNone), en(flow.MsgUnknownCommand, "command", cmdVolunteers)
	for i := range commands {
		if got := h.next(user).Text; got != allowed && got != refused {
			t.Errorf("reply %d = %q; want %q or %q", i, got, allowed, refused)
		}
	}
}
