package store

import (
	"context"
	"fmt"
	"time"
)

// RetentionCutoffs are the times that decide, as of one retention run,
// who is due: each is "now" less a retention period.
type RetentionCutoffs struct {
	// IdleBy: a person who never finished, with no activity after it, is
	// deleted.
	IdleBy time.Time
	// WarnBy: an entry stale since at or before it is warned that it will
	// be deleted.
	WarnBy time.Time
	// StaleBy: an entry stale since at or before it is deleted, once its
	// warning is settled: sent at or before NoticeBy, or found impossible
	// to send (the person blocked the bot, stopped reminders, or has no
	// channel).
	StaleBy  time.Time
	NoticeBy time.Time
}

// RetentionPass is one kind of person a retention run looks for.
type RetentionPass int

// The retention passes.
const (
	// RetainUnfinished finds people who never finished (their entry was
	// never confirmed and they put no asset on the map) and have done
	// nothing since IdleBy: to delete.
	RetainUnfinished RetentionPass = iota
	// RetainWarn finds entries stale since WarnBy that have no warning for
	// this time they went stale: to warn.
	RetainWarn
	// RetainStale finds entries stale since StaleBy whose warning is
	// settled as RetentionCutoffs says: to delete.
	RetainStale
)

// retentionPass is the SQL of a pass: the people column its pages are read
// in the order of (with id), and the condition on person p, whose
// arguments args gives.
type retentionPass struct {
	name  string
	col   string
	where string
	args  func(c RetentionCutoffs) []any
}

// retentionPasses are the passes' SQL, by pass. A page reads its people
// through an index on col: people_unfinished or people_stale (migration
// 15).
var retentionPasses = map[RetentionPass]retentionPass{
	RetainUnfinished: {
		name: "unfinished",
		col:  "updated_at",
		// Activity is the last change to their row or their last input
		// (SaveConversation stamps the conversation on every event). An
		// asset they added (saved only once its flow is done) counts as
		// finishing: they gave the map something, and stay.
		where: `p.confirmed_at IS NULL AND p.updated_at <= ?
			AND NOT EXISTS (SELECT 1 FROM conversations c WHERE c.person_id = p.id AND c.updated_at > ?)
			AND NOT EXISTS (SELECT 1 FROM assets a WHERE a.added_by = p.id AND a.removed_at IS NULL)`,
		args: func(c RetentionCutoffs) []any { return []any{formatTime(c.IdleBy), formatTime(c.IdleBy)} },
	},
	RetainWarn: {
		name: "stale to warn",
		col:  "stale_at",
		where: `p.stale_at <= ? AND NOT EXISTS (SELECT 1 FROM reminders r
			WHERE r.person_id = p.id AND r.kind = ? AND r.about = p.stale_at)`,
		args: func(c RetentionCutoffs) []any { return []any{formatTime(c.WarnBy), ReminderRetention} },
	},
	RetainStale: {
		name: "stale to delete",
		col:  "stale_at",
		// The warning names this staleness (a confirmation since clears
		// stale_at; going stale again is warned of afresh).
		where: `p.stale_at <= ? AND EXISTS (SELECT 1 FROM reminders r
			WHERE r.person_id = p.id AND r.kind = ? AND r.about = p.stale_at AND r.outcome <> ''
			AND (r.outcome <> ? OR r.sent_at <= ?))`,
		args: func(c RetentionCutoffs) []any {
			return []any{formatTime(c.StaleBy), ReminderRetention, OutcomeSent, formatTime(c.NoticeBy)}
		},
	},
}

// String names the pass in logs.
func (p RetentionPass) String() string {
	if q, ok := retentionPasses[p]; ok {
		return q.name
	}
	return fmt.Sprintf("pass %d", int(p))
}

func (p RetentionPass) sql() (retentionPass, error) {
	q, ok := retentionPasses[p]
	if !ok {
		return q, fmt.Errorf("unknown retention pass %d", p)
	}
	return q, nil
}

// RetentionCursor is where a pass has read up to: people are read in
// the order of the pass's time column, then id. The zero value is the
// start.
type RetentionCursor struct {
	at string
	id int64
}

// RetentionPage returns the ids of up to limit people due in pass as of
// c, after from, and where the next page starts. It reads outside any
// write transaction, so it holds up no one; whoever acts on an id checks
// again with RetentionDue in the transaction that acts, since the person
// may have come back meanwhile.
func (s *Store) RetentionPage(ctx context.Context, pass RetentionPass, c RetentionCutoffs, from RetentionCursor, limit int) ([]int64, RetentionCursor, error) {
	q, err := pass.sql()
	if err != nil {
		return nil, from, err
	}
	// The first bound on col lets SQLite start the index range there; the
	// row value then skips the people at that time already read.
	query := `SELECT p.id, p.` + q.col + ` FROM people p WHERE p.` + q.col + ` >= ? AND (p.` + q.col + `, p.id) > (?, ?) AND ` +
		q.where + ` ORDER BY p.` + q.col + `, p.id LIMIT ?`
	args := append(append([]any{from.at, from.at, from.id}, q.args(c)...), limit)
	rows, err := s.db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, from, fmt.Errorf("read people %s: %w", q.name, err)
	}
	defer rows.Close()
	ids := make([]int64, 0, limit)
	next := from
	for rows.Next() {
		if err := rows.Scan(&next.id, &next.at); err != nil {
			return nil, from, fmt.Errorf("read people %s: %w", q.name, err)
		}
		ids = append(ids, next.id)
	}
	if err := rows.Err(); err != nil {
		return nil, from, fmt.Errorf("read people %s: %w", q.name, err)
	}
	return ids, next, nil
}

// RetentionDue reports whether the person is due in pass as of c now, in
// this transaction.
func (tx *Tx) RetentionDue(pass RetentionPass, c RetentionCutoffs, personID int64) (bool, error) {
	q, err := pass.sql()
	if err != nil {
		return false, err
	}
	var due bool
	err = tx.queryRow(`SELECT EXISTS (SELECT 1 FROM people p WHERE p.id = ? AND `+q.where+`)`, append([]any{personID}, q.args(c)...)...).Scan(&due)
	if err != nil {
		return false, fmt.Errorf("check person %d %s: %w", personID, q.name, err)
	}
	return due, nil
}

// CountRetention counts the people due in pass as of c, for operators.
func (s *Store) CountRetention(ctx context.Context, pass RetentionPass, c RetentionCutoffs) (int, error) {
	q, err := pass.sql()
	if err != nil {
		return 0, err
	}
	var n int
	err = s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM people p WHERE p.`+q.col+` IS NOT NULL AND `+q.where, q.args(c)...).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("count people %s: %w", q.name, err)
	}
	return n, nil
}

// PlanRetentionWarning plans, due at now, the warning that the person's
// stale entry will be deleted: a reminder of kind ReminderRetention about
// the time the entry went stale, so it is planned once for each time it
// goes stale. It reports whether it planned one (false: already planned,
// or the entry is not stale).
func (tx *Tx) PlanRetentionWarning(personID int64, now time.Time) (bool, error) {
	res, err := tx.exec(`INSERT INTO reminders (person_id, kind, about, planned_at, due_at)
		SELECT id, ?, stale_at, ?, ? FROM people WHERE id = ? AND stale_at IS NOT NULL
		ON CONFLICT DO NOTHING`, ReminderRetention, formatTime(now), formatTime(now), personID)
	if err != nil {
		return false, fmt.Errorf("plan retention warning for %d: %w", personID, err)
	}
	n, err := res.RowsAffected()
	return n > 0, wrap(err, fmt.Sprintf("plan retention warning for %d", personID))
}
