package store_test

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"testing"

	"github.com/assetbot/assetbot/internal/referral"
	"github.com/assetbot/assetbot/internal/store"
)

// addVolunteer registers a volunteer, failing the test on error.
func addVolunteer(t *testing.T, st *store.Store, name string) store.Volunteer {
	t.Helper()
	var v store.Volunteer
	update(t, st, func(tx *store.Tx) (err error) {
		v, err = tx.AddVolunteer(name, referral.NewCode(referral.Volunteer))
		return err
	})
	return v
}

// addPerson creates a Telegram person with the given user id.
func addPerson(t *testing.T, st *store.Store, userID int) store.Person {
	t.Helper()
	var p store.Person
	update(t, st, func(tx *store.Tx) (err error) {
		p, err = tx.CreatePerson(store.Person{Channel: "telegram", ChannelUserID: strconv.Itoa(userID)})
		return err
	})
	return p
}

// attribute attributes p to code and returns the outcome.
func attribute(t *testing.T, st *store.Store, p store.Person, code string) store.Attribution {
	t.Helper()
	pl, ok := referral.ParsePayload(code)
	if !ok {
		t.Fatalf("payload %q does not parse", code)
	}
	var got store.Attribution
	update(t, st, func(tx *store.Tx) (err error) {
		got, err = tx.Attribute(p, pl)
		return err
	})
	return got
}

// inviteCode returns p's own invitation code.
func inviteCode(t *testing.T, st *store.Store, p store.Person) string {
	t.Helper()
	var code string
	update(t, st, func(tx *store.Tx) (err error) {
		code, err = tx.InviteCode(p.ID, referral.NewCode(referral.Resident))
		return err
	})
	return code
}

func TestAddVolunteerName(t *testing.T) {
	st, _ := open(t)
	tests := []struct {
		name, in, want string
		bad            bool
	}{
		{name: "plain", in: "Ann", want: "Ann"},
		{name: "trimmed", in: "  Bea Jones \t", want: "Bea Jones"},
		{name: "64 characters", in: strings.Repeat("é", 64), want: strings.Repeat("é", 64)},
		{name: "empty", in: "", bad: true},
		{name: "blank", in: "   ", bad: true},
		{name: "65 characters", in: strings.Repeat("a", 65), bad: true},
		{name: "two lines", in: "Ann\nBea", bad: true},
		{name: "invalid utf-8", in: "Ann\xff", bad: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var v store.Volunteer
			err := st.Update(context.Background(), func(tx *store.Tx) (err error) {
				v, err = tx.AddVolunteer(tt.in, referral.NewCode(referral.Volunteer))
				return err
			})
			if tt.bad {
				if !errors.Is(err, store.ErrVolunteerName) {
					t.Fatalf("AddVolunteer(%q) error = %v; want ErrVolunteerName", tt.in, err)
				}
				return
			}
			if err != nil || v.Name != tt.want || v.Status != store.VolunteerActive || v.ID == 0 {
				t.Fatalf("AddVolunteer(%q) = %+v, %v; want active %q", tt.in, v, err, tt.want)
			}
		})
	}
	vs, err := st.Volunteers(context.Background())
	if err != nil || len(vs) != 3 {
		t.Fatalf("Volunteers = %d, %v; want the 3 good ones", len(vs), err)
	}
}

func TestSetVolunteerStatus(t *testing.T) {
	st, _ := open(t)
	v := addVolunteer(t, st, "Ann")
	for _, status := range []string{store.VolunteerPaused, store.VolunteerActive, store.VolunteerRemoved} {
		update(t, st, func(tx *store.Tx) error {
			got, err := tx.SetVolunteerStatus(v.Code, status)
			if err == nil && got.Status != status {
				t.Errorf("SetVolunteerStatus returned status %q; want %q", got.Status, status)
			}
			return err
		})
		update(t, st, func(tx *store.Tx) error {
			got, err := tx.Volunteer(v.Code)
			if err == nil && got.Status != status {
				t.Errorf("stored status %q; want %q", got.Status, status)
			}
			return err
		})
	}
	for _, tc := range []struct{ code, status string }{{"vnosuchcode", store.VolunteerPaused}, {v.Code, "sleeping"}} {
		err := st.Update(context.Background(), func(tx *store.Tx) error {
			_, err := tx.SetVolunteerStatus(tc.code, tc.status)
			return err
		})
		if err == nil {
			t.Errorf("SetVolunteerStatus(%q, %q) succeeded; want an error", tc.code, tc.status)
		}
	}
}

func TestInviteCodeIsKept(t *testing.T) {
	st, _ := open(t)
	a, b := addPerson(t, st, 1), addPerson(t, st, 2)
	first := inviteCode(t, st, a)
	if again := inviteCode(t, st, a); again != first {
		t.Errorf("second InviteCode = %q; want the first, %q", again, first)
	}
	if other := inviteCode(t, st, b); other == first {
		t.Errorf("two people share the code %q", first)
	}
}

