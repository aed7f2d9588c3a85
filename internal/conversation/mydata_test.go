package conversation

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/assetbot/assetbot/internal/flow"
	"github.com/assetbot/assetbot/internal/mydata"
	"github.com/assetbot/assetbot/internal/store"
)

// TestMyData: /mydata sends a known person their data, message and
// document, at most once a minute; someone unknown is told kindly that
// nothing is held, and no record of them is made.
func TestMyData(t *testing.T) {
	w := newWorld(t, shippedFlows(t))
	myData := Event{Kind: EventMyData}

	for _, lang := range []string{"en", "cy"} {
		stranger := w.person("Stranger")
		stranger.id.Language = lang
		r := stranger.send(myData)
		says(t, r, w.svc.Text(lang, flow.MsgMyDataNone))
		if r.Document != nil {
			t.Error("someone unknown was sent a document")
		}
		w.update(func(tx *store.Tx) error {
			if _, err := tx.Person("test", "stranger"); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("after /mydata from someone unknown: %v; want no record of them", err)
			}
			return nil
		})
	}

	ada := w.person("Ada")
	ada.start()
	ada.press(flow.Yes) // consent
	revision := func() int64 {
		var p store.Person
		w.update(func(tx *store.Tx) (err error) {
			p, err = tx.Person("test", "ada")
			return err
		})
		return p.Revision
	}
	before := revision()
	r := ada.send(myData)
	if r.Document == nil || r.Document.Name != mydata.FileName {
		t.Fatalf("got %s with document %+v; want %s", describe(r), r.Document, mydata.FileName)
	}
	var doc struct {
		Person struct {
			FirstName string `json:"first_name"`
		}
		Consents []struct{ Purpose string }
	}
	if err := json.Unmarshal(r.Document.Data, &doc); err != nil || doc.Person.FirstName != "Ada" || len(doc.Consents) != 1 {
		t.Errorf("document %s (%v); want Ada's, with her consent", r.Document.Data, err)
	}
	if len(r.Messages) != 1 || !strings.Contains(r.Messages[0].Text, "• First name: Ada") {
		t.Errorf("got %s; want one message with her record", describe(r))
	}
	if after := revision(); after != before {
		t.Errorf("revision %d after /mydata, %d before; want nothing changed", after, before)
	}

	steps := []struct {
		after time.Duration
		sent  bool
	}{
		{0, false},
		{myDataInterval - time.Second, false},
		{time.Second, true},
		{time.Second, false},
	}
	for i, s := range steps {
		w.clock.Advance(s.after)
		r := ada.send(myData)
		if got := r.Document != nil; got != s.sent {
			t.Errorf("step %d: document sent %v; want %v", i, got, s.sent)
		}
		if !s.sent {
			says(t, r, en(flow.MsgMyDataWait, "Ada"))
		}
	}
}

// TestMyDataRolledBack: a copy whose transaction is rolled back was never
// sent, so it does not count against the next.
func TestMyDataRolledBack(t *testing.T) {
	w := newWorld(t, shippedFlows(t))
	ada := w.person("Ada")
	ada.start()
	failed := errors.New("the update failed")
	err := w.st.Update(context.Background(), func(tx *store.Tx) error {
		if r, err := w.svc.Handle(tx, ada.id, Event{Kind: EventMyData}); err != nil || r.Document == nil {
			t.Fatalf("got %s, %v; want a document", describe(r), err)
		}
		return failed
	})
	if !errors.Is(err, failed) {
		t.Fatalf("update: %v; want it failed", err)
	}
	if r := ada.send(Event{Kind: EventMyData}); r.Document == nil {
		t.Errorf("got %s after a rolled-back copy; want the document", describe(r))
	}
}

// TestDataLimiterForgets: the limiter holds only those sent their data
// within the interval.
func TestDataLimiterForgets(t *testing.T) {
	l := newDataLimiter(time.Minute)
	for id := range int64(100) {
		l.record(id, t0)
	}
	l.record(1000, t0.Add(time.Minute))
	if len(l.last) != 1 {
		t.Errorf("the limiter holds %d people; want only the one sent theirs in the last minute", len(l.last))
	}
	if l.allowed(1000, t0.Add(time.Minute+time.Second)) || !l.allowed(1, t0.Add(time.Minute)) {
		t.Error("allowed: got the wrong person limited")
	}
}
