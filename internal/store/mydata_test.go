package store_test

import (
	"encoding/json"
	"errors"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/assetbot/assetbot/internal/flow"
	"github.com/assetbot/assetbot/internal/referral"
	"github.com/assetbot/assetbot/internal/store"
)

// richPerson fills every part of what is held about Ann (Telegram user
// 1001): answers changed and withdrawn, assets she added, changed and
// removed, links both ways (one with another person), consents, the
// volunteer who brought her and the neighbour she brought, her own
// volunteer record, reminders and introductions. Bob (1002) and Cy (1003)
// are others whose data must not show in hers. It returns the three.
func richPerson(t *testing.T, st *store.Store, c *clock, path string) (ann, bob, cy store.Person) {
	t.Helper()
	choices := func(ids ...string) flow.Value { return flow.Value{Choices: ids} }
	answer := func(tx *store.Tx, p store.Person, key string, v flow.Value) error {
		_, err := tx.SaveAnswer(p.ID, "resident", flow.Answer{Key: key, Step: key, Value: v, Version: 1})
		return err
	}
	var gardens, hall, bobsClub store.Asset
	update(t, st, func(tx *store.Tx) (err error) {
		mk := func(id, name string) store.Person {
			p, err := tx.CreatePerson(store.Person{Channel: "telegram", ChannelUserID: id, FirstName: name})
			if err != nil {
				t.Fatal(err)
			}
			return p
		}
		ann, bob, cy = mk("1001", "Ann"), mk("1002", "Bob"), mk("1003", "Cy")
		vera := referral.NewCode(referral.Volunteer)
		if _, err := tx.AddVolunteer("Vera", vera); err != nil {
			return err
		}
		if got, err := tx.Attribute(ann, referral.Payload{Kind: referral.Volunteer, Code: vera}); err != nil || got != store.Attributed {
			t.Fatalf("attribute Ann: %v, %v", got, err)
		}
		own := referral.NewCode(referral.Volunteer)
		if _, err := tx.AddVolunteer("Ann the volunteer", own); err != nil {
			return err
		}
		if _, err := tx.SetVolunteerTelegram(own, "1001"); err != nil {
			return err
		}
		invite, err := tx.InviteCode(ann.ID, referral.NewCode(referral.Resident))
		if err != nil {
			return err
		}
		if got, err := tx.Attribute(bob, referral.Payload{Kind: referral.Resident, Code: invite}); err != nil || got != store.Attributed {
			t.Fatalf("attribute Bob: %v, %v", got, err)
		}
		if err := tx.RecordConsent(ann.ID, "map", true, "resident", 1); err != nil {
			return err
		}
		if err := answer(tx, ann, "hands", choices("cooking")); err != nil {
			return err
		}
		if err := answer(tx, ann, "when", choices("weekends")); err != nil {
			return err
		}
		if err := answer(tx, bob, "hands", text("Bob's secret skill")); err != nil {
			return err
		}
		if gardens, err = tx.CreateAsset(store.Asset{Kind: "place", Name: "Hyde Park Gardens", Fields: map[string]flow.Value{"name": text("Hyde Park Gardens")}, FlowVersion: 1}, ann.ID); err != nil {
			return err
		}
		if hall, err = tx.CreateAsset(store.Asset{Kind: "place", Name: "Old Hall", Fields: map[string]flow.Value{"name": text("Old Hall")}, FlowVersion: 1}, ann.ID); err != nil {
			return err
		}
		bobsClub, err = tx.CreateAsset(store.Asset{Kind: "association", Name: "Bob's Club", Fields: map[string]flow.Value{"name": text("Bob's Club"), "notes": text("Bob's words")}, FlowVersion: 1}, bob.ID)
		if err != nil {
			return err
		}
		if _, err := tx.CreateAsset(store.Asset{Kind: "association", Name: "Bob's Other Club", Fields: map[string]flow.Value{"name": text("Bob's Other Club")}, FlowVersion: 1}, bob.ID); err != nil {
			return err
		}
		if err := tx.ReplaceLinks("resident/group_name", []store.Link{
			{Type: flow.LinkMemberOf, From: store.PersonEnd(ann.ID), To: store.AssetEnd(bobsClub.ID), RecordedBy: ann.ID},
			{Type: flow.LinkOffersTo, From: store.AssetEnd(gardens.ID), To: store.PersonEnd(ann.ID), RecordedBy: bob.ID},
			{Type: flow.LinkConnectedWith, From: store.PersonEnd(bob.ID), To: store.PersonEnd(ann.ID), RecordedBy: bob.ID},
			{Type: flow.LinkMemberOf, From: store.PersonEnd(bob.ID), To: store.AssetEnd(hall.ID), RecordedBy: bob.ID},
		}); err != nil {
			return err
		}
		return tx.SaveConversation(store.Conversation{PersonID: ann.ID, Flow: "resident", Status: "finished", State: []byte(`{}`)})
	})
	c.Advance(time.Hour)
	update(t, st, func(tx *store.Tx) error {
		if err := answer(tx, ann, "hands", choices("cooking", "gardening")); err != nil {
			return err
		}
		if _, err := tx.WithdrawAnswer(ann.ID, "resident", "when"); err != nil {
			return err
		}
		if err := tx.ConfirmEntry(ann.ID); err != nil {
			return err
		}
		// Ann writes a version of Bob's club, then Bob writes another: her
		// version is in its history, his is not hers to see.
		bobsClub.Fields = map[string]flow.Value{"name": text("Bob's Club"), "notes": text("Ann's words")}
		if _, err := tx.SaveAsset(bobsClub, ann.ID); err != nil {
			return err
		}
		gardens.Fields = map[string]flow.Value{"name": text("Hyde Park Gardens"), "notes": text("open daily")}
		if _, err := tx.SaveAsset(gardens, ann.ID); err != nil {
			return err
		}
		if err := tx.RemoveAsset(hall.ID, ann.ID); err != nil {
			return err
		}
		in, err := tx.StartIntroduction(77, ann.ID)
		if err != nil {
			return err
		}
		if err := tx.SetIntroductionMessage(in.ID, "Could you help at the fair?"); err != nil {
			return err
		}
		if _, err := tx.AnswerIntroduction(in.ID, ann.ID, true); err != nil {
			return err
		}
		// A draft the organiser never finished was never sent to her.
		_, err = tx.StartIntroduction(78, ann.ID)
		return err
	})
	c.Advance(time.Hour)
	update(t, st, func(tx *store.Tx) error {
		bobsClub.Fields = map[string]flow.Value{"name": text("Bob's Club"), "notes": text("Bob's words again")}
		_, err := tx.SaveAsset(bobsClub, bob.ID)
		return err
	})
	db := raw(t, path)
	now := c.Now().Format("2006-01-02T15:04:05.000Z")
	for _, r := range []struct {
		person int64
		kind   string
		sent   any
	}{{ann.ID, store.ReminderRefresh, now}, {ann.ID, store.ReminderNudge, nil}, {bob.ID, store.ReminderNudge, now}} {
		if _, err := db.Exec(`INSERT INTO reminders (person_id, kind, about, planned_at, due_at, sent_at, outcome) VALUES (?, ?, ?, ?, ?, ?, ?)`,
			r.person, r.kind, now+"#"+r.kind, now, now, r.sent, map[bool]string{true: store.OutcomeSent, false: ""}[r.sent != nil]); err != nil {
			t.Fatal(err)
		}
	}
	return ann, bob, cy
}

