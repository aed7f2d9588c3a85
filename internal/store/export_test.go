package store

import (
	"context"
	"fmt"
)

// What only the store_test package needs: the product reads none of it.

// OutboxDepth returns how many messages wait to be sent.
func (s *Store) OutboxDepth(ctx context.Context) (int, error) {
	var n int
	if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM outbox WHERE failed_at IS NULL`).Scan(&n); err != nil {
		return 0, fmt.Errorf("count outbox: %w", err)
	}
	return n, nil
}

// SchemaVersion is the schema version this build of assetbot writes.
func SchemaVersion() int {
	ms, err := loadMigrations()
	if err != nil || len(ms) == 0 {
		return 0
	}
	return ms[len(ms)-1].version
}