func TestAttributeFirstTouch(t *testing.T) {
	st, _ := open(t)
	ann, bea := addVolunteer(t, st, "Ann"), addVolunteer(t, st, "Bea")
	paused := addVolunteer(t, st, "Cat")
	removed := addVolunteer(t, st, "Dan")
	update(t, st, func(tx *store.Tx) error {
		if _, err := tx.SetVolunteerStatus(paused.Code, store.VolunteerPaused); err != nil {
			return err
		}
		_, err := tx.SetVolunteerStatus(removed.Code, store.VolunteerRemoved)
		return err
	})
	p1, p2, p3, p4, p5 := addPerson(t, st, 1), addPerson(t, st, 2), addPerson(t, st, 3), addPerson(t, st, 4), addPerson(t, st, 5)
	steps := []struct {
		name   string
		person store.Person
		code   string
		want   store.Attribution
	}{
		{"through Ann", p1, ann.Code, store.Attributed},
		{"again through Bea: first touch wins", p1, bea.Code, store.AlreadyAttributed},
		{"paused volunteer", p2, paused.Code, store.InactiveVolunteer},
		{"removed volunteer", p2, removed.Code, store.InactiveVolunteer},
		{"unknown volunteer code", p2, "vnosuchcode0000", store.UnknownCode},
		{"unknown resident code", p2, "rnosuchcode0000", store.UnknownCode},
		{"own invitation", p1, inviteCode(t, st, p1), store.AlreadyAttributed},
		{"own invitation, never attributed", p2, inviteCode(t, st, p2), store.OwnCode},
		{"invited by p1", p3, inviteCode(t, st, p1), store.Attributed},
		{"invited by p3", p4, inviteCode(t, st, p3), store.Attributed},
		{"p2, after all that, through Bea", p2, bea.Code, store.Attributed},
		{"p5 brings p4's code along", p5, inviteCode(t, st, p4), store.Attributed},
	}
	for _, s := range steps {
		if got := attribute(t, st, s.person, s.code); got != s.want {
			t.Errorf("%s: got %s; want %s", s.name, got, s.want)
		}
	}
	stats := statsByName(t, st)
	want := map[string]store.VolunteerStats{
		// p1 started through Ann and brought p3, who brought p4, who brought p5.
		"Ann": {Started: 1, BroughtOthers: 1, LongestChain: 4},
		"Bea": {Started: 1, LongestChain: 1},
		"Cat": {}, "Dan": {},
	}
	for name, w := range want {
		g := stats[name]
		if g.Started != w.Started || g.Finished != w.Finished || g.BroughtOthers != w.BroughtOthers || g.LongestChain != w.LongestChain {
			t.Errorf("%s: got started %d, finished %d, brought others %d, chain %d; want %d, %d, %d, %d", name,
				g.Started, g.Finished, g.BroughtOthers, g.LongestChain, w.Started, w.Finished, w.BroughtOthers, w.LongestChain)
		}
	}
}

func TestAttributeChainWithoutVolunteer(t *testing.T) {
	st, path := open(t)
	ann := addVolunteer(t, st, "Ann")
	walkIn, friend := addPerson(t, st, 1), addPerson(t, st, 2)
	if got := attribute(t, st, friend, inviteCode(t, st, walkIn)); got != store.Attributed {
		t.Fatalf("friend of a walk-in: got %s; want attributed", got)
	}
	// The walk-in has brought someone already, so a volunteer's link now
	// would leave the friend's chain counted from nobody.
	if got := attribute(t, st, walkIn, ann.Code); got != store.BroughtOthers {
		t.Errorf("walk-in through Ann after bringing a friend: got %s; want brought_others", got)
	}
	db := raw(t, path)
	if n := count(t, db, `SELECT COUNT(*) FROM referrals WHERE person_id = ? AND referrer_person_id = ? AND root_volunteer_id IS NULL AND volunteer_id IS NULL AND generation = 1`, friend.ID, walkIn.ID); n != 1 {
		t.Errorf("friend's referral rows as expected: %d; want 1", n)
	}
}

func TestVolunteerStatsFinished(t *testing.T) {
	st, _ := open(t)
	ann := addVolunteer(t, st, "Ann")
	for i := 1; i <= 3; i++ {
		p := addPerson(t, st, i)
		attribute(t, st, p, ann.Code)
		if i != 2 {
			update(t, st, func(tx *store.Tx) error { return tx.ConfirmEntry(p.ID) })
		}
	}
	if g := statsByName(t, st)["Ann"]; g.Started != 3 || g.Finished != 2 {
		t.Errorf("Ann: started %d, finished %d; want 3, 2", g.Started, g.Finished)
	}
}

func TestVolunteerStatsByTelegram(t *testing.T) {
	st, path := open(t)
	ann := addVolunteer(t, st, "Ann")
	if _, err := st.VolunteerStatsByTelegram(context.Background(), "42"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("stats of an unlinked id: error %v; want ErrNotFound", err)
	}
	if _, err := raw(t, path).Exec(`UPDATE volunteers SET telegram_user_id = '42' WHERE id = ?`, ann.ID); err != nil {
		t.Fatal(err)
	}
	p, self := addPerson(t, st, 7), addPerson(t, st, 42)
	attribute(t, st, p, ann.Code)
	if got := attribute(t, st, self, ann.Code); got != store.OwnCode {
		t.Errorf("Ann through her own link: got %s; want own_code", got)
	}
	g, err := st.VolunteerStatsByTelegram(context.Background(), "42")
	if err != nil || g.Code != ann.Code || g.Started != 1 {
		t.Errorf("VolunteerStatsByTelegram = %+v, %v; want Ann with 1 started", g, err)
	}
}

func TestBotUsername(t *testing.T) {
	st, _ := open(t)
	if _, err := st.BotUsername(context.Background()); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("BotUsername before any start: error %v; want ErrNotFound", err)
	}
	for _, name := range []string{"first_bot", "renamed_bot"} {
		update(t, st, func(tx *store.Tx) error { return tx.SetBotUsername(name) })
		if got, err := st.BotUsername(context.Background()); err != nil || got != name {
			t.Errorf("BotUsername = %q, %v; want %q", got, err, name)
		}
	}
}

func statsByName(t *testing.T, st *store.Store) map[string]store.VolunteerStats {
	t.Helper()
	vs, err := st.Volunteers(context.Background())
	if err != nil {
		t.Fatalf("Volunteers: %v", err)
	}
	m := map[string]store.VolunteerStats{}
	for _, v := range vs {
		m[v.Name] = v
	}
	return m
}
