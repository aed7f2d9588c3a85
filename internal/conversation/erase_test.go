package conversation

import (
	"errors"
	"testing"

	"github.com/assetbot/assetbot/internal/flow"
	"github.com/assetbot/assetbot/internal/store"
)

// TestDeleteCommand: /delete asks first, whatever is open; No keeps
// everything, Yes erases the person, who can then start again as new.
func TestDeleteCommand(t *testing.T) {
	tests := []struct {
		name  string
		setup func(p *person)
	}{
		{"after finishing", func(p *person) { p.finish() }},
		{"part-way through", func(p *person) { p.answerUpTo("heart") }},
		{"after refusing consent", func(p *person) {
			asks(p.t, p.start(), "consent")
			p.press(flow.No)
		}},
		{"never started", func(*person) {}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newWorld(t, shippedFlows(t))
			p := w.person("Ada")
			tt.setup(p)
			m := shows(t, p.send(Event{Kind: EventDelete}), menuDelete)
			if m.Text != en(flow.MsgDelete, "Ada") {
				t.Errorf("confirmation = %q; want %q", m.Text, en(flow.MsgDelete, "Ada"))
			}
			before, _ := p.stored()
			says(t, p.press(actDeleteNo), en(flow.MsgKept, ""))
			if after, _ := p.stored(); after.ID != before.ID {
				t.Fatalf("after No the person is %+v; want %+v kept", after, before)
			}
			shows(t, p.send(Event{Kind: EventDelete}), menuDelete)
			r := p.press(actDeleteYes)
			says(t, r, en(flow.MsgDeleted, "Ada"))
			if !r.Erased || r.Person.ID != before.ID {
				t.Errorf("reply: Erased %v, person %d; want erased, %d", r.Erased, r.Person.ID, before.ID)
			}
			p.erased(before.ID)
			asks(t, p.start(), "consent")
			if again, _ := p.stored(); again.ID == before.ID {
				t.Errorf("starting again took the erased id %d", before.ID)
			}
		})
	}
}

// TestErasedElsewhere: a person erased by another process (`assetbot
// forget`, a retention job) while their conversation is in the cache is
// met as someone new, not with what the cache held.
func TestErasedElsewhere(t *testing.T) {
	w := newWorld(t, shippedFlows(t))
	p := w.person("Ada")
	p.answerUpTo("heart")
	sp, _ := p.stored()
	if _, ok := w.svc.cache.get(sp.ID, sp.Revision); !ok {
		t.Fatal("the conversation is not in the cache: the test proves nothing")
	}
	w.update(func(tx *store.Tx) error { return tx.ErasePerson(sp.ID) })
	asks(t, p.start(), "consent")
	if got := p.answers(); len(got) != 0 {
		t.Errorf("answers after erasure elsewhere = %v; want none", got)
	}
	w.update(func(tx *store.Tx) error {
		if _, err := tx.PersonByID(sp.ID); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("erased person %d: err = %v; want ErrNotFound", sp.ID, err)
		}
		return nil
	})
}

// TestErasedAssetsLeaveTheDirectory: an asset about the erased person
// stops being offered by lookups, and one that stays keeps being offered,
// whoever erased them (here another process, through the store alone).
func TestErasedAssetsLeaveTheDirectory(t *testing.T) {
	w := newWorld(t, shippedFlows(t))
	p := w.person("Ada")
	p.answerUpTo("heart")
	sp, _ := p.stored()
	w.update(func(tx *store.Tx) error {
		for _, a := range []store.Asset{
			{Kind: "economic", Name: "Ada's bike fixes", Fields: map[string]flow.Value{"name": {Text: "Ada's bike fixes"}, "kind": {Choice: "self_employed"}}, FlowVersion: 1},
			{Kind: "economic", Name: "Bike Shed Cafe", Fields: map[string]flow.Value{"name": {Text: "Bike Shed Cafe"}, "kind": {Choice: "shop_cafe"}}, FlowVersion: 1},
		} {
			if _, err := tx.CreateAsset(a, sp.ID); err != nil {
				return err
			}
		}
		return nil
	})
	names := func() []string {
		found, _ := w.svc.dir.Search("economic", "bike", 8)
		var out []string
		for _, c := range found {
			out = append(out, c.Name)
		}
		return out
	}
	if got := names(); len(got) != 2 {
		t.Fatalf("before erasure the lookup finds %q; want both", got)
	}
	w.update(func(tx *store.Tx) error { return tx.ErasePerson(sp.ID) })
	if got := names(); len(got) != 1 || got[0] != "Bike Shed Cafe" {
		t.Errorf("after erasure the lookup finds %q; want only the cafe", got)
	}
}
