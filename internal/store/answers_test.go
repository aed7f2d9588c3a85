package store_test

import (
	"context"
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/assetbot/assetbot/internal/flow"
	"github.com/assetbot/assetbot/internal/store"
)

func TestSaveAnswer(t *testing.T) {
	c := newClock()
	st, _ := open(t, c.Option())
	var id int64
	update(t, st, func(tx *store.Tx) error { id = person(t, tx, "1").ID; return nil })

	yes := true
	steps := []struct {
		name  string
		value flow.Value
		want  store.AnswerChange
		// the answer afterwards, as offsets from t0
		created, updated, confirmed time.Duration
		history                     []store.HistoryEntry
	}{
		{name: "first answer", value: text("LS6"), want: store.AnswerNew},
		{name: "same again", value: text("LS6"), want: store.AnswerConfirmed, confirmed: time.Hour},
		{name: "changed", value: text("Headingley"), want: store.AnswerChanged, updated: 2 * time.Hour, confirmed: 2 * time.Hour,
			history: []store.HistoryEntry{{Value: text("LS6"), FlowVersion: 1, ValidFrom: t0, ReplacedAt: t0.Add(2 * time.Hour)}}},
		{name: "changed type", value: flow.Value{Bool: &yes}, want: store.AnswerChanged, updated: 3 * time.Hour, confirmed: 3 * time.Hour,
			history: []store.HistoryEntry{
				{Value: text("LS6"), FlowVersion: 1, ValidFrom: t0, ReplacedAt: t0.Add(2 * time.Hour)},
				{Value: text("Headingley"), FlowVersion: 1, ValidFrom: t0.Add(2 * time.Hour), ReplacedAt: t0.Add(3 * time.Hour)},
			}},
		{name: "confirmed after change", value: flow.Value{Bool: &yes}, want: store.AnswerConfirmed, updated: 3 * time.Hour, confirmed: 4 * time.Hour,
			history: []store.HistoryEntry{
				{Value: text("LS6"), FlowVersion: 1, ValidFrom: t0, ReplacedAt: t0.Add(2 * time.Hour)},
				{Value: text("Headingley"), FlowVersion: 1, ValidFrom: t0.Add(2 * time.Hour), ReplacedAt: t0.Add(3 * time.Hour)},
			}},
	}
	for i, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			if i > 0 {
				c.Advance(time.Hour)
			}
			update(t, st, func(tx *store.Tx) error {
				got, err := tx.SaveAnswer(id, "resident", flow.Answer{Key: "area", Step: "area", Value: s.value, Version: 1})
				if err != nil {
					return err
				}
				if got != s.want {
					t.Errorf("SaveAnswer = %v; want %v", got, s.want)
				}
				answers, err := tx.Answers(id, "resident")
				if err != nil {
					return err
				}
				a := answers["area"]
				want := store.StoredAnswer{Flow: "resident", Key: "area", Step: "area", Value: s.value, FlowVersion: 1,
					CreatedAt: t0.Add(s.created), UpdatedAt: t0.Add(s.updated), ConfirmedAt: t0.Add(s.confirmed)}
				if len(answers) != 1 || !reflect.DeepEqual(a, want) {
					t.Errorf("Answers = %+v; want only %+v", answers, want)
				}
				history, err := tx.AnswerHistory(id, "resident", "area")
				if err != nil {
					return err
				}
				if !reflect.DeepEqual(history, s.history) {
					t.Errorf("AnswerHistory = %+v; want %+v", history, s.history)
				}
				return nil
			})
		})
	}

	// Answers are kept per flow and per person.
	update(t, st, func(tx *store.Tx) error {
		other := person(t, tx, "2")
		if _, err := tx.SaveAnswer(other.ID, "resident", flow.Answer{Key: "area", Step: "area", Value: text("LS1"), Version: 2}); err != nil {
			return err
		}
		if _, err := tx.SaveAnswer(id, "organiser", flow.Answer{Key: "area", Step: "area", Value: text("LS2"), Version: 1}); err != nil {
			return err
		}
		mine, err := tx.Answers(id, "resident")
		if err != nil {
			return err
		}
		if got := mine["area"].Value; !got.Equal(flow.Value{Bool: &yes}) {
			t.Errorf("person 1's resident answer = %+v; want unchanged by others", got)
		}
		return nil
	})
}

