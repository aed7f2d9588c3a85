package store_test

import (
	"context"
	"errors"
	"reflect"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/assetbot/assetbot/internal/flow"
	"github.com/assetbot/assetbot/internal/store"
)

func TestConsentedKeys(t *testing.T) {
	st, _ := open(t)
	update(t, st, func(tx *store.Tx) error {
		for _, p := range []struct {
			who     string
			consent bool
			keys    []string
		}{
			{"first", true, []string{"area", "pets"}},
			// A key only someone who refused gave is no column.
			{"refused", false, []string{"secret"}},
			{"second", true, []string{"pets", "head", "withdrawn"}},
		} {
			id := person(t, tx, p.who).ID
			if err := tx.RecordConsent(id, "map", p.consent, "resident", 1); err != nil {
				return err
			}
			for _, k := range p.keys {
				if _, err := tx.SaveAnswer(id, "resident", flow.Answer{Key: k, Step: k, Value: text(k), Version: 1}); err != nil {
					return err
				}
			}
			if _, err := tx.SaveAnswer(id, "organiser", flow.Answer{Key: "other_flow", Step: "x", Value: text("x"), Version: 1}); err != nil {
				return err
			}
			if _, err := tx.WithdrawAnswer(id, "resident", "withdrawn"); err != nil {
				return err
			}
		}
		return nil
	})
	keys, err := st.ConsentedKeys(context.Background(), "resident", "map")
	if want := []string{"area", "pets", "head"}; err != nil || !slices.Equal(keys, want) {
		t.Errorf("ConsentedKeys = %q, %v; want %q: in the order first given, of consenting people's current answers in the flow", keys, err, want)
	}
}

func TestConsentedEachStopsAtAnError(t *testing.T) {
	st, _ := open(t)
	update(t, st, func(tx *store.Tx) error {
		for _, who := range []string{"a", "b", "c"} {
			if err := tx.RecordConsent(person(t, tx, who).ID, "map", true, "resident", 1); err != nil {
				return err
			}
		}
		return nil
	})
	stop := errors.New("stop")
	calls := 0
	err := st.ConsentedEach(context.Background(), "resident", "map", func(store.Record) error {
		calls++
		return stop
	})
	if !errors.Is(err, stop) || calls != 1 {
		t.Errorf("ConsentedEach = %v after %d calls; want fn's error after 1", err, calls)
	}
}

func TestAssetKeys(t *testing.T) {
	st, _ := open(t)
	update(t, st, func(tx *store.Tx) error {
		for _, a := range []struct {
			kind    string
			keys    []string
			removed bool
		}{
			{"association", []string{"name", "purpose"}, false},
			{"association", []string{"name", "founded"}, false},
			{"association", []string{"name", "gone"}, true},
			{"place", []string{"name", "location"}, false},
		} {
			fields := map[string]flow.Value{}
			for _, k := range a.keys {
				fields[k] = text(k)
			}
			created, err := tx.CreateAsset(store.Asset{Kind: a.kind, Name: "x", Fields: fields, FlowVersion: 1}, 0)
			if err != nil {
				return err
			}
			if a.removed {
				if err := tx.RemoveAsset(created.ID, 0); err != nil {
					return err
				}
			}
		}
		return nil
	})
	keys, err := st.AssetKeys(context.Background(), "association")
	if want := []string{"founded", "name", "purpose"}; err != nil || !slices.Equal(keys, want) {
		t.Errorf("AssetKeys = %q, %v; want %q: sorted, of the kind's assets on the map", keys, err, want)
	}
}

