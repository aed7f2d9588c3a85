package digest_test

import (
	"bytes"
	"context"
	"image/png"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/assetbot/assetbot/flows"
	"github.com/assetbot/assetbot/internal/config"
	"github.com/assetbot/assetbot/internal/digest"
	"github.com/assetbot/assetbot/internal/flow"
	"github.com/assetbot/assetbot/internal/golden"
	"github.com/assetbot/assetbot/internal/referral"
	"github.com/assetbot/assetbot/internal/store"
)

// start is the fixed clock's first reading; the digest is read ten days
// later, so the first people are older than its week.
var start = time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)

// clock is a settable clock for the store.
type clock struct{ now atomic.Int64 }

func (c *clock) Now() time.Time          { return time.Unix(0, c.now.Load()).UTC() }
func (c *clock) Set(t time.Time)         { c.now.Store(t.UnixNano()) }
func (c *clock) Advance(d time.Duration) { c.Set(c.Now().Add(d)) }

// resident returns the shipped resident flow.
func resident(t testing.TB) *flow.Flow {
	t.Helper()
	return shipped(t)["resident"]
}

// shipped returns the shipped flows by id.
func shipped(t testing.TB) map[string]*flow.Flow {
	t.Helper()
	all, problems := flow.LoadFS(flows.FS, ".")
	if len(problems) > 0 {
		t.Fatalf("shipped flows: %v", problems)
	}
	return all
}

// aim is the seeded community's aim.
var aim = config.Aim{Text: "sport and fun for young girls", Options: []string{"young_people"}, Words: []string{"netball", "football"}}

// resident is someone to seed: their first name, Telegram id, whether they
// consent to the map, and their answers.
type seedPerson struct {
	name, userID string
	consent      bool
	answers      map[string]flow.Value
	step         string // the step their unfinished conversation waits on
}

func multi(ids ...string) flow.Value { return flow.Value{Choices: ids} }
func text(s string) flow.Value       { return flow.Value{Text: s} }

