package store_test

import (
	"errors"
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
			return tx.RecordDecision(store.Consent{PersonID: id, Purpose: purpose, Granted: granted, Flow: "resident", FlowVersion: 2, TextVersion: version})
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
		want    store.Consent
	}{
		{"contact", store.Consent{PersonID: id, Purpose: "contact", Granted: false, Flow: "resident", FlowVersion: 2, TextVersion: "resident@2/contact/en/cccccccccccc", At: t0.Add(2 * time.Minute)}},
		{"map", store.Consent{PersonID: id, Purpose: "map", Granted: true, Flow: "resident", FlowVersion: 2, TextVersion: "resident@2/consent/en/aaaaaaaaaaaa", At: t0}},
		{"shown", store.Consent{PersonID: id, Purpose: "shown", Granted: true, Flow: "resident", FlowVersion: 2, At: t0.Add(3 * time.Minute)}},
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

func TestDeletePerson(t *testing.T) {
	st, path := open(t)
	var gone, kept int64
	update(t, st, func(tx *store.Tx) error {
		gone, kept = person(t, tx, "1").ID, person(t, tx, "2").ID
		for _, id := range []int64{gone, kept} {
			if err := tx.RecordConsent(id, "map", false, "resident", 1); err != nil {
				return err
			}
			if err := tx.SaveConversation(store.Conversation{PersonID: id, Flow: "resident", Status: "active", State: []byte(`{}`)}); err != nil {
				return err
			}
		}
		return tx.DeletePerson(gone)
	})
	update(t, st, func(tx *store.Tx) error {
		if _, err := tx.PersonByID(gone); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("PersonByID(deleted) error %v; want ErrNotFound", err)
		}
		if _, err := tx.Conversation(kept); err != nil {
			t.Errorf("the other person's conversation: %v", err)
		}
		return nil
	})
	db := raw(t, path)
	for _, table := range []string{"consents", "conversations"} {
		if n := count(t, db, `SELECT COUNT(*) FROM `+table+` WHERE person_id = ?`, gone); n != 0 {
			t.Errorf("%d rows of the deleted person in %s; want none", n, table)
		}
		if n := count(t, db, `SELECT COUNT(*) FROM `+table+` WHERE person_id = ?`, kept); n != 1 {
			t.Errorf("%d rows of the other person in %s; want 1", n, table)
		}
	}
}
