package store

import (
	"context"
	"fmt"
	"time"
)

// OutboxMessage is a message waiting to be sent. Kind and Payload belong to
// the channel adapter that wrote them; the store only keeps them in order.
type OutboxMessage struct {
	ID        int64
	ChatID    int64
	Kind      string
	Payload   []byte
	CreatedAt time.Time
	Attempts  int
	// Scheduled marks a message the bot sends first (a reminder): it goes
	// after the replies to people's own messages.
	Scheduled bool
}

// Enqueue adds a message to the outbox and returns its id. Messages to one
// chat are sent in id order.
func (tx *Tx) Enqueue(chatID int64, kind string, payload []byte) (int64, error) {
	return tx.enqueue(chatID, kind, payload, false)
}

// EnqueueScheduled adds a message the bot sends first (a reminder) to the
// outbox and returns its id.
func (tx *Tx) EnqueueScheduled(chatID int64, kind string, payload []byte) (int64, error) {
	return tx.enqueue(chatID, kind, payload, true)
}

func (tx *Tx) enqueue(chatID int64, kind string, payload []byte, scheduled bool) (int64, error) {
	res, err := tx.exec(`INSERT INTO outbox (chat_id, kind, payload, created_at, scheduled) VALUES (?, ?, ?, ?, ?)`,
		chatID, kind, payload, formatTime(tx.now), scheduled)
	if err != nil {
		return 0, fmt.Errorf("enqueue %s to %d: %w", kind, chatID, err)
	}
	return res.LastInsertId()
}

// Delivered removes sent messages from the outbox.
func (tx *Tx) Delivered(ids ...int64) error {
	for _, id := range ids {
		if _, err := tx.exec(`DELETE FROM outbox WHERE id = ?`, id); err != nil {
			return fmt.Errorf("mark message %d delivered: %w", id, err)
		}
	}
	return nil
}

// Attempted records a failed attempt to send a message that will be retried.
func (tx *Tx) Attempted(id int64, reason string) error {
	if _, err := tx.exec(`UPDATE outbox SET attempts = attempts + 1, last_error = ? WHERE id = ?`, reason, id); err != nil {
		return fmt.Errorf("record attempt on message %d: %w", id, err)
	}
	return nil
}

// GiveUp marks a message as never to be sent, keeping it for inspection.
func (tx *Tx) GiveUp(id int64, reason string) error {
	if _, err := tx.exec(`UPDATE outbox SET attempts = attempts + 1, last_error = ?, failed_at = ? WHERE id = ?`,
		reason, formatTime(tx.now), id); err != nil {
		return fmt.Errorf("give up message %d: %w", id, err)
	}
	return nil
}

// DropPending gives up every message still queued for a chat (the person
// blocked the bot) and returns how many there were.
func (tx *Tx) DropPending(chatID int64, reason string) (int64, error) {
	res, err := tx.exec(`UPDATE outbox SET last_error = ?, failed_at = ? WHERE chat_id = ? AND failed_at IS NULL`,
		reason, formatTime(tx.now), chatID)
	if err != nil {
		return 0, fmt.Errorf("drop messages to %d: %w", chatID, err)
	}
	return res.RowsAffected()
}

// UnsentScheduled counts the scheduled messages queued and not yet sent.
func (tx *Tx) UnsentScheduled() (int, error) {
	var n int
	err := tx.queryRow(`SELECT COUNT(*) FROM outbox WHERE scheduled = 1 AND failed_at IS NULL`).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("count unsent scheduled messages: %w", err)
	}
	return n, nil
}

// Pending returns queued messages with an id above after, oldest first.
func (s *Store) Pending(ctx context.Context, after int64, limit int) ([]OutboxMessage, error) {
	return s.pending(ctx, `SELECT `+outboxColumns+` FROM outbox WHERE failed_at IS NULL AND id > ? ORDER BY id LIMIT ?`, after, limit)
}

// PendingScheduled returns queued scheduled messages with an id above
// after, oldest first: what another process (or a job) queued since.
func (s *Store) PendingScheduled(ctx context.Context, after int64, limit int) ([]OutboxMessage, error) {
	return s.pending(ctx, `SELECT `+outboxColumns+` FROM outbox WHERE scheduled = 1 AND failed_at IS NULL AND id > ? ORDER BY id LIMIT ?`, after, limit)
}

const outboxColumns = `id, chat_id, kind, payload, created_at, attempts, scheduled`

func (s *Store) pending(ctx context.Context, query string, args ...any) ([]OutboxMessage, error) {
	rows, err := s.db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("read outbox: %w", err)
	}
	defer rows.Close()
	var out []OutboxMessage
	for rows.Next() {
		var m OutboxMessage
		if err := rows.Scan(&m.ID, &m.ChatID, &m.Kind, &m.Payload, (*sqlTime)(&m.CreatedAt), &m.Attempts, &m.Scheduled); err != nil {
			return nil, fmt.Errorf("read outbox: %w", err)
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

// AppliedEvents counts the inbound events from source recorded as applied
// (and not yet pruned).
func (s *Store) AppliedEvents(ctx context.Context, source string) (int64, error) {
	var n int64
	if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM processed_events WHERE source = ?`, source).Scan(&n); err != nil {
		return 0, fmt.Errorf("count applied events: %w", err)
	}
	return n, nil
}

// Prune deletes records of inbound events older than before (a channel
// never redelivers after a day) and messages given up before it.
func (tx *Tx) Prune(before time.Time) (events, messages int64, err error) {
	res, err := tx.exec(`DELETE FROM processed_events WHERE at < ?`, formatTime(before))
	if err != nil {
		return 0, 0, fmt.Errorf("prune events: %w", err)
	}
	events, _ = res.RowsAffected()
	res, err = tx.exec(`DELETE FROM outbox WHERE failed_at IS NOT NULL AND failed_at < ?`, formatTime(before))
	if err != nil {
		return events, 0, fmt.Errorf("prune outbox: %w", err)
	}
	messages, _ = res.RowsAffected()
	return events, messages, nil
}
