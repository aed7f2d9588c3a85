package e2e

import (
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/assetbot/assetbot/internal/flow"
)

// TestLogKeepsNoAnswersOrToken runs the real binary, logging at debug
// level, through a whole resident's journey with answers found nowhere
// else (one of them refused and typed again), /me, an organiser's search
// for one of them, an introduction with its message and the resident's
// share. Then the whole log (standard output and error) must hold none of
// the answers, names or messages, nor the bot token; and the audit must
// show the organiser's reads without the words searched for.
func TestLogKeepsNoAnswersOrToken(t *testing.T) {
	const organiser, resident = 621, 622
	const (
		name       = "Zephyrine"
		organiserN = "Octavius"
		head       = "Quokkajuggling"
		offer      = "Okapi tea on Tuesdays"
		group      = "Narwhal knitting circle"
		address    = "99 Wombat Crescent, LS6 2AB"
		message    = "Meet at the capybara cafe?"
		searched   = "okapi"
	)
	d := newDeployment(t)
	d.extra = "organisers: [" + strconv.Itoa(organiser) + "]\n"
	bot := d.start()

	r := newResident(t, d, resident, name)
	r.command("/start")
	r.play(r.next("Hi "+name+"!"), plan{
		"consent":      {option: "yes"},
		"hands":        {ticks: []string{"cooking"}},
		"head":         {text: head},
		"heart":        {ticks: []string{"food"}},
		"offer":        {text: offer},
		"learn":        {skip: true},
		"time":         {option: "not_now"},
		"groups":       {ticks: []string{"other"}},
		"groups/other": {text: group},
		"group_name":   {skip: true},
		"connector":    {option: "yes"},
		"contact":      {option: "yes"},
		"shown":        {option: "no"},
	}, "area")
	r.say(address, "⚠️") // a full address is refused
	m := r.say("LS6", textSummary)
	r.pick(m, "m", "confirm", textSaved)
	r.command("/me")
	r.next(offer)

	org := newResident(t, d, organiser, organiserN)
	org.command("/find " + searched)
	found := org.next("• " + name + ":")
	org.press(found, org.data(found, "i", ""))
	org.next(botSays(t, flow.MsgIntroduceWrite, "name", name))
	org.send(message)
	org.next(botSays(t, flow.MsgIntroduceSent))
	intro := r.next(message)
	r.press(intro, r.data(intro, "y", ""))
	r.next(botSays(t, flow.MsgIntroductionThanks))
	org.next("tg://user?id=" + strconv.Itoa(resident))
	bot.awaitCallbackAnswers(t, r.presses+org.presses)
	bot.terminate(t)

	log := bot.out.String()
	// The log is the whole run's, at debug level.
	for _, want := range []string{"level=DEBUG", `msg="introduction answered"`, `msg="assetbot stopped"`} {
		if !strings.Contains(log, want) {
			t.Fatalf("the log has no %s: not the whole run's log", want)
		}
	}
	secrets := []string{head, offer, group, address, "Wombat", message, name, organiserN,
		token, url.QueryEscape(token), url.PathEscape(token)}
	for _, s := range secrets {
		if i := strings.Index(strings.ToLower(log), strings.ToLower(s)); i >= 0 {
			t.Errorf("the log holds %q: %s", s, lineAt(log, i))
		}
	}

	// The audit has the search, the introduction and the share, by the
	// organiser, and not what was searched for.
	out := d.cli("audit")
	if strings.Contains(strings.ToLower(out), searched) {
		t.Errorf("the audit holds the words searched for:\n%s", out)
	}
	var got []string
	for _, line := range strings.Split(strings.TrimSpace(out), "\n")[1:] {
		f := strings.Fields(line) // a date, a time, a zone, then who and what
		got = append(got, f[3]+" "+f[4]+" "+f[5])
	}
	who := strconv.Itoa(organiser)
	if want := []string{who + " find 1", who + " introduce 1", who + " introduce 1"}; !slices.Equal(got, want) {
		t.Errorf("audit %q; want %q\n%s", got, want, out)
	}
}

// lineAt returns the line of text around index i.
func lineAt(text string, i int) string {
	start := strings.LastIndexByte(text[:i], '\n') + 1
	end := strings.IndexByte(text[i:], '\n')
	if end < 0 {
		return text[start:]
	}
	return text[start : i+end]
}
