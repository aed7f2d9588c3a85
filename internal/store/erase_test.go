package store_test

import (
	"context"
	"errors"
	"strconv"
	"testing"
	"time"

	"github.com/assetbot/assetbot/flows"
	"github.com/assetbot/assetbot/internal/benchmap"
	"github.com/assetbot/assetbot/internal/flow"
	"github.com/assetbot/assetbot/internal/leakscan"
	"github.com/assetbot/assetbot/internal/referral"
	"github.com/assetbot/assetbot/internal/store"
)

// The erased person's identifiers and what they said: distinctive enough
// that finding one anywhere can only mean it was left behind.
const (
	erasedID       = 7340031
	erasedTelegram = 987654321
	erasedName     = "Quillonia"
)

// erasedStrings are the answers the erased person gave, and the personal
// details they typed into assets.
var erasedStrings = []string{
	erasedName, "zanzibar quilting", "marmalade judging", "heron watching", "07700 900412",
	"Quillonia's bike fixes", "mends bikes in her yard",
}

// shippedFlows loads the built-in flows, whose personal marks erasure reads.
func shippedFlows(t testing.TB) map[string]*flow.Flow {
	t.Helper()
	fl, problems := flow.LoadFS(flows.FS, ".")
	if problems != nil {
		t.Fatalf("built-in flows: %v", problems)
	}
	return fl
}

// richWorld is a community around the person to be erased, with what
// must survive them.
type richWorld struct {
	st                       *store.Store
	path                     string
	erased, other, brought   store.Person
	volunteer                store.Volunteer
	park, group, trade, club int64 // assets: the erased person's park, group and trade; the other's club
}