func TestWithdrawAnswer(t *testing.T) {
	c := newClock()
	st, _ := open(t, c.Option())
	var id int64
	save := func(tx *store.Tx, key string, v flow.Value) store.AnswerChange {
		t.Helper()
		change, err := tx.SaveAnswer(id, "resident", flow.Answer{Key: key, Step: key, Value: v, Version: 1})
		if err != nil {
			t.Fatal(err)
		}
		return change
	}
	update(t, st, func(tx *store.Tx) error {
		id = person(t, tx, "1").ID
		save(tx, "time", flow.Value{Choice: "hour_week"})
		save(tx, "when", flow.Value{Choices: []string{"weekends"}})
		return nil
	})
	c.Advance(time.Hour)
	update(t, st, func(tx *store.Tx) error {
		for i, want := range []bool{true, false} { // the second time there is nothing left to withdraw
			got, err := tx.WithdrawAnswer(id, "resident", "when")
			if err != nil || got != want {
				t.Errorf("WithdrawAnswer #%d = %v, %v; want %v, nil", i+1, got, err, want)
			}
		}
		if got, err := tx.WithdrawAnswer(id, "resident", "never_answered"); got || err != nil {
			t.Errorf("WithdrawAnswer of no answer = %v, %v; want false, nil", got, err)
		}
		answers, err := tx.Answers(id, "resident")
		if err != nil {
			return err
		}
		if _, ok := answers["when"]; ok || len(answers) != 1 {
			t.Errorf("Answers after withdrawing when = %+v; want only time", answers)
		}
		if n, err := tx.ConfirmAnswers(id, "resident"); err != nil || n != 1 {
			t.Errorf("ConfirmAnswers = %d, %v; want only the current answer confirmed", n, err)
		}
		return nil
	})
	wantHistory := []store.HistoryEntry{{Value: flow.Value{Choices: []string{"weekends"}}, FlowVersion: 1, ValidFrom: t0, ReplacedAt: t0.Add(time.Hour)}}
	update(t, st, func(tx *store.Tx) error {
		h, err := tx.AnswerHistory(id, "resident", "when")
		if err != nil || !reflect.DeepEqual(h, wantHistory) {
			t.Errorf("AnswerHistory after withdrawing = %+v, %v; want %+v", h, err, wantHistory)
		}
		return nil
	})
	records, err := st.Consented(context.Background(), "resident", "map")
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range records {
		for _, a := range r.Answers {
			if a.Key == "when" {
				t.Errorf("export holds the withdrawn answer %+v", a)
			}
		}
	}

	// Answering again restores the answer; its withdrawn value stays in
	// history once.
	c.Advance(time.Hour)
	update(t, st, func(tx *store.Tx) error {
		if got := save(tx, "when", flow.Value{Choices: []string{"weekends"}}); got != store.AnswerChanged {
			t.Errorf("SaveAnswer after withdrawal = %v; want AnswerChanged", got)
		}
		answers, err := tx.Answers(id, "resident")
		if err != nil {
			return err
		}
		if a := answers["when"]; !a.UpdatedAt.Equal(t0.Add(2*time.Hour)) || !a.ConfirmedAt.Equal(t0.Add(2*time.Hour)) || !a.CreatedAt.Equal(t0) {
			t.Errorf("restored when = %+v; want created at t0, updated and confirmed now", a)
		}
		h, err := tx.AnswerHistory(id, "resident", "when")
		if err != nil || !reflect.DeepEqual(h, wantHistory) {
			t.Errorf("AnswerHistory after answering again = %+v, %v; want %+v", h, err, wantHistory)
		}
		return nil
	})
}

