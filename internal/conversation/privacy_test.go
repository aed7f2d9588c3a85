package conversation

import (
	"database/sql"
	"strings"
	"testing"
	"time"

	"github.com/assetbot/assetbot/internal/flow"
	"github.com/assetbot/assetbot/internal/referral"
	"github.com/assetbot/assetbot/internal/store"
)

// consentTo answers yes to the consent questions to being contacted and
// shown, in turn, and no to the others among purposes; it fails unless the
// flow then asks for the area.
func (p *person) consentTo(purposes ...string) {
	p.t.Helper()
	for _, step := range []string{"contact", "shown"} {
		asks(p.t, p.last, step)
		answer := flow.No
		for _, purpose := range purposes {
			if purpose == step {
				answer = flow.Yes
			}
		}
		p.press(answer)
	}
	asks(p.t, p.last, "area")
}

// decisions returns the person's consent decisions in force, by purpose.
func (p *person) decisions() map[string]store.ConsentRecord {
	p.t.Helper()
	got := map[string]store.ConsentRecord{}
	p.update(func(tx *store.Tx) error {
		sp, err := tx.Person(p.id.Channel, p.id.UserID)
		if err != nil {
			return err
		}
		cs, err := tx.Consents(sp.ID)
		for _, c := range cs {
			got[c.Purpose] = c
		}
		return err
	})
	return got
}

// rows counts the rows of each table in the world's database, read apart
// from the service.
func (w *world) rows(tables ...string) map[string]int {
	w.t.Helper()
	db, err := sql.Open("sqlite3", w.path)
	if err != nil {
		w.t.Fatal(err)
	}
	defer db.Close()
	got := map[string]int{}
	for _, table := range tables {
		var n int
		if err := db.QueryRow(`SELECT COUNT(*) FROM ` + table).Scan(&n); err != nil {
			w.t.Fatalf("count %s: %v", table, err)
		}
		got[table] = n
	}
	return got
}

// personal are the tables that hold something of a person.
var personal = []string{"people", "consents", "conversations", "answers", "answer_history", "referrals", "reminders", "links", "introductions"}

func TestConsentPerPurpose(t *testing.T) {
	tests := []struct {
		name       string
		contact    string
		shown      string
		wantGrants map[string]bool
	}{
		{"all three", flow.Yes, flow.Yes, map[string]bool{"map": true, "contact": true, "shown": true}},
		{"map only", flow.No, flow.No, map[string]bool{"map": true, "contact": false, "shown": false}},
		{"contact, not shown", flow.Yes, flow.No, map[string]bool{"map": true, "contact": true, "shown": false}},
		{"shown, not contact", flow.No, flow.Yes, map[string]bool{"map": true, "contact": false, "shown": true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newWorld(t, shippedFlows(t))
			p := w.person("Ada")
			p.answerUpTo("contact")
			asks(t, p.press(tt.contact), "shown")
			asks(t, p.press(tt.shown), "area")
			shows(t, p.say("LS6"), menuSummary)
			got := p.decisions()
			for purpose, granted := range tt.wantGrants {
				c, ok := got[purpose]
				if !ok || c.Granted != granted {
					t.Errorf("%s: %+v (recorded %v); want granted=%v", purpose, c, ok, granted)
				}
				step := map[string]string{"map": "consent"}[purpose]
				if step == "" {
					step = purpose
				}
				if prefix := "resident@1/" + step + "/en/"; !strings.HasPrefix(c.TextVersion, prefix) || !c.At.Equal(t0) {
					t.Errorf("%s: text version %q at %v; want %s... at %v", purpose, c.TextVersion, c.At, prefix, t0)
				}
			}
			// Whatever they said to contact and shown, their answers stay.
			if n := len(p.answers()); n != len(residentAnswers)-residentConsents {
				t.Errorf("%d answers held; want %d", n, len(residentAnswers)-residentConsents)
			}
		})
	}
}