// seedRich makes a person with something in every table: answers with
// history, consents, a conversation, reminders, introductions, queued
// messages, referrals both ways, links, a volunteer record with their
// Telegram id, and assets both about them and not.
func seedRich(t *testing.T) *richWorld {
	t.Helper()
	w := &richWorld{}
	w.st, w.path = open(t, store.WithFlows(shippedFlows(t)))
	db := raw(t, w.path)
	// Start ids high, so that the erased person's id is like no other value.
	if _, err := db.Exec(`INSERT INTO people (id, channel, channel_user_id, created_at, updated_at) VALUES (?, 'test', 'filler', '', '')`, erasedID-1); err != nil {
		t.Fatal(err)
	}
	w.volunteer = addVolunteer(t, w.st, "Ann Volunteer")
	helper := addVolunteer(t, w.st, "Bea Helper")
	yes := true
	update(t, w.st, func(tx *store.Tx) error {
		p, err := tx.CreatePerson(store.Person{Channel: "telegram", ChannelUserID: strconv.Itoa(erasedTelegram), FirstName: erasedName})
		if err != nil {
			return err
		}
		w.erased = p
		if _, err := tx.Attribute(p, referral.Payload{Kind: referral.Volunteer, Code: w.volunteer.Code}); err != nil {
			return err
		}
		if _, err := tx.SetVolunteerTelegram(helper.Code, p.ChannelUserID); err != nil {
			return err
		}
		if err := tx.RecordConsent(p.ID, "map", true, "resident", 1); err != nil {
			return err
		}
		for _, a := range []flow.Answer{
			{Key: "head", Step: "head", Value: text("zanzibar quilting"), Version: 1},
			{Key: "head", Step: "head", Value: text("marmalade judging"), Version: 1},
			{Key: "offer", Step: "offer", Value: text("heron watching"), Version: 1},
		} {
			if _, err := tx.SaveAnswer(p.ID, "resident", a); err != nil {
				return err
			}
		}
		if _, err := tx.WithdrawAnswer(p.ID, "resident", "offer"); err != nil {
			return err
		}
		if err := tx.ConfirmEntry(p.ID); err != nil {
			return err
		}
		if err := tx.SaveConversation(store.Conversation{PersonID: p.ID, Flow: "resident", Status: "active",
			State: []byte(`{"flow":{"answers":{"head":{"text":"marmalade judging"}}}}`)}); err != nil {
			return err
		}
		if _, err := tx.Enqueue(erasedTelegram, "sendMessage", []byte(`{"chat_id":987654321,"text":"Hi Quillonia: zanzibar quilting?"}`)); err != nil {
			return err
		}
		id, err := tx.Enqueue(erasedTelegram, "sendMessage", []byte(`{"text":"heron watching"}`))
		if err != nil {
			return err
		}
		if err := tx.GiveUp(id, "blocked"); err != nil {
			return err
		}
		in, err := tx.StartIntroduction(555, p.ID)
		if err != nil {
			return err
		}
		if err := tx.SetIntroductionMessage(in.ID, "Quillonia, the choir needs you"); err != nil {
			return err
		}
		if _, err := tx.AnswerIntroduction(in.ID, p.ID, true); err != nil {
			return err
		}
		if _, err := tx.StartIntroduction(555, p.ID); err != nil { // a draft
			return err
		}
		_, err = tx.MarkEvent("telegram", "1001")
		return err
	})
	code := inviteCode(t, w.st, w.erased)
	w.brought = addPerson(t, w.st, 111222333)
	if got := attribute(t, w.st, w.brought, code); got != store.Attributed {
		t.Fatalf("attribute the person they brought: %s", got)
	}
	w.other = addPerson(t, w.st, 444555666)
	update(t, w.st, func(tx *store.Tx) error {
		park, err := tx.CreateAsset(store.Asset{Kind: "place", Name: "Greenbank Park", Point: &flow.Location{Lat: 53.8, Lon: -1.57},
			Fields: map[string]flow.Value{"name": text("Greenbank Park"), "kind": {Choice: "green_space"}}, FlowVersion: 1}, w.erased.ID)
		if err != nil {
			return err
		}
		group, err := tx.CreateAsset(store.Asset{Kind: "association", Name: "Hill Choir", Area: "LS6",
			Fields: map[string]flow.Value{"name": text("Hill Choir"), "area": text("LS6"), "purpose": text("sings"), "contact": text("07700 900412")}, FlowVersion: 1}, w.erased.ID)
		if err != nil {
			return err
		}
		// Someone else changes the group, carrying its contact on.
		group.Fields["purpose"] = text("sings on Thursdays")
		if _, err := tx.SaveAsset(group, w.other.ID); err != nil {
			return err
		}
		trade, err := tx.CreateAsset(store.Asset{Kind: "economic", Name: "Quillonia's bike fixes", Area: "LS6",
			Fields: map[string]flow.Value{"name": text("Quillonia's bike fixes"), "kind": {Choice: "self_employed"}, "description": text("mends bikes in her yard")}, FlowVersion: 1}, w.erased.ID)
		if err != nil {
			return err
		}
		club, err := tx.CreateAsset(store.Asset{Kind: "association", Name: "Dale Rovers", Area: "LS4",
			Fields: map[string]flow.Value{"name": text("Dale Rovers"), "purpose": text("football"), "contact": text("hello@rovers.example")}, FlowVersion: 1}, w.other.ID)
		if err != nil {
			return err
		}
		w.park, w.group, w.trade, w.club = park.ID, group.ID, trade.ID, club.ID
		if err := tx.ReplaceLinks("resident/groups", []store.Link{
			{Type: flow.LinkMemberOf, From: store.PersonEnd(w.erased.ID), To: store.AssetEnd(club.ID), RecordedBy: w.erased.ID},
			{Type: flow.LinkUses, From: store.AssetEnd(club.ID), To: store.AssetEnd(park.ID), RecordedBy: w.erased.ID},
			{Type: flow.LinkUses, From: store.PersonEnd(w.other.ID), To: store.AssetEnd(trade.ID), RecordedBy: w.other.ID},
		}); err != nil {
			return err
		}
		return tx.RecordConsent(w.other.ID, "map", yes, "resident", 1)
	})
	if _, err := db.Exec(`INSERT INTO reminders (person_id, kind, about, planned_at, due_at, sent_at, outcome) VALUES
		(?1, 'refresh', 'x', '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z', 'sent'),
		(?1, 'nudge', 'y', '2026-01-01T00:00:00.000Z', '2030-01-01T00:00:00.000Z', NULL, '')`, w.erased.ID); err != nil {
		t.Fatal(err)
	}
	if w.erased.ID != erasedID {
		t.Fatalf("the erased person has id %d; want %d", w.erased.ID, erasedID)
	}
	return w
}

// needles are what must not be found once the person is erased.
func erasedNeedles() leakscan.Needles {
	return leakscan.Needles{Numbers: []int64{erasedID, erasedTelegram}, Strings: erasedStrings}
}

