package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// AuditEntry is one organiser's read of personal data, as the audit table
// keeps it. It names no resident: Detail says what was read in words that
// identify nobody (a format, a page, a count), so that the row can be
// kept after the people it counts have been erased.
type AuditEntry struct {
	At time.Time
	// Who read: an organiser's Telegram user id, or "cli" for a command
	// run on the host.
	Who string
	// Action is what they did: find, match, stats, export, introduce,
	// digest or backup.
	Action string
	// People is how many people's data the read disclosed.
	People int
	Detail string
}

// errAuditEntry is returned for an entry without who or what.
var errAuditEntry = errors.New("an audit entry needs who and an action")

// Audit records, in tx, that e was read; e.At is the transaction's time.
// It is written with what the read causes (the messages that carry the
// data), so that either both are committed or neither.
func (tx *Tx) Audit(e AuditEntry) error {
	if e.Who == "" || e.Action == "" {
		return fmt.Errorf("record the audit of %q by %q: %w", e.Action, e.Who, errAuditEntry)
	}
	if _, err := tx.exec(`INSERT INTO audit (at, who, action, people, detail) VALUES (?, ?, ?, ?, ?)`,
		formatTime(tx.now), e.Who, e.Action, e.People, e.Detail); err != nil {
		return fmt.Errorf("record the audit of %s by %s: %w", e.Action, e.Who, err)
	}
	return nil
}

// Audit records e in a transaction of its own, for a read with nothing
// else to write (a file written on the host).
func (s *Store) Audit(ctx context.Context, e AuditEntry) error {
	return s.Update(ctx, func(tx *Tx) error { return tx.Audit(e) })
}

// AuditSince returns the audit entries at or after since, oldest first.
func (s *Store) AuditSince(ctx context.Context, since time.Time) ([]AuditEntry, error) {
	return collect(ctx, s.db, "read the audit", func(r *sql.Rows) (AuditEntry, error) {
		var e AuditEntry
		return e, r.Scan((*sqlTime)(&e.At), &e.Who, &e.Action, &e.People, &e.Detail)
	}, `SELECT at, who, action, people, detail FROM audit WHERE at >= ? ORDER BY at, id`, formatTime(since))
}
