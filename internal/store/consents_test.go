package store_test

import (
	"reflect"
	"testing"
	"time"

	"github.com/assetbot/assetbot/internal/store"
)

func TestConsentsAndTextVersions(t *testing.T) {
	c := newClock()
	st, path := open(t, c.Option())
	var id int64
	decide := func(purpose string, granted bool, version string) {
		t.Helper()
		update(t, st, func(tx *store.Tx) error {
			return tx.RecordDecision(id, store.ConsentRecord{Purpose: purpose, Granted: granted, Flow: "resident", FlowVersion: 2, TextVersion: version})
		})
		c.Advance(time.Minute)
	}
	update(t, st, func(tx *store.Tx) error { id = person(t, tx, "42").ID; return nil })
	decide("map", true, "resident@2/consent/en/aaaaaaaaaaaa")
	decide("contact", true, "resident@2/contact/cy/bbbbbbbbbbbb")
	decide("contact", false, "resident@2/contact/en/cccccccccccc")
	update(t, st, func(tx *store.Tx) error { return tx.RecordConsent(id, "shown", true, "resident", 2) })

	tests := []struct {
		purpose string
		want    store.ConsentRecord
	}{
		{"contact", store.ConsentRecord{Purpose: "contact", Granted: false, Flow: "resident", FlowVersion: 2, TextVersion: "resident@2/contact/en/cccccccccccc", At: t0.Add(2 * time.Minute)}},
		{"map", store.ConsentRecord{Purpose: "map", Granted: true, Flow: "resident", FlowVersion: 2, TextVersion: "resident@2/consent/en/aaaaaaaaaaaa", At: t0}},
		{"shown", store.ConsentRecord{Purpose: "shown", Granted: true, Flow: "resident", FlowVersion: 2, At: t0.Add(3 * time.Minute)}},
	}
	update(t, st, func(tx *store.Tx) error {
		got, err := tx.Consents(id)
		if err != nil {
			return err
		}
		if len(got) != len(tests) {
			t.Fatalf("Consents = %+v; want the %d decisions in force", got, len(tests))
		}
		for i, tt := range tests {
			if !reflect.DeepEqual(got[i], tt.want) {
				t.Errorf("%s: got %+v; want %+v", tt.purpose, got[i], tt.want)
			}
		}
		none, err := tx.Consents(id + 1)
		if err != nil || len(none) != 0 {
			t.Errorf("Consents of nobody = %+v, %v; want none", none, err)
		}
		return nil
	})
	// Every decision is kept, with its words: the history is the record.
	db := raw(t, path)
	if n := count(t, db, `SELECT COUNT(*) FROM consents WHERE person_id = ? AND text_version <> ''`, id); n != 3 {
		t.Errorf("%d decisions with a text version; want 3", n)
	}
}
