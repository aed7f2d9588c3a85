package store_test

import (
	"context"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/assetbot/assetbot/internal/store"
)

func TestExpCloseRace(t *testing.T) {
	ctx := context.Background()
	for round := range 200 {
		st, err := store.Open(ctx, filepath.Join(t.TempDir(), "a.db"))
		if err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		for range 20 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for range 20 {
					_ = st.Update(ctx, func(tx *store.Tx) error { return nil })
				}
			}()
		}
		time.Sleep(time.Millisecond)
		st.Close()
		done := make(chan struct{})
		go func() { wg.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			t.Fatalf("round %d: Update still blocked after Close", round)
		}
	}
}