func TestDeleteAnswers(t *testing.T) {
	st, path := open(t)
	var id, other int64
	update(t, st, func(tx *store.Tx) error {
		id, other = person(t, tx, "1").ID, person(t, tx, "2").ID
		for _, p := range []int64{id, other} {
			for _, v := range []string{"a", "b"} {
				if _, err := tx.SaveAnswer(p, "resident", flow.Answer{Key: "head", Step: "head", Value: text(v), Version: 1}); err != nil {
					return err
				}
			}
			if _, err := tx.SaveAnswer(p, "resident", flow.Answer{Key: "area", Step: "area", Value: text("LS6"), Version: 1}); err != nil {
				return err
			}
			if err := tx.SaveConversation(store.Conversation{PersonID: p, Flow: "resident", Status: "done", State: []byte("{}")}); err != nil {
				return err
			}
		}
		return nil
	})
	update(t, st, func(tx *store.Tx) error {
		n, err := tx.DeleteAnswers(id)
		if err != nil {
			return err
		}
		if n != 2 {
			t.Errorf("DeleteAnswers = %d; want 2", n)
		}
		if _, err := tx.Conversation(id); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("conversation after DeleteAnswers: got %v; want ErrNotFound", err)
		}
		if _, err := tx.PersonByID(id); err != nil {
			t.Errorf("the person row must stay to remember their consent: %v", err)
		}
		return nil
	})
	db := raw(t, path)
	if got := count(t, db, `SELECT COUNT(*) FROM answers WHERE person_id = ?`, id); got != 0 {
		t.Errorf("answers left = %d; want 0", got)
	}
	if got := count(t, db, `SELECT COUNT(*) FROM answer_history h JOIN answers a ON a.id = h.answer_id WHERE a.person_id = ?`, other); got != 1 {
		t.Errorf("other person's history = %d entries; want 1", got)
	}
	if got := count(t, db, `SELECT COUNT(*) FROM answer_history`); got != 1 {
		t.Errorf("history entries left = %d; want only the other person's 1", got)
	}
	if got := count(t, db, `SELECT COUNT(*) FROM answers WHERE person_id = ?`, other); got != 2 {
		t.Errorf("other person's answers = %d; want 2", got)
	}
}

func TestMarkEvent(t *testing.T) {
	c := newClock()
	st, _ := open(t, c.Option())
	mark := func(source, id string) bool {
		t.Helper()
		var fresh bool
		update(t, st, func(tx *store.Tx) error {
			var err error
			fresh, err = tx.MarkEvent(source, id)
			return err
		})
		return fresh
	}
	steps := []struct {
		name       string
		source, id string
		want       bool
	}{
		{"first time", "telegram", "100", true},
		{"redelivered", "telegram", "100", false},
		{"another event", "telegram", "101", true},
		{"same id from another source", "webhook", "100", true},
	}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			if got := mark(s.source, s.id); got != s.want {
				t.Errorf("MarkEvent(%s, %s) = %v; want %v", s.source, s.id, got, s.want)
			}
		})
	}

	t.Run("twice in one transaction", func(t *testing.T) {
		update(t, st, func(tx *store.Tx) error {
			first, err := tx.MarkEvent("telegram", "200")
			if err != nil {
				return err
			}
			second, err := tx.MarkEvent("telegram", "200")
			if first != true || second != false {
				t.Errorf("MarkEvent twice = %v, %v; want true, false", first, second)
			}
			return err
		})
	})

	t.Run("rolled back with its transaction", func(t *testing.T) {
		err := st.Update(context.Background(), func(tx *store.Tx) error {
			if _, err := tx.MarkEvent("telegram", "300"); err != nil {
				return err
			}
			return errors.New("handling failed")
		})
		if err == nil {
			t.Fatal("failing Update returned nil")
		}
		if !mark("telegram", "300") {
			t.Error("an event whose handling failed counts as applied; want it applied when redelivered")
		}
	})

	t.Run("pruned", func(t *testing.T) {
		c.Advance(48 * time.Hour)
		mark("telegram", "400") // recent: kept
		update(t, st, func(tx *store.Tx) error {
			events, _, err := tx.Prune(c.Now().Add(-24 * time.Hour))
			if events != 5 {
				t.Errorf("Prune removed %d events; want the 5 older than a day", events)
			}
			return err
		})
		if !mark("telegram", "100") {
			t.Error("a pruned event is still marked")
		}
		if mark("telegram", "400") {
			t.Error("a recent event was pruned")
		}
	})
}