func seed(t testing.TB, st *store.Store, f *flow.Flow, people []seedPerson, pl *referral.Payload) {
	t.Helper()
	err := st.Update(context.Background(), func(tx *store.Tx) error {
		for _, sp := range people {
			p, err := tx.CreatePerson(store.Person{Channel: "telegram", ChannelUserID: sp.userID, FirstName: sp.name})
			if err != nil {
				return err
			}
			if pl != nil {
				if _, err := tx.Attribute(p, *pl); err != nil {
					return err
				}
			}
			if err := tx.RecordConsent(p.ID, "map", sp.consent, f.ID, f.Version); err != nil {
				return err
			}
			for key, v := range sp.answers {
				if _, err := tx.SaveAnswer(p.ID, f.ID, flow.Answer{Key: key, Step: key, Value: v, Version: f.Version}); err != nil {
					return err
				}
			}
			if sp.step != "" {
				state := []byte(`{"flow":{"flow":"resident","version":1,"status":"active","step":"` + sp.step + `","turn":3}}`)
				if err := tx.SaveConversation(store.Conversation{PersonID: p.ID, Flow: f.ID, Status: "active", State: state}); err != nil {
					return err
				}
			} else if err := tx.ConfirmEntry(p.ID); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatalf("seed: %v", err)
	}
}

func addAsset(t testing.TB, st *store.Store, a store.Asset) {
	t.Helper()
	err := st.Update(context.Background(), func(tx *store.Tx) error {
		_, err := tx.CreateAsset(a, 0)
		return err
	})
	if err != nil {
		t.Fatalf("add asset: %v", err)
	}
}

// seeded opens a database with a small community in it, some of it older
// than a week, and returns it with the time the digest is read.
func seeded(t *testing.T) (*store.Store, *flow.Flow, time.Time) {
	t.Helper()
	c := &clock{}
	c.Set(start)
	st, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "digest.db"), store.WithClock(c.Now))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	f := resident(t)
	var pl referral.Payload
	err = st.Update(context.Background(), func(tx *store.Tx) error {
		v, err := tx.AddVolunteer("Sam", referral.NewCode(referral.Volunteer))
		pl, _ = referral.ParsePayload(v.Code)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	seed(t, st, f, []seedPerson{
		{name: "Ann", userID: "1001", consent: true, answers: map[string]flow.Value{
			"hands": multi("cooking", "gardening"), "heart": multi("young_people", "food"),
			"offer": text("Coaching netball on Saturdays"), "area": text("Riverside")}},
		{name: "Bob", userID: "1002", consent: true, answers: map[string]flow.Value{
			"hands": multi("diy"), "heart": multi("green_spaces"), "area": text("Hilltop")}},
		// Cat matches the aim but said no to the map: she is never named.
		{name: "Cat", userID: "1003", consent: false, answers: map[string]flow.Value{"heart": multi("young_people")}},
	}, nil)
	addAsset(t, st, store.Asset{Kind: "place", Name: "Green Park", Fields: map[string]flow.Value{}})
	c.Advance(8 * 24 * time.Hour)
	seed(t, st, f, []seedPerson{
		{name: "Dee", userID: "1004", consent: true, answers: map[string]flow.Value{
			"hands": multi("cooking", "music"), "heart": multi("young_people"),
			"offer": text("Dance classes"), "area": text("riverside ")}},
		{name: "Eve", userID: "1005", consent: true, answers: map[string]flow.Value{"hands": multi("cooking")}, step: "heart"},
		{name: "Fay", userID: "1006", consent: true, step: "hands"},
	}, &pl)
	addAsset(t, st, store.Asset{Kind: "association", Name: "Girls Football Club", Fields: map[string]flow.Value{}})
	addAsset(t, st, store.Asset{Kind: "place", Name: "Library", Fields: map[string]flow.Value{"notes": text("netball court outside")}})
	c.Advance(2 * 24 * time.Hour)
	return st, f, c.Now()
}

// TestText checks the digest's text, in English and Welsh, for a seeded
// database and a fixed clock against golden files.
func TestText(t *testing.T) {
	st, f, now := seeded(t)
	d, err := digest.Build(context.Background(), st, digest.Params{Resident: f, Aim: aim, Location: time.UTC, Flows: shipped(t)}, now.Add(-digest.Week), now)
	if err != nil {
		t.Fatal(err)
	}
	for _, lang := range []string{"en", "cy"} {
		t.Run(lang, func(t *testing.T) {
			got := digest.Text(d, lang)
			golden.Check(t, filepath.Join("testdata", "digest_"+lang+".txt"), got)
			const maxMessage = 4096
			if n := len([]rune(got)); n > maxMessage {
				t.Errorf("digest is %d characters; Telegram takes at most %d", n, maxMessage)
			}
			for _, secret := range []string{"1001", "1002", "1003", "1004", "Cat"} {
				if strings.Contains(got, secret) {
					t.Errorf("digest holds %q: nobody's Telegram id, nor anyone who did not consent, may appear", secret)
				}
			}
		})
	}
}

// TestChart checks that the chart is a PNG of the expected size, for a
// seeded database and for an empty one.
func TestChart(t *testing.T) {
	st, f, now := seeded(t)
	emptyStore, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "empty.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer emptyStore.Close()
	for _, tt := range []struct {
		name string
		st   *store.Store
	}{{"seeded", st}, {"empty", emptyStore}} {
		t.Run(tt.name, func(t *testing.T) {
			d, err := digest.Build(context.Background(), tt.st, digest.Params{Resident: f, Aim: aim, Location: time.UTC}, now.Add(-digest.Week), now)
			if err != nil {
				t.Fatal(err)
			}
			data, err := digest.Chart(d, "cy")
			if err != nil {
				t.Fatal(err)
			}
			img, err := png.Decode(bytes.NewReader(data))
			if err != nil {
				t.Fatalf("chart does not decode as PNG: %v", err)
			}
			if b := img.Bounds(); b.Dx() != digest.ChartWidth || b.Dy() != digest.ChartHeight {
				t.Errorf("chart is %dx%d; want %dx%d", b.Dx(), b.Dy(), digest.ChartWidth, digest.ChartHeight)
			}
		})
	}
}

// TestPeoplePerWeek checks the chart's weekly counts: the seeded people
// joined ten days and two days before the digest.
func TestPeoplePerWeek(t *testing.T) {
	st, f, now := seeded(t)
	d, err := digest.Build(context.Background(), st, digest.Params{Resident: f, Location: time.UTC}, now.Add(-digest.Week), now)
	if err != nil {
		t.Fatal(err)
	}
	want := make([]int, 12)
	want[0], want[1] = 3, 3
	if !slices.Equal(d.Weeks, want) {
		t.Errorf("Weeks = %v; want %v", d.Weeks, want)
	}
}

// TestTextNamesByFlows checks how the digest names kinds of asset and the
// steps where people stop: by the flows' titles and the steps' labels in
// the reader's language, and by their ids when the flows are not in use
// (removed since the answers were given).
func TestTextNamesByFlows(t *testing.T) {
	st, f, now := seeded(t)
	tests := []struct {
		name  string
		flows map[string]*flow.Flow
		lang  string
		want  []string
	}{
		{"English", shipped(t), "en", []string{"A group or club 1 (+1)", "Library (A place or space)", "Skills to share (Your gifts to the neighbourhood) 1"}},
		{"Welsh", shipped(t), "cy", []string{"Grŵp neu glwb 1 (+1)", "Library (Lle neu ofod)", "Sgiliau i'w rhannu (Eich doniau i'r gymdogaeth) 1"}},
		{"flows not in use", nil, "en", []string{"association 1 (+1)", "Library (place)", "hands (resident) 1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := digest.Build(context.Background(), st, digest.Params{Resident: f, Aim: aim, Location: time.UTC, Flows: tt.flows}, now.Add(-digest.Week), now)
			if err != nil {
				t.Fatal(err)
			}
			got := digest.Text(d, tt.lang)
			for _, w := range tt.want {
				if !strings.Contains(got, w) {
					t.Errorf("digest reads:\n%s\nwant %q in it", got, w)
				}
			}
		})
	}
}
