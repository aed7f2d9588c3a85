package conversation

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/assetbot/assetbot/internal/flow"
)

// TestRandomWalkAlwaysAnswers plays residents who press random buttons
// and type what the load test types, through every flow and menu (the
// add offer, assets, duplicates, /me): every input must get a message
// that asks something or can be answered with /start, never nothing.
func TestRandomWalkAlwaysAnswers(t *testing.T) {
	w := newWorld(t, shippedFlows(t))
	texts := []string{"I can help with gardening", "Hyde Park Allotments", "LS6", "4", "yes"}
	for seed := range uint64(8) {
		rnd := rand.New(rand.NewPCG(seed, 1))
		p := w.person(fmt.Sprintf("Walker%d", seed))
		r := p.start()
		for step := range 400 {
			q, asks := question(r)
			var ev Event
			switch {
			case len(r.Messages) == 0:
				t.Fatalf("seed %d step %d: no reply at all to the last input", seed, step)
			case !asks:
				ev = Event{Kind: EventStart}
			case q.Type == flow.TypeLocation && rnd.IntN(2) == 0:
				ev = Event{Kind: EventInput, Input: flow.Input{Kind: flow.InputLocation, Lat: 53.8 + rnd.Float64()/20, Lon: -1.55}}
			case q.Type == flow.TypeMulti:
				ev = Event{Kind: EventInput, Input: flow.Input{Kind: flow.InputToggle, Option: q.Options[rnd.IntN(len(q.Options))].ID, Turn: q.Turn}}
				if rnd.IntN(2) == 0 {
					p.send(ev)
					ev = Event{Kind: EventInput, Input: flow.Input{Kind: flow.InputDone, Turn: q.Turn}}
				}
			case len(q.Options) > 0:
				ev = Event{Kind: EventInput, Input: flow.Input{Kind: flow.InputOption, Option: q.Options[rnd.IntN(len(q.Options))].ID, Turn: q.Turn}}
			default:
				ev = Event{Kind: EventInput, Input: flow.Input{Kind: flow.InputText, Text: texts[rnd.IntN(len(texts))]}}
			}
			r = p.send(ev)
			if r.Stale {
				t.Fatalf("seed %d step %d: %+v on the current question was taken as stale", seed, step, ev)
			}
		}
	}
}