// TestEraseLeavesNothing is the bar: after erasure, no table, column or
// byte of the file or WAL holds the person's id, Telegram id, name or any
// answer they gave.
func TestEraseLeavesNothing(t *testing.T) {
	w := seedRich(t)
	ctx := context.Background()
	if found, err := leakscan.Scan(w.path, erasedNeedles()); err != nil || len(found) == 0 {
		t.Fatalf("before erasure the scan finds %d places (err %v); want many, or the scan proves nothing", len(found), err)
	}
	var got store.Erasure
	update(t, w.st, func(tx *store.Tx) (err error) {
		got, err = tx.Erase(w.erased.ID)
		return err
	})
	want := store.Erasure{Answers: 2, Consents: 1, Reminders: 2, Introductions: 2, Messages: 2, Links: 1, Referrals: 2,
		AssetsRemoved: 1, AssetsKept: 2, Volunteer: true}
	if got != want {
		t.Errorf("Erase = %+v; want %+v", got, want)
	}
	if err := w.st.Checkpoint(ctx); err != nil {
		t.Fatal(err)
	}
	found, err := leakscan.Scan(w.path, erasedNeedles())
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range found {
		t.Errorf("left behind: %s", f)
	}
}

// TestEraseKeepsWhatOthersHave checks what erasure must not take: the
// volunteer's and the inviter's counts, the park and the group (without
// the erased person's name and contact), and everything of other people.
func TestEraseKeepsWhatOthersHave(t *testing.T) {
	w := seedRich(t)
	ctx := context.Background()
	before, err := w.st.Volunteers(ctx)
	if err != nil {
		t.Fatal(err)
	}
	update(t, w.st, func(tx *store.Tx) error { return tx.ErasePerson(w.erased.ID) })
	after, err := w.st.Volunteers(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for i := range before {
		b, a := before[i], after[i]
		b.TelegramUserID, a.TelegramUserID = "", "" // the erased person's, on the helper's record
		if a != b {
			t.Errorf("volunteer %s after erasure = %+v; want %+v", b.Name, a, b)
		}
	}
	if before[0].Started != 1 || before[0].Finished != 1 || before[0].BroughtOthers != 1 || before[0].LongestChain != 2 {
		t.Errorf("volunteer stats before = %+v; want 1 started, 1 finished, 1 brought others, chain 2", before[0])
	}
	if after[1].TelegramUserID != "" {
		t.Errorf("the helper's record keeps Telegram id %q; want none", after[1].TelegramUserID)
	}
	db := raw(t, w.path)
	if n := count(t, db, `SELECT COUNT(*) FROM referrals WHERE person_id = ? AND referrer_person_id IS NULL AND generation = 2 AND root_volunteer_id = ?`, w.brought.ID, w.volunteer.ID); n != 1 {
		t.Errorf("the referral of the person they brought: %d rows with its generation and root kept; want 1", n)
	}
	update(t, w.st, func(tx *store.Tx) error {
		if _, err := tx.PersonByID(w.erased.ID); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("PersonByID(erased) err = %v; want ErrNotFound", err)
		}
		if err := tx.ErasePerson(w.erased.ID); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("erasing again: err = %v; want ErrNotFound", err)
		}
		park, err := tx.Asset(w.park)
		if err != nil || park.AddedBy != 0 || park.Name != "Greenbank Park" || park.Point == nil {
			t.Errorf("park = %+v, %v; want it on the map as it was, added by nobody known", park, err)
		}
		group, err := tx.Asset(w.group)
		if err != nil {
			return err
		}
		if _, ok := group.Fields["contact"]; ok || group.Fields["purpose"].Text != "sings on Thursdays" || group.ChangedBy != w.other.ID {
			t.Errorf("group fields = %v, changed by %d; want the contact gone, the other's purpose kept, changed by %d", group.Fields, group.ChangedBy, w.other.ID)
		}
		history, err := tx.AssetHistory(w.group)
		if err != nil {
			return err
		}
		if len(history) != 1 || history[0].Fields["purpose"].Text != "sings" || history[0].ChangedBy != 0 {
			t.Errorf("group history = %+v; want its one version, without the contact or its author", history)
		} else if _, ok := history[0].Fields["contact"]; ok {
			t.Errorf("group history keeps the contact: %v", history[0].Fields)
		}
		if _, err := tx.Asset(w.trade); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("the self-employed trade: err = %v; want it off the map (ErrNotFound)", err)
		}
		club, err := tx.Asset(w.club)
		if err != nil || club.Fields["contact"].Text != "hello@rovers.example" || club.AddedBy != w.other.ID {
			t.Errorf("the other person's club = %+v, %v; want it untouched", club, err)
		}
		if links, err := tx.PersonAssets(w.other.ID); err != nil || len(links) != 1 || links[0].Asset.ID != w.club {
			t.Errorf("the other person's assets = %+v, %v; want their club only (the trade they used is gone)", links, err)
		}
		next, err := tx.CreatePerson(store.Person{Channel: "telegram", ChannelUserID: strconv.Itoa(erasedTelegram)})
		if err != nil {
			return err
		}
		if next.ID <= w.other.ID {
			t.Errorf("a new person after erasure has id %d; want above every id given (%d)", next.ID, w.other.ID)
		}
		return nil
	})
	if n := count(t, db, `SELECT COUNT(*) FROM links WHERE from_asset = ? AND to_asset = ? AND recorded_by IS NULL`, w.club, w.park); n != 1 {
		t.Errorf("the club's link to the park, recorded by the erased person: %d kept without them; want 1", n)
	}
}

