package e2e

import (
	"regexp"
	"strings"
	"testing"
)

var (
	addedCode  = regexp.MustCompile(`code: (\S+)`)
	inviteLink = regexp.MustCompile(`\?start=(r[A-Za-z0-9_-]{15})`)
)

// TestVolunteers plays two volunteers' links and a resident's invitation:
// the counts `assetbot volunteer list` shows match what happened exactly.
func TestVolunteers(t *testing.T) {
	d := newDeployment(t)
	bot := d.start()
	code := func(name string) string {
		t.Helper()
		m := addedCode.FindStringSubmatch(d.cli("volunteer", "add", name))
		if m == nil {
			t.Fatalf("volunteer add %s printed no code", name)
		}
		return m[1]
	}
	ann, bea := code("Ann"), code("Bea")
	p := shortPlan()
	// finish plays a resident who started through link code to the end and
	// returns their own invitation code, from the thanks.
	finish := func(id int64, name, code string) string {
		r := newResident(t, d, id, name)
		r.command("/start " + code)
		m := r.play(r.next("Hi "+name+"!"), p, "")
		m = r.pick(m, "m", "confirm", textSaved)
		got := inviteLink.FindStringSubmatch(m.Text)
		if got == nil {
			t.Fatalf("%s's thanks %q; want their own link", name, m.Text)
		}
		return got[1]
	}
	finish(401, "Cara", ann)
	dan := newResident(t, d, 402, "Dan") // through Ann's link, never finishes
	dan.command("/start " + ann)
	dan.next("Hi Dan!")
	eve := finish(403, "Eve", bea)
	fay := finish(404, "Fay", eve)       // brought by Eve: Bea's chain grows
	gus := newResident(t, d, 405, "Gus") // brought by Fay, never finishes
	gus.command("/start " + fay)
	gus.next("Hi Gus!")
	// A later, different link changes nothing: first touch wins.
	dan.command("/start " + bea)
	dan.next("")
	bot.terminate(t)

	list := d.cli("volunteer", "list")
	for name, want := range map[string]string{
		// started, finished, brought others, longest chain
		"Ann": "active  2        1         0               1",
		"Bea": "active  1        1         1               3",
	} {
		var line string
		for l := range strings.Lines(list) {
			if strings.Contains(l, " "+name+" ") {
				line = l
			}
		}
		if !strings.Contains(strings.Join(strings.Fields(line), " "), strings.Join(strings.Fields(want), " ")) {
			t.Errorf("volunteer list for %s: %q; want %q\n%s", name, line, want, list)
		}
	}
}
