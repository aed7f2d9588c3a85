package conversation

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strconv"
	"testing"

	"github.com/assetbot/assetbot/internal/latency"

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

// benchWords make up the names of the benchmark's associations.
var benchWords = []string{"Hyde", "Park", "Meanwood", "Headingley", "Woodhouse", "Burley", "Kirkstall", "Chapel",
	"Allotments", "Choir", "Club", "Society", "Friends", "Tenants", "Youth", "Bowls", "Chess", "Quiz", "Garden", "Walkers"}

// BenchmarkLookup50k measures what a lookup step costs the bot with 50,000
// associations on the map: reading what changed since the last lookup from
// SQLite (nothing, here) and searching the directory, for a typed name
// that is exact, a start, misspelt, or a common word.
func BenchmarkLookup50k(b *testing.B) {
	const assets = 50000
	w := newWorld(b, shippedFlows(b))
	r := rand.New(rand.NewPCG(1, 2))
	word := func() string { return benchWords[r.IntN(len(benchWords))] }
	names := make([]string, assets)
	for i := range names {
		names[i] = fmt.Sprintf("%s %s %s %d", word(), word(), word(), i)
	}
	const batch = 5000
	for done := 0; done < assets; done += batch {
		w.update(func(tx *store.Tx) error {
			for _, name := range names[done : done+batch] {
				if _, err := tx.CreateAsset(store.Asset{Kind: "association", Name: name, Area: "LS6", FlowVersion: 1, Fields: map[string]flow.Value{"name": {Text: name}}}, 0); err != nil {
					return err
				}
			}
			return nil
		})
	}
	queries := []string{names[17], names[42][:len(names[42])/2], "Meanwod Choirr", "club"}
	w.svc.dir.Search("association", "warm up", maxMenuChoices) // reads all 50,000 once
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		if found, _ := w.svc.dir.Search("association", queries[i%len(queries)], maxMenuChoices); len(found) == 0 {
			b.Fatalf("nothing found for %q", queries[i%len(queries)])
		}
	}
}
