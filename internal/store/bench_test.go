package store_test

import (
	"context"
	"github.com/assetbot/assetbot/internal/latency"
	"strconv"
	"testing"

	"github.com/assetbot/assetbot/internal/flow"
	"github.com/assetbot/assetbot/internal/store"
)

// benchPeople is how many people the benchmarks spread their answers over.
const benchPeople = 1000

// benchStore opens a file database in the benchmark's temporary folder
// with benchPeople people in it.
func benchStore(b *testing.B) (*store.Store, []int64) {
	b.Helper()
	st, _ := open(b)
	ids := make([]int64, benchPeople)
	update(b, st, func(tx *store.Tx) error {
		for i := range ids {
			ids[i] = person(b, tx, strconv.Itoa(i)).ID
		}
		return nil
	})
	return st, ids
}

// storeAnswer is what handling one answer writes: the event, the answer and
// the conversation, in one transaction.
func storeAnswer(ctx context.Context, st *store.Store, personID int64, n int) error {
	state := []byte(`{"flow":{"flow":"resident","version":1,"status":"active","step":"heart","turn":` + strconv.Itoa(n) + `}}`)
	return st.Update(ctx, func(tx *store.Tx) error {
		fresh, err := tx.MarkEvent("bench", strconv.Itoa(n))
		if err != nil || !fresh {
			return err
		}
		key := "q" + strconv.Itoa(n%10)
		if _, err := tx.SaveAnswer(personID, "resident", flow.Answer{Key: key, Step: key, Value: flow.Value{Text: "answer " + strconv.Itoa(n)}, Version: 1}); err != nil {
			return err
		}
		return tx.SaveConversation(store.Conversation{PersonID: personID, Flow: "resident", Status: "active", State: state})
	})
}

// BenchmarkStoreAnswer measures storing one answer as the bot does: one
// Update with MarkEvent, SaveAnswer and SaveConversation on a file database,
// one at a time. The target is a median under 1 ms.
func BenchmarkStoreAnswer(b *testing.B) {
	st, ids := benchStore(b)
	ctx := context.Background()
	latency.Measure(b, func(i int) error { return storeAnswer(ctx, st, ids[i%len(ids)], i) })
}

// BenchmarkStoreAnswerParallel is BenchmarkStoreAnswer from many goroutines
// at once, as when many residents answer together: group commit lets them
// share commits.
func BenchmarkStoreAnswerParallel(b *testing.B) {
	st, ids := benchStore(b)
	ctx := context.Background()
	latency.MeasureParallel(b, func(i int) error { return storeAnswer(ctx, st, ids[i%len(ids)], i) })
}