// TestConsentsAskedOnce: a decision either way is never asked again, and
// someone who agreed to the map before contact and shown were asked is
// asked those alone.
func TestConsentsAskedOnce(t *testing.T) {
	w := newWorld(t, shippedFlows(t))
	ada := w.person("Ada")
	ada.answerUpTo("contact")
	ada.consentTo() // no to both
	shows(t, ada.say("LS6"), menuSummary)
	ada.press(actConfirm)
	// Read afresh from the store, not the service's memory.
	w.reopen(shippedFlows(t))
	shows(t, ada.start(), menuReview)

	// Bea consented to the map and answered it all before this version.
	bea := w.person("Bea")
	bea.answerUpTo("contact")
	bea.update(func(tx *store.Tx) error {
		sp, err := tx.Person(bea.id.Channel, bea.id.UserID)
		if err != nil {
			return err
		}
		_, err = tx.SaveAnswer(sp.ID, "resident", flow.Answer{Key: "area", Step: "area", Value: flow.Value{Text: "LS6"}, Version: 1})
		if err == nil {
			err = tx.SaveConversation(store.Conversation{PersonID: sp.ID, Flow: "resident", Status: "done", State: []byte(`{"flow":{"flow":"resident","status":"done","turn":40}}`)})
		}
		return err
	})
	r := bea.start()
	if !strings.Contains(describe(r), "text "+strings.SplitN(en(flow.MsgNewQuestions, "Bea"), "\n", 2)[0]) {
		t.Errorf("got %s; want to be told there is something new", describe(r))
	}
	asks(t, r, "contact")
	asks(t, bea.press(flow.Yes), "shown")
	r = bea.press(flow.Yes)
	if r.Outcome != flow.OutcomeFinished {
		t.Errorf("after the new consents got %s; want the flow finished", describe(r))
	}
	if got := bea.decisions(); !got["contact"].Granted || !got["shown"].Granted || !got["map"].Granted {
		t.Errorf("decisions %+v; want all three granted", got)
	}
}

func TestPrivacyMenu(t *testing.T) {
	w := newWorld(t, shippedFlows(t))
	ada := w.person("Ada")

	// Before anything: every purpose not asked yet, a button for each.
	r := ada.send(Event{Kind: EventPrivacy})
	m := shows(t, r, menuPrivacy)
	for _, line := range []string{"• On the map: not asked yet", "• Contact from organisers: not asked yet", "• Shown to neighbours: not asked yet"} {
		if !strings.Contains(m.Text, line) {
			t.Errorf("privacy text %q; want it to hold %q", m.Text, line)
		}
	}
	if got := strings.Join(optionIDs(m), " "); got != "consent_map consent_contact consent_shown" {
		t.Errorf("privacy buttons %q; want one per purpose in flow order", got)
	}

	ada.answerUpTo("contact")
	ada.consentTo("shown")
	ada.say("LS6")
	m = shows(t, ada.send(Event{Kind: EventPrivacy}), menuPrivacy)
	for _, line := range []string{"• On the map: yes", "• Contact from organisers: no", "• Shown to neighbours: yes"} {
		if !strings.Contains(m.Text, line) {
			t.Errorf("privacy text %q; want it to hold %q", m.Text, line)
		}
	}

	// Change contact: its question again, showing the choice in force.
	q := asks(t, ada.press("consent_contact"), "contact")
	if q.Current != "No" {
		t.Errorf("contact asked with current %q; want No", q.Current)
	}
	w.clock.Advance(time.Hour)
	r = ada.press(flow.Yes)
	if r.Messages[0].Text != en(flow.MsgPrivacySaved, "Ada") {
		t.Errorf("got %s; want saved first", describe(r))
	}
	m = shows(t, r, menuPrivacy)
	if !strings.Contains(m.Text, "• Contact from organisers: yes") {
		t.Errorf("privacy text after the change %q; want contact yes", m.Text)
	}
	if c := ada.decisions()["contact"]; !c.Granted || !c.At.Equal(t0.Add(time.Hour)) || !strings.HasPrefix(c.TextVersion, "resident@1/contact/en/") {
		t.Errorf("contact decision %+v; want granted now with its text version", c)
	}
	// Withdrawing shown keeps every answer.
	asks(t, ada.press("consent_shown"), "shown")
	shows(t, ada.press(flow.No), menuPrivacy)
	if got := ada.decisions()["shown"]; got.Granted {
		t.Errorf("shown %+v after withdrawing; want not granted", got)
	}
	if n := len(ada.answers()); n != len(residentAnswers)-residentConsents {
		t.Errorf("%d answers after withdrawing shown; want all %d", n, len(residentAnswers)-residentConsents)
	}
	// A forged purpose gets the menu again.
	shows(t, ada.press("consent_nonsense"), menuPrivacy)
}

