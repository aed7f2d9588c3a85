package conversation

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"

	"github.com/assetbot/assetbot/internal/referral"
	"github.com/assetbot/assetbot/internal/store"
)

func TestStartThroughLinks(t *testing.T) {
	w := newWorld(t, shippedFlows(t))
	var logs bytes.Buffer
	w.svc.log = slog.New(slog.NewTextHandler(&logs, nil))
	var ann, bea store.Volunteer
	w.update(func(tx *store.Tx) (err error) {
		if ann, err = tx.AddVolunteer("Ann", referral.NewCode(referral.Volunteer)); err != nil {
			return err
		}
		bea, err = tx.AddVolunteer("Bea", referral.NewCode(referral.Volunteer))
		return err
	})
	greeting := w.person("Control").start()
	tests := []struct {
		who, payload, log string
	}{
		{"Carl", ann.Code, "attribution=attributed"},
		{"Carl", bea.Code, "attribution=already_attributed"},
		{"Dora", "vnosuchcode0000", "attribution=unknown_code"},
		{"Ed", "nonsense", "not a referral code"},
		{"Fay", "v'; DROP TABLE--", "not a referral code"},
		{"Gus", strings.Repeat("v", 200), "payload_len=200"},
		{"Hal", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.who+" "+tt.log, func(t *testing.T) {
			logs.Reset()
			p := w.person(tt.who)
			r := p.send(Event{Kind: EventStart, Payload: tt.payload})
			if p.last.Person.ID == 0 || len(r.Messages) == 0 {
				t.Fatalf("start with payload %q: nothing shown", tt.payload)
			}
			want := strings.Replace(greeting.Messages[0].Text, "Control", tt.who, 1)
			if first := r.Messages[0].Text; tt.who != "Carl" && first != want {
				t.Errorf("start with payload %q shows %q first; want the plain greeting %q", tt.payload, first, want)
			}
			if tt.log == "" && logs.Len() > 0 {
				t.Errorf("start with no payload logged %q; want nothing", logs.String())
			}
			if !strings.Contains(logs.String(), tt.log) || (tt.log != "" && !strings.Contains(logs.String(), "person_id=")) {
				t.Errorf("log %q; want it to hold %q and the person id", logs.String(), tt.log)
			}
			if strings.Contains(logs.String(), "DROP") {
				t.Errorf("log %q repeats the payload", logs.String())
			}
		})
	}
	vs, err := w.st.Volunteers(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(vs) != 2 || vs[0].Started != 1 || vs[1].Started != 0 {
		t.Errorf("volunteers %+v; want Ann with 1 started, Bea with none", vs)
	}
}
