package store_test

import (
	"context"
	"slices"
	"testing"
	"time"

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

// countOptionsSQL is how OptionCounts counted before option_counts kept
// the totals: grouping every current answer. TestOptionCountsFollowAnswers
// checks the kept counts against it.
const countOptionsSQL = `SELECT g.key, IFNULL(o.value, g.value ->> '$.choice') AS opt, SUM(g.n), SUM(g.fresh) FROM (
		SELECT key, value, COUNT(*) AS n, SUM(created_at >= ?3) AS fresh FROM answers
		WHERE flow = ?1 AND withdrawn_at IS NULL AND key IN (SELECT value FROM json_each(?2)) AND json_valid(value) GROUP BY key, value) g
	LEFT JOIN json_each(g.value, '$.choices') o
	GROUP BY g.key, opt HAVING opt IS NOT NULL ORDER BY g.key, opt`

// TestOptionCountsFollowAnswers changes answers in every way they change,
// through the store and behind its back, and checks after each change that
// OptionCounts gives what counting every answer gives, in all and since a
// time.
func TestOptionCountsFollowAnswers(t *testing.T) {
	c := newClock()
	st, path := open(t, c.Option())
	db := raw(t, path)
	ctx := context.Background()
	keys := []string{"hands", "time", "renamed"}
	since := t0.Add(30 * time.Minute)
	check := func(step string) {
		t.Helper()
		got, err := st.OptionCounts(ctx, "resident", keys, since)
		if err != nil {
			t.Fatalf("%s: %v", step, err)
		}
		rows, err := db.Query(countOptionsSQL, "resident", `["hands","time","renamed"]`, since.Format("2006-01-02T15:04:05.000Z"))
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var want []store.OptionCount
		for rows.Next() {
			var o store.OptionCount
			if err := rows.Scan(&o.Key, &o.Option, &o.Total, &o.New); err != nil {
				t.Fatal(err)
			}
			want = append(want, o)
		}
		if !slices.Equal(got, want) {
			t.Errorf("after %s: OptionCounts = %v; want %v", step, got, want)
		}
	}
	ids := map[string]int64{}
	// Each step changes answers through the store or behind its back.
	type step func() error
	inTx := func(fns ...func(*store.Tx) error) step {
		return func() error {
			return st.Update(ctx, func(tx *store.Tx) error {
				for _, fn := range fns {
					if err := fn(tx); err != nil {
						return err
					}
				}
				return nil
			})
		}
	}
	save := func(who, key string, v flow.Value) func(*store.Tx) error {
		return func(tx *store.Tx) error {
			_, err := tx.SaveAnswer(ids[who], "resident", flow.Answer{Key: key, Step: key, Value: v, Version: 1})
			return err
		}
	}
	behind := func(query string, args ...any) step {
		return func() error {
			conn, err := db.Conn(ctx)
			if err != nil {
				return err
			}
			defer conn.Close()
			// So that deleting a person deletes their answers.
			if _, err := conn.ExecContext(ctx, `PRAGMA foreign_keys = ON`); err != nil {
				return err
			}
			_, err = conn.ExecContext(ctx, query, args...)
			return err
		}
	}
	update(t, st, func(tx *store.Tx) error {
		for _, who := range []string{"ann", "bob", "cat", "dan"} {
			ids[who] = person(t, tx, who).ID
		}
		return nil
	})
	for _, s := range []struct {
		name string
		do   step
	}{
		{"first answers", inTx(
			save("ann", "hands", flow.Value{Choices: []string{"cooking", "diy"}}),
			save("bob", "hands", flow.Value{Choices: []string{"cooking", "other"}, Other: "kites"}),
			save("cat", "hands", flow.Value{Choices: []string{"music", "music"}}),
			save("ann", "time", flow.Value{Choice: "weekly"}),
			save("bob", "area", text("LS6")),
		)},
		{"answers given later", inTx(save("dan", "hands", flow.Value{Choices: []string{"diy"}}), save("bob", "time", flow.Value{Choice: "monthly"}))},
		{"a changed answer", inTx(save("ann", "hands", flow.Value{Choices: []string{"music"}}))},
		{"a confirmed answer", inTx(save("ann", "hands", flow.Value{Choices: []string{"music"}}))},
		{"a withdrawn answer", inTx(func(tx *store.Tx) error { _, err := tx.WithdrawAnswer(ids["bob"], "resident", "hands"); return err })},
		{"a withdrawn answer given again", inTx(save("bob", "hands", flow.Value{Choices: []string{"diy"}}))},
		{"deleted answers", inTx(func(tx *store.Tx) error { _, err := tx.DeleteAnswers(ids["cat"]); return err })},
		{"a person deleted", behind(`DELETE FROM people WHERE id = ?`, ids["ann"])},
		{"a key renamed", behind(`UPDATE answers SET key = 'renamed' WHERE key = 'time'`)},
		{"a value that is not JSON", behind(`INSERT INTO answers (person_id, flow, key, step, value, flow_version, created_at, updated_at, confirmed_at)
			VALUES (?, 'resident', 'hands', 'hands', 'not json', 1, '2026-03-14T09:30:00.000Z', '', '')`, ids["cat"])},
		{"a value that is not JSON changed", behind(`UPDATE answers SET value = '{"choices":["diy"]}' WHERE value = 'not json'`)},
	} {
		if err := s.do(); err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		check(s.name)
		c.Advance(time.Hour)
	}
}