// TestPrivacyWithdrawMap: withdrawing the map is refusing it: the answers
// and name go, the refusal stays; agreeing again asks for the answers.
func TestPrivacyWithdrawMap(t *testing.T) {
	w := newWorld(t, shippedFlows(t))
	ada := w.person("Ada")
	ada.finish()
	shows(t, ada.send(Event{Kind: EventPrivacy}), menuPrivacy)
	asks(t, ada.press("consent_map"), "consent")
	r := ada.press(flow.No)
	if r.Outcome != flow.OutcomeDeclined || !strings.Contains(r.Messages[0].Text, "I haven't kept anything except that you said no") {
		t.Fatalf("withdrawing the map got %s %q; want the refusal's words", describe(r), r.Messages[0].Text)
	}
	sp, _ := ada.stored()
	if n := len(ada.answers()); n != 0 || sp.FirstName != "" {
		t.Errorf("after withdrawing: %d answers, name %q; want none", n, sp.FirstName)
	}
	if got := ada.decisions()["map"]; got.Granted || got.TextVersion == "" {
		t.Errorf("map decision %+v; want the refusal with its text version", got)
	}
	m := shows(t, ada.send(Event{Kind: EventPrivacy}), menuPrivacy)
	if !strings.Contains(m.Text, "• On the map: no") {
		t.Errorf("privacy text %q; want the map refused", m.Text)
	}
	asks(t, ada.press("consent_map"), "consent")
	r = ada.press(flow.Yes)
	if !strings.Contains(describe(r), "text "+en(flow.MsgPrivacyStart, "Ada")) {
		t.Errorf("agreeing again got %s; want to be told to /start", describe(r))
	}
	shows(t, r, menuPrivacy)
	asks(t, ada.start(), "hands")
}

// TestUnderAge: someone who says they are under the minimum age is told
// kindly and nothing of them is kept, whichever way they got there.
func TestUnderAge(t *testing.T) {
	tests := []struct {
		name string
		// reach brings the person to the consent question.
		reach func(p *person) Reply
	}{
		{"first start", func(p *person) Reply { return p.start() }},
		{"through a volunteer's link", func(p *person) Reply {
			var code string
			p.update(func(tx *store.Tx) error {
				v, err := tx.AddVolunteer("Ann", referral.NewCode(referral.Volunteer))
				code = v.Code
				return err
			})
			return p.send(Event{Kind: EventStart, Payload: code})
		}},
		{"after refusing before", func(p *person) Reply {
			p.start()
			p.press(flow.No)
			return p.start()
		}},
		{"resumed after a pause", func(p *person) Reply {
			p.start()
			p.do(flow.InputCancel)
			shows(p.t, p.start(), menuResume)
			return p.press(actContinue)
		}},
		{"a first message that is not /start", func(p *person) Reply { return p.say("hello") }},
		{"from /privacy", func(p *person) Reply {
			p.send(Event{Kind: EventPrivacy})
			return p.press("consent_map")
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newWorld(t, shippedFlows(t))
			p := w.person("Jo")
			asks(t, tt.reach(p), "consent")
			r := p.press(flow.UnderAge)
			if r.Outcome != flow.OutcomeUnderAge || !r.Erased || len(r.Messages) != 1 || !strings.Contains(r.Messages[0].Text, "aged 16 and over") {
				t.Fatalf("under age got %s erased=%v; want only the kind message", describe(r), r.Erased)
			}
			// The old button again changes nothing and keeps nothing.
			if r := p.press(flow.UnderAge); !r.Stale {
				t.Errorf("the old button again got %s; want it stale", describe(r))
			}
			for table, n := range w.rows(personal...) {
				if n != 0 {
					t.Errorf("%d rows left in %s; want none", n, table)
				}
			}
			// Starting again is starting afresh: asked again, nothing remembered.
			q := asks(t, p.start(), "consent")
			if q.Current != "" {
				t.Errorf("asked again with current %q; want nothing remembered", q.Current)
			}
		})
	}
}

// TestUnderAgeForged: the under-age answer counts only on the question
// that offers it; pressed anywhere else it changes nothing.
func TestUnderAgeForged(t *testing.T) {
	w := newWorld(t, shippedFlows(t))
	ada := w.person("Ada")
	ada.answerUpTo("time")
	consentTurn := 1
	tests := []struct {
		name string
		in   flow.Input
	}{
		{"on a later question", flow.Input{Kind: flow.InputOption, Option: flow.UnderAge, Turn: ada.turn}},
		{"on the consent question, long gone", flow.Input{Kind: flow.InputOption, Option: flow.UnderAge, Turn: consentTurn}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := ada.send(Event{Kind: EventInput, Input: tt.in})
			if r.Outcome == flow.OutcomeUnderAge || r.Erased {
				t.Fatalf("got %s; want nothing erased", describe(r))
			}
			if granted, err := ada.consent(); !granted || err != nil || len(ada.answers()) == 0 {
				t.Errorf("consent %v (%v), %d answers; want both kept", granted, err, len(ada.answers()))
			}
		})
	}
	// On /me's menus too.
	shows(t, ada.send(Event{Kind: EventMe}), menuReview)
	shows(t, ada.press(flow.UnderAge), menuReview)
	if rows := w.rows("people"); rows["people"] != 1 {
		t.Errorf("%d people; want Ada kept", rows["people"])
	}
}
