package schedule

import (
	"context"
	"fmt"
	"time"

	"github.com/assetbot/assetbot/internal/store"
)

// keepRecords is how long the record that an update was applied, and a
// message given up, are kept: Telegram redelivers an update for at most a
// day, so a week is ample.
const keepRecords = 7 * 24 * time.Hour

// Prune is the job that deletes records of applied updates and given-up
// messages older than a week, hourly.
func Prune(st *store.Store) Job {
	return Job{Name: "prune", Spec: "@hourly", Run: func(ctx context.Context, now time.Time) (string, error) {
		var events, messages int64
		err := st.Update(ctx, func(tx *store.Tx) (err error) {
			events, messages, err = tx.Prune(now.Add(-keepRecords))
			return err
		})
		if err != nil {
			return "", fmt.Errorf("prune old records: %w", err)
		}
		return fmt.Sprintf("deleted %d update records and %d given-up messages", events, messages), nil
	}}
}