// TestEraseNewestPersonIDNotReused erases the newest person: the next one
// must not take their id, or stale buttons and exports would point at them.
func TestEraseNewestPersonIDNotReused(t *testing.T) {
	st, path := open(t)
	var first store.Person
	update(t, st, func(tx *store.Tx) (err error) {
		first = person(t, tx, "a")
		return tx.ErasePerson(first.ID)
	})
	var second store.Person
	update(t, st, func(tx *store.Tx) (err error) {
		second = person(t, tx, "a")
		return nil
	})
	if second.ID == first.ID {
		t.Errorf("the next person took the erased person's id %d", first.ID)
	}
	if n := count(t, raw(t, path), `SELECT COUNT(*) FROM id_floor WHERE next = ?`, first.ID); n != 0 {
		t.Errorf("id_floor holds the erased id %d", first.ID)
	}
}

// TestEraseWithoutFlows refuses to guess which assets are about a person.
func TestEraseWithoutFlows(t *testing.T) {
	st, _ := open(t)
	var p store.Person
	update(t, st, func(tx *store.Tx) error {
		p = person(t, tx, "a")
		_, err := tx.CreateAsset(store.Asset{Kind: "place", Name: "Park", Fields: map[string]flow.Value{"name": text("Park")}, FlowVersion: 1}, p.ID)
		return err
	})
	err := st.Update(context.Background(), func(tx *store.Tx) error { return tx.ErasePerson(p.ID) })
	if !errors.Is(err, store.ErrNoFlows) {
		t.Errorf("erase a person with an asset, no flows: err = %v; want ErrNoFlows", err)
	}
	update(t, st, func(tx *store.Tx) error {
		if _, err := tx.PersonByID(p.ID); err != nil {
			t.Errorf("after the refusal: %v; want the person kept", err)
		}
		return nil
	})
}

// BenchmarkErase measures erasing one person, with their 20 answers and a
// link, from a community of 100,000 people and 20,000 assets: each
// erasure looks for what they added or changed and deletes their row,
// whose references SQLite follows into every table that has them.
func BenchmarkErase(b *testing.B) {
	st, path := open(b, store.WithFlows(shippedFlows(b)))
	const people = 100_000
	if err := benchmap.Seed(path, benchmap.Map{People: people, ConsentEvery: 1, Areas: 20, At: "2026-01-01T00:00:00.000Z",
		Assets: 20_000, Members: people / 2, Uses: 5_000}); err != nil {
		b.Fatal(err)
	}
	if b.N > people-20_000 {
		b.Fatalf("b.N %d is more than the people without assets", b.N)
	}
	b.ResetTimer()
	for i := range b.N {
		// People above 20,000 added no asset: their erasure is the common case.
		id := int64(people - i)
		if err := st.Update(context.Background(), func(tx *store.Tx) error { return tx.ErasePerson(id) }); err != nil {
			b.Fatal(err)
		}
	}
}

// TestCheckpointGivesWay: a reader holding an old snapshot (an export
// streaming) keeps a checkpoint from emptying the WAL; the checkpoint
// gives way at once rather than hold up the writes queued behind it.
func TestCheckpointGivesWay(t *testing.T) {
	st, path := open(t)
	update(t, st, func(tx *store.Tx) error { person(t, tx, "a"); return nil })
	reader, err := raw(t, path).Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer reader.Close()
	if _, err := reader.ExecContext(context.Background(), "BEGIN"); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := reader.QueryRowContext(context.Background(), `SELECT COUNT(*) FROM people`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	update(t, st, func(tx *store.Tx) error { person(t, tx, "b"); return nil })
	start := time.Now()
	if err := st.Checkpoint(context.Background()); !errors.Is(err, store.ErrBusy) {
		t.Errorf("checkpoint beside an old snapshot: err = %v; want ErrBusy", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("the checkpoint took %v to give way; want well under the busy timeout", d)
	}
	update(t, st, func(tx *store.Tx) error { person(t, tx, "c"); return nil })
	if _, err := reader.ExecContext(context.Background(), "ROLLBACK"); err != nil {
		t.Fatal(err)
	}
	if err := st.Checkpoint(context.Background()); err != nil {
		t.Errorf("checkpoint once the reader is done: %v", err)
	}
}