// TestConsentedInOrderGiven checks that each person's answers, and the
// keys, come in the order given, not in the order of their keys (which is
// how the index the reads walk holds them).
func TestConsentedInOrderGiven(t *testing.T) {
	st, _ := open(t)
	update(t, st, func(tx *store.Tx) error {
		for _, p := range []struct {
			who  string
			keys []string
		}{
			{"first", []string{"zebra", "apple", "mango"}},
			{"second", []string{"banana", "apple"}},
		} {
			id := person(t, tx, p.who).ID
			if err := tx.RecordConsent(id, "map", true, "resident", 1); err != nil {
				return err
			}
			for _, k := range p.keys {
				if _, err := tx.SaveAnswer(id, "resident", flow.Answer{Key: k, Step: k, Value: text(k), Version: 1}); err != nil {
					return err
				}
			}
		}
		return nil
	})
	ctx := context.Background()
	keys, err := st.ConsentedKeys(ctx, "resident", "map")
	if want := []string{"zebra", "apple", "mango", "banana"}; err != nil || !slices.Equal(keys, want) {
		t.Errorf("ConsentedKeys = %q, %v; want %q", keys, err, want)
	}
	want := [][]string{{"zebra", "apple", "mango"}, {"banana", "apple"}}
	for name, read := range map[string]func(context.Context, string, string, func(store.Record) error) error{
		"ConsentedEach": st.ConsentedEach, "ConsentedValues": st.ConsentedValues,
	} {
		var got [][]string
		err := read(ctx, "resident", "map", func(r store.Record) error {
			var keys []string
			for _, a := range r.Answers {
				keys = append(keys, a.Key)
			}
			got = append(got, keys)
			return nil
		})
		if err != nil || !slices.EqualFunc(got, want, slices.Equal) {
			t.Errorf("%s gave answers %q, %v; want %q", name, got, err, want)
		}
	}
}

// TestConsentedEachAsStored checks that ConsentedEach gives each answer as
// the store holds it, with every field, whichever of its times and its
// step are one: given once; changed later; confirmed later; asked by a
// step named otherwise than its key.
func TestConsentedEachAsStored(t *testing.T) {
	c := newClock()
	st, _ := open(t, c.Option())
	var id int64
	save := func(key, step, value string) {
		update(t, st, func(tx *store.Tx) error {
			_, err := tx.SaveAnswer(id, "resident", flow.Answer{Key: key, Step: step, Value: text(value), Version: 2})
			return err
		})
	}
	update(t, st, func(tx *store.Tx) error {
		id = person(t, tx, "ada").ID
		return tx.RecordConsent(id, "map", true, "resident", 1)
	})
	save("once", "once", "a")
	save("changed", "changed", "b")
	save("renamed", "ask_renamed", "c")
	c.Advance(time.Hour)
	save("changed", "changed", "b2")
	save("late", "late", "d")
	c.Advance(time.Hour)
	update(t, st, func(tx *store.Tx) error {
		_, err := tx.ConfirmAnswers(id, "resident")
		return err
	})
	c.Advance(time.Hour)
	save("after", "after_step", "e")
	var want map[string]store.StoredAnswer
	update(t, st, func(tx *store.Tx) (err error) {
		want, err = tx.Answers(id, "resident")
		return err
	})
	all, err := st.Consented(context.Background(), "resident", "map")
	if err != nil || len(all) != 1 {
		t.Fatalf("Consented = %+v, %v; want one person", all, err)
	}
	got := map[string]store.StoredAnswer{}
	for _, a := range all[0].Answers {
		got[a.Key] = a
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("ConsentedEach answers:\n%+v\nwant, as stored:\n%+v", got, want)
	}
	if a := want["changed"]; a.CreatedAt.Equal(a.UpdatedAt) || a.UpdatedAt.Equal(a.ConfirmedAt) {
		t.Errorf("answer %+v: want three different times, to check each is read", a)
	}
}

// TestConsentedTexts checks that ConsentedTexts counts everyone who
// consented once, by their answer's text as given: those who gave none,
// withdrew it or skipped it under "", and nobody who refused or withdrew
// their consent.
func TestConsentedTexts(t *testing.T) {
	st, _ := open(t)
	update(t, st, func(tx *store.Tx) error {
		for _, p := range []struct {
			who      string
			consents []bool
			area     *flow.Value
			withdraw bool
		}{
			{"ada", []bool{true}, &flow.Value{Text: "LS6"}, false},
			{"bo", []bool{true}, &flow.Value{Text: "ls6 "}, false},
			{"cy", []bool{true}, nil, false},
			{"di", []bool{true}, &flow.Value{Skipped: true}, false},
			{"ed", []bool{true}, &flow.Value{Text: "LS7"}, true},
			{"fi", []bool{false}, &flow.Value{Text: "LS6"}, false},
			{"gu", []bool{true, false}, &flow.Value{Text: "LS6"}, false},
			{"hu", []bool{false, true}, &flow.Value{Text: "LS6"}, false},
		} {
			id := person(t, tx, p.who).ID
			for _, granted := range p.consents {
				if err := tx.RecordConsent(id, "map", granted, "resident", 1); err != nil {
					return err
				}
			}
			if p.area != nil {
				if _, err := tx.SaveAnswer(id, "resident", flow.Answer{Key: "area", Step: "area", Value: *p.area, Version: 1}); err != nil {
					return err
				}
			}
			if p.withdraw {
				if _, err := tx.WithdrawAnswer(id, "resident", "area"); err != nil {
					return err
				}
			}
		}
		return nil
	})
	counts, err := st.ConsentedTexts(context.Background(), "resident", "map", "area")
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]int{}
	for _, c := range counts {
		got[c.Text] += c.Count
	}
	if want := map[string]int{"LS6": 2, "ls6 ": 1, "": 3}; !reflect.DeepEqual(got, want) {
		t.Errorf("ConsentedTexts = %v; want %v", got, want)
	}
}