// TestPersonData reads everything held about a person who has something
// in every part, and checks each part holds hers and nobody else's.
func TestPersonData(t *testing.T) {
	c := newClock()
	st, path := open(t, c.Option())
	ann, bob, _ := richPerson(t, st, c, path)
	var d store.PersonData
	update(t, st, func(tx *store.Tx) (err error) {
		d, err = tx.PersonData("telegram", "1001")
		return err
	})
	if d.Person.ID != ann.ID || d.Person.FirstName != "Ann" || d.InviteCode == "" || d.Freshness.ConfirmedAt.IsZero() {
		t.Errorf("person = %+v, invite %q, freshness %+v; want Ann with her invite code, confirmed", d.Person, d.InviteCode, d.Freshness)
	}
	if d.Conversation == nil || d.Conversation.Flow != "resident" {
		t.Errorf("conversation = %+v; want hers in the resident flow", d.Conversation)
	}

	if len(d.Answers) != 2 {
		t.Fatalf("answers = %+v; want hands and when", d.Answers)
	}
	hands, when := d.Answers[0], d.Answers[1]
	if hands.Key != "hands" || !slices.Equal(hands.Value.Choices, []string{"cooking", "gardening"}) || !hands.Withdrawn.IsZero() ||
		len(hands.History) != 1 || !slices.Equal(hands.History[0].Value.Choices, []string{"cooking"}) {
		t.Errorf("hands = %+v; want cooking and gardening, with cooking alone in its history", hands)
	}
	if when.Key != "when" || when.Withdrawn.IsZero() || len(when.History) != 1 {
		t.Errorf("when = %+v; want it withdrawn, its value in its history", when)
	}

	var names []string
	for _, a := range d.Assets {
		names = append(names, a.Name)
	}
	if want := []string{"Hyde Park Gardens", "Old Hall", "Bob's Club"}; !slices.Equal(names, want) {
		t.Fatalf("assets %q; want %q (not Bob's other club)", names, want)
	}
	gardens, hall, club := d.Assets[0], d.Assets[1], d.Assets[2]
	if !gardens.AddedByThem || !gardens.ChangedByThem || len(gardens.TheirVersions) != 1 || gardens.Fields["notes"].Text != "open daily" {
		t.Errorf("gardens = %+v; want added and changed by her, her first version in her versions", gardens)
	}
	if !hall.AddedByThem || hall.RemovedAt.IsZero() {
		t.Errorf("hall = %+v; want added by her and removed", hall)
	}
	if club.AddedByThem || club.ChangedByThem || club.Fields != nil || len(club.TheirVersions) != 1 || club.TheirVersions[0].Fields["notes"].Text != "Ann's words" {
		t.Errorf("Bob's club = %+v; want only her version of it, not Bob's current one", club)
	}

	if len(d.Links) != 3 {
		t.Fatalf("links = %+v; want three with her at one end", d.Links)
	}
	member, offers, person := d.Links[0], d.Links[1], d.Links[2]
	if !member.FromThem || member.OtherName != "Bob's Club" || member.OtherKind != "association" || !member.RecordedByMe {
		t.Errorf("member link = %+v; want from her to Bob's club, recorded by her", member)
	}
	if offers.FromThem || offers.OtherName != "Hyde Park Gardens" || offers.RecordedByMe {
		t.Errorf("offers link = %+v; want from the gardens to her, recorded by someone else", offers)
	}
	if !person.OtherPerson || person.OtherAsset != 0 || person.OtherName != "" {
		t.Errorf("link with a person = %+v; want another person, unnamed", person)
	}

	if len(d.Consents) != 1 || d.Consents[0].Purpose != "map" || !d.Consents[0].Granted || d.Consents[0].Flow != "resident" {
		t.Errorf("consents = %+v; want map granted in the resident flow", d.Consents)
	}
	if d.Referral == nil || d.Referral.VolunteerName != "Vera" || d.Invited != 1 {
		t.Errorf("referral = %+v, invited %d; want Vera's link, one invited", d.Referral, d.Invited)
	}
	if d.Volunteer == nil || d.Volunteer.Name != "Ann the volunteer" {
		t.Errorf("volunteer = %+v; want her own record", d.Volunteer)
	}
	if len(d.Reminders) != 1 || d.Reminders[0].Kind != store.ReminderRefresh {
		t.Errorf("reminders = %+v; want the one refresh sent (not the nudge still due)", d.Reminders)
	}
	if len(d.Introductions) != 1 || d.Introductions[0].Message != "Could you help at the fair?" || !d.Introductions[0].Shared {
		t.Errorf("introductions = %+v; want the one sent and shared, not the draft", d.Introductions)
	}

	// Nothing of Bob's is in it but what she herself wrote.
	all, err := json.Marshal(d)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"Bob's secret skill", "Bob's words", "Bob's Other Club", `"1002"`, `"Bob"`} {
		if strings.Contains(string(all), s) {
			t.Errorf("Ann's data holds %q, which is Bob's", s)
		}
	}
	for _, a := range d.Assets {
		if a.AddedBy == bob.ID || a.ChangedBy == bob.ID {
			t.Errorf("asset %q names Bob as who added or changed it", a.Name)
		}
	}
}