func TestConsented(t *testing.T) {
	c := newClock()
	st, _ := open(t, c.Option())
	ids := map[string]int64{}
	save := func(tx *store.Tx, who, key, value string) {
		t.Helper()
		if _, err := tx.SaveAnswer(ids[who], "resident", flow.Answer{Key: key, Step: key, Value: text(value), Version: 1}); err != nil {
			t.Fatal(err)
		}
	}
	update(t, st, func(tx *store.Tx) error {
		for _, who := range []string{"granted", "refused", "withdrew", "regranted", "never", "other_purpose"} {
			ids[who] = person(t, tx, who).ID
		}
		consent := func(who, purpose string, granted bool) {
			if err := tx.RecordConsent(ids[who], purpose, granted, "resident", 1); err != nil {
				t.Fatal(err)
			}
		}
		consent("granted", "map", true)
		consent("refused", "map", false)
		consent("withdrew", "map", true)
		consent("regranted", "map", false)
		consent("other_purpose", "newsletter", true)
		save(tx, "granted", "area", "LS6")
		save(tx, "granted", "head", "history")
		save(tx, "withdrew", "area", "LS7")
		save(tx, "never", "area", "LS8")
		save(tx, "other_purpose", "area", "LS9")
		if _, err := tx.SaveAnswer(ids["granted"], "organiser", flow.Answer{Key: "area", Step: "area", Value: text("elsewhere"), Version: 1}); err != nil {
			return err
		}
		return nil
	})
	c.Advance(time.Hour)
	update(t, st, func(tx *store.Tx) error {
		if err := tx.RecordConsent(ids["withdrew"], "map", false, "resident", 1); err != nil {
			return err
		}
		if err := tx.RecordConsent(ids["regranted"], "map", true, "resident", 1); err != nil {
			return err
		}
		save(tx, "regranted", "area", "LS10")
		return nil
	})

	records, err := st.Consented(context.Background(), "resident", "map")
	if err != nil {
		t.Fatal(err)
	}
	type row struct {
		who       string
		consentAt time.Time
		answers   map[string]string
	}
	var got []row
	names := map[int64]string{}
	for who, id := range ids {
		names[id] = who
	}
	for _, r := range records {
		answers := map[string]string{}
		for _, a := range r.Answers {
			if a.Flow != "resident" {
				t.Errorf("%s: answer of flow %s exported with resident", names[r.Person.ID], a.Flow)
			}
			answers[a.Key] = a.Value.Text
		}
		got = append(got, row{names[r.Person.ID], r.ConsentAt, answers})
	}
	want := []row{
		{"granted", t0, map[string]string{"area": "LS6", "head": "history"}},
		{"regranted", t0.Add(time.Hour), map[string]string{"area": "LS10"}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Consented = %+v; want %+v", got, want)
	}

	none, err := st.Consented(context.Background(), "resident", "nothing")
	if err != nil || len(none) != 0 {
		t.Errorf("Consented to a purpose nobody was asked = %v, %v; want none", none, err)
	}
}

func TestRevision(t *testing.T) {
	st, _ := open(t)
	var id int64
	update(t, st, func(tx *store.Tx) error {
		id = person(t, tx, "1").ID
		if tx.Changed(id) {
			t.Error("Changed reported a change before any")
		}
		return nil
	})
	steps := []struct {
		name   string
		change func(tx *store.Tx) error
		want   int64 // the person's revision afterwards
		bumped bool
	}{
		{"new answer", func(tx *store.Tx) error {
			_, err := tx.SaveAnswer(id, "resident", flow.Answer{Key: "area", Value: text("LS6")})
			return err
		}, 1, true},
		{"same answer again", func(tx *store.Tx) error {
			_, err := tx.SaveAnswer(id, "resident", flow.Answer{Key: "area", Value: text("LS6")})
			return err
		}, 1, false},
		{"changed answer", func(tx *store.Tx) error {
			_, err := tx.SaveAnswer(id, "resident", flow.Answer{Key: "area", Value: text("LS7")})
			return err
		}, 2, true},
		{"consent", func(tx *store.Tx) error { return tx.RecordConsent(id, "map", true, "resident", 1) }, 3, true},
		{"two changes in one transaction count once", func(tx *store.Tx) error {
			if _, err := tx.SaveAnswer(id, "resident", flow.Answer{Key: "head", Value: text("x")}); err != nil {
				return err
			}
			_, err := tx.SaveAnswer(id, "resident", flow.Answer{Key: "time", Value: text("y")})
			return err
		}, 4, true},
		{"answers deleted", func(tx *store.Tx) error { _, err := tx.DeleteAnswers(id); return err }, 5, true},
		{"name changed", func(tx *store.Tx) error {
			p, err := tx.PersonByID(id)
			if err != nil {
				return err
			}
			p.FirstName = "Grace"
			return tx.UpdatePerson(p)
		}, 5, false},
	}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			update(t, st, func(tx *store.Tx) error {
				if err := s.change(tx); err != nil {
					return err
				}
				if got := tx.Changed(id); got != s.bumped {
					t.Errorf("Changed = %v; want %v", got, s.bumped)
				}
				p, err := tx.PersonByID(id)
				if err != nil {
					return err
				}
				if p.Revision != s.want {
					t.Errorf("stored revision = %d; want %d", p.Revision, s.want)
				}
				return nil
			})
		})
	}

	// A rolled back change leaves the revision as it was.
	err := st.Update(context.Background(), func(tx *store.Tx) error {
		if _, err := tx.SaveAnswer(id, "resident", flow.Answer{Key: "area", Value: text("LS8")}); err != nil {
			return err
		}
		return errors.New("handling failed")
	})
	if err == nil {
		t.Fatal("failing Update returned nil")
	}
	update(t, st, func(tx *store.Tx) error {
		p, err := tx.PersonByID(id)
		if err == nil && p.Revision != 5 {
			t.Errorf("revision after a rolled back change = %d; want 5", p.Revision)
		}
		return err
	})
}