// TestConsentedValuesReadsLess checks what ConsentedValues fills of each
// answer: what ConsentedEach does of its key, value and confirmation, and
// nothing else.
func TestConsentedValuesReadsLess(t *testing.T) {
	st, _ := open(t)
	update(t, st, func(tx *store.Tx) error {
		id := person(t, tx, "ada").ID
		if err := tx.RecordConsent(id, "map", true, "resident", 1); err != nil {
			return err
		}
		_, err := tx.SaveAnswer(id, "resident", flow.Answer{Key: "hands", Step: "hands_step", Value: flow.Value{Choices: []string{"diy"}}, Version: 3})
		return err
	})
	ctx := context.Background()
	all, err := st.Consented(ctx, "resident", "map")
	if err != nil || len(all) != 1 || len(all[0].Answers) != 1 {
		t.Fatalf("Consented = %+v, %v; want one person with one answer", all, err)
	}
	full := all[0].Answers[0]
	if full.Step != "hands_step" || full.FlowVersion != 3 || full.CreatedAt.IsZero() || full.UpdatedAt.IsZero() {
		t.Errorf("ConsentedEach answer = %+v; want every field", full)
	}
	want := store.StoredAnswer{Flow: "resident", Key: full.Key, Value: full.Value, ConfirmedAt: full.ConfirmedAt}
	var got []store.StoredAnswer
	err = st.ConsentedValues(ctx, "resident", "map", func(r store.Record) error {
		if r.Person != all[0].Person || !r.ConsentAt.Equal(all[0].ConsentAt) {
			t.Errorf("ConsentedValues person = %+v; want %+v", r.Person, all[0].Person)
		}
		got = append(got, r.Answers...)
		return nil
	})
	if err != nil || len(got) != 1 || !reflect.DeepEqual(got[0], want) {
		t.Errorf("ConsentedValues answers = %+v, %v; want only %+v", got, err, want)
	}
}

// TestConsentedEachStopsPartWay checks that a reader that reads ahead of
// fn stops when fn fails or the context ends, past what it read ahead.
func TestConsentedEachStopsPartWay(t *testing.T) {
	st, _ := open(t)
	const people = 300
	update(t, st, func(tx *store.Tx) error {
		for i := range people {
			id := person(t, tx, strconv.Itoa(i)).ID
			if err := tx.RecordConsent(id, "map", true, "resident", 1); err != nil {
				return err
			}
			if _, err := tx.SaveAnswer(id, "resident", flow.Answer{Key: "area", Step: "area", Value: text("LS6"), Version: 1}); err != nil {
				return err
			}
		}
		return nil
	})
	stop := errors.New("stop")
	calls := 0
	err := st.ConsentedEach(context.Background(), "resident", "map", func(store.Record) error {
		if calls++; calls == people/2 {
			return stop
		}
		return nil
	})
	if !errors.Is(err, stop) || calls != people/2 {
		t.Errorf("ConsentedEach = %v after %d calls; want fn's error after %d", err, calls, people/2)
	}
	ctx, cancel := context.WithCancel(context.Background())
	calls = 0
	err = st.ConsentedValues(ctx, "resident", "map", func(store.Record) error {
		if calls++; calls == 10 {
			cancel()
		}
		return nil
	})
	if !errors.Is(err, context.Canceled) || calls > 10 {
		t.Errorf("ConsentedValues = %v after %d calls; want it cancelled at once", err, calls)
	}
	// Both readers were let go: the store still reads.
	if _, err := st.Consented(context.Background(), "resident", "map"); err != nil {
		t.Errorf("Consented after stopping = %v", err)
	}
}
