package store_test

import (
	"context"
	"testing"

	"github.com/assetbot/assetbot/internal/flow"
	"github.com/assetbot/assetbot/internal/store"
)

// TestAimPeopleKeys checks that AimPeople finds a match only in the answer
// keys it is given: an option or word under another key is not read.
func TestAimPeopleKeys(t *testing.T) {
	st, _ := open(t)
	update(t, st, func(tx *store.Tx) error {
		for _, a := range []struct {
			user, key string
			value     flow.Value
		}{
			{"choice", "hands", flow.Value{Choices: []string{"cooking", "young_people"}}},
			{"word", "offer", text("I coach Netball")},
			{"other", "hands", flow.Value{Choices: []string{"other"}, Other: "football"}},
			{"elsewhere", "old_key", text("netball")},
		} {
			p := person(t, tx, a.user)
			if err := tx.RecordConsent(p.ID, "map", true, "resident", 1); err != nil {
				return err
			}
			if _, err := tx.SaveAnswer(p.ID, "resident", flow.Answer{Key: a.key, Step: a.key, Value: a.value, Version: 1}); err != nil {
				return err
			}
		}
		return nil
	})
	options, words := []string{"young_people"}, []string{"netball", "football"}
	for _, tt := range []struct {
		name string
		keys []string
		want int
	}{
		{"all keys", []string{"hands", "offer", "old_key"}, 4},
		{"flow keys", []string{"hands", "offer"}, 3},
		{"choices only", []string{"hands"}, 2},
		{"text only", []string{"offer"}, 1},
		{"no keys", nil, 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, err := st.AimPeople(context.Background(), "resident", "map", "offer", tt.keys, options, words, 10)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != tt.want {
				t.Errorf("AimPeople(keys %v) found %d people; want %d", tt.keys, len(got), tt.want)
			}
		})
	}
}