// TestPersonDataNeighbour reads the data of someone a neighbour brought:
// the neighbour is not named, nor given by id.
func TestPersonDataNeighbour(t *testing.T) {
	c := newClock()
	st, path := open(t, c.Option())
	ann, _, _ := richPerson(t, st, c, path)
	var d store.PersonData
	update(t, st, func(tx *store.Tx) (err error) {
		d, err = tx.PersonData("telegram", "1002")
		return err
	})
	if d.Referral == nil || d.Referral.VolunteerName != "" {
		t.Fatalf("referral = %+v; want a neighbour's link, no name", d.Referral)
	}
	all, err := json.Marshal(d.Referral)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"Ann", strconv.FormatInt(ann.ID, 10) + ","} {
		if strings.Contains(string(all), s) {
			t.Errorf("Bob's referral %s names Ann (%q)", all, s)
		}
	}
}

// TestPersonDataUnknown: someone the bot never met has no data, and asking
// makes no record of them.
func TestPersonDataUnknown(t *testing.T) {
	c := newClock()
	st, path := open(t, c.Option())
	richPerson(t, st, c, path)
	db := raw(t, path)
	before := count(t, db, `SELECT COUNT(*) FROM people`)
	update(t, st, func(tx *store.Tx) error {
		if _, err := tx.PersonData("telegram", "4242"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("PersonData of someone unknown: %v; want ErrNotFound", err)
		}
		return nil
	})
	if after := count(t, db, `SELECT COUNT(*) FROM people`); after != before {
		t.Errorf("people %d after asking, %d before; want nobody added", after, before)
	}
}
