package store_test

import (
	"context"
	"errors"
	"slices"
	"testing"

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