func TestConfirmAnswers(t *testing.T) {
	c := newClock()
	st, _ := open(t, c.Option())
	var id, other int64
	update(t, st, func(tx *store.Tx) error {
		id, other = person(t, tx, "1").ID, person(t, tx, "2").ID
		for _, p := range []int64{id, other} {
			for _, key := range []string{"area", "head"} {
				if _, err := tx.SaveAnswer(p, "resident", flow.Answer{Key: key, Value: text("x")}); err != nil {
					return err
				}
			}
		}
		return nil
	})
	c.Advance(90 * 24 * time.Hour)
	update(t, st, func(tx *store.Tx) error {
		n, err := tx.ConfirmAnswers(id, "resident")
		if n != 2 {
			t.Errorf("confirmed %d answers; want 2", n)
		}
		return err
	})
	update(t, st, func(tx *store.Tx) error {
		for p, want := range map[int64]time.Time{id: c.Now(), other: t0} {
			answers, err := tx.Answers(p, "resident")
			if err != nil {
				return err
			}
			for key, a := range answers {
				if !a.ConfirmedAt.Equal(want) || a.UpdatedAt.Equal(c.Now()) {
					t.Errorf("person %d %s: confirmed %v, updated %v; want confirmed %v, value unchanged", p, key, a.ConfirmedAt, a.UpdatedAt, want)
				}
			}
		}
		return nil
	})
}
