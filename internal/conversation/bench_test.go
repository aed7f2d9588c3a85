package conversation

import (
	"context"
	"fmt"
	"github.com/assetbot/assetbot/internal/latency"
	"strconv"
	"testing"

	"github.com/assetbot/assetbot/internal/flow"
	"github.com/assetbot/assetbot/internal/store"
)

// benchWorld returns a world with n people, each at the resident flow's
// "time" question (a choice), and the turn of that question.
func benchWorld(b *testing.B, n int) (*world, int) {
	b.Helper()
	w := newWorld(b, shippedFlows(b))
	first := w.person("Ada")
	first.answerUpTo("time")
	_, c := first.stored()
	const batch = 1000
	for done := 0; done < n; done += batch {
		w.update(func(tx *store.Tx) error {
			for i := done; i < min(done+batch, n); i++ {
				p, err := tx.CreatePerson(store.Person{Channel: "bench", ChannelUserID: strconv.Itoa(i), FirstName: "Ada"})
				if err != nil {
					return err
				}
				if err := tx.RecordConsent(p.ID, "map", true, "resident", 1); err != nil {
					return err
				}
				if err := tx.SaveConversation(store.Conversation{PersonID: p.ID, Flow: "resident", Status: c.Status, State: c.State}); err != nil {
					return err
				}
			}
			return nil
		})
	}
	return w, first.turn
}

// handleChoice is what the bot does for one button press: mark the event
// and handle it, in one transaction.
func handleChoice(ctx context.Context, w *world, i, turn int) error {
	id := Identity{Channel: "bench", UserID: strconv.Itoa(i), FirstName: "Ada", Language: "en"}
	ev := Event{Kind: EventInput, Input: flow.Input{Kind: flow.InputOption, Option: "hour_week", Turn: turn}}
	return w.st.Update(ctx, func(tx *store.Tx) error {
		fresh, err := tx.MarkEvent("bench", strconv.Itoa(i))
		if err != nil || !fresh {
			return err
		}
		r, err := w.svc.Handle(tx, id, ev)
		if err == nil && r.Outcome != flow.OutcomeAsked {
			return fmt.Errorf("press by %d: got outcome %s; want asked", i, r.Outcome)
		}
		return err
	})
}

// BenchmarkHandle measures one whole button press: the engine step, the
// stored answer and conversation, and the event record, in one transaction
// on a file database. The target is a median under 1 ms.
func BenchmarkHandle(b *testing.B) {
	w, turn := benchWorld(b, b.N)
	ctx := context.Background()
	latency.Measure(b, func(i int) error { return handleChoice(ctx, w, i, turn) })
}

// BenchmarkHandleParallel is BenchmarkHandle with many people pressing at
// once; group commit shares the commits between them.
func BenchmarkHandleParallel(b *testing.B) {
	w, turn := benchWorld(b, b.N)
	ctx := context.Background()
	latency.MeasureParallel(b, func(i int) error { return handleChoice(ctx, w, i, turn) })
}
