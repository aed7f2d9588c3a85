package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// The kinds of reminder.
const (
	ReminderNudge   = "nudge"   // carry on with an unfinished conversation
	ReminderRefresh = "refresh" // is what we hold still true?
	// ReminderRefreshAsset asks whether an asset on the map is still right.
	// It is a kind of its own, not a refresh with another about, because
	// assets are planned from their own watermark and go stale on their own.
	ReminderRefreshAsset = "refresh_asset"
	// ReminderRetention warns that a stale entry will be deleted unless
	// the person confirms it. Its about is the entry's stale_at, so each
	// time an entry goes stale it is warned of once.
	ReminderRetention = "retention"
)

// OutcomeSent settles a reminder whose message was queued.
const OutcomeSent = "sent"

// Reminder is a scheduled message to one person.
type Reminder struct {
	ID       int64
	PersonID int64
	Kind     string
	// About names what it is about: for a nudge, the time of the input
	// the person paused after and the nudge's number ("…#2"); for a
	// refresh, the confirmation it asks about; for an asset's refresh,
	// that and the asset ("…#asset:0…012", see assetAbout).
	About   string
	AssetID int64 // the asset an asset's refresh is about; 0 for others
	DueAt   time.Time
	SentAt  time.Time // zero until sent
	Outcome string    // "" while due
}

const reminderColumns = `id, person_id, kind, about, asset_id, due_at, sent_at, outcome`

func scanReminder(row interface{ Scan(...any) error }) (Reminder, error) {
	var r Reminder
	var asset sql.NullInt64
	err := row.Scan(&r.ID, &r.PersonID, &r.Kind, &r.About, &asset, (*sqlTime)(&r.DueAt), (*nullTime)(&r.SentAt), &r.Outcome)
	if errors.Is(err, sql.ErrNoRows) {
		return r, ErrNotFound
	}
	r.AssetID = asset.Int64
	return r, err
}

// assetAbout is the SQL for the about of a refresh of asset a as it is
// now: its confirmation, then its id padded to the widest int64, so that
// abouts sort as (confirmed_at, id) do and the last one planned is where
// the next planning starts.
const assetAbout = `a.confirmed_at || '#asset:' || printf('%019d', a.id)`

// AboutTime returns the time a reminder is about: the input a nudge's
// pause began after, or the confirmation a refresh asks about.
func (r Reminder) AboutTime() (time.Time, error) {
	at, _, _ := strings.Cut(r.About, "#")
	return time.Parse(timeFormat, at)
}

// PlanNudges plans the nudges due at now: one for each unfinished
// conversation whose last input was at least after ago per nudge already
// planned for that pause, up to max per pause, for people who take
// reminders and can be reached. It returns how many it planned; planning
// again plans nothing twice.
func (tx *Tx) PlanNudges(now time.Time, after time.Duration, max int) (int64, error) {
	var planned int64
	for n := 0; n < max; n++ {
		// A pause is named by the time of its last input; its nudges by
		// that and their number. Their keys sort between pause+"#" and
		// pause+"$".
		res, err := tx.exec(`INSERT INTO reminders (person_id, kind, about, planned_at, due_at)
			SELECT c.person_id, ?, c.updated_at || '#' || ?, ?, ? FROM conversations c JOIN people p ON p.id = c.person_id
			WHERE c.status IN ('active', 'paused') AND c.updated_at <= ? AND p.reminders = 1 AND p.reachable = 1
			AND (SELECT COUNT(*) FROM reminders r WHERE r.person_id = c.person_id AND r.kind = ?
				AND r.about > c.updated_at || '#' AND r.about < c.updated_at || '$') = ?
			ON CONFLICT DO NOTHING`,
			ReminderNudge, strconv.Itoa(n+1), formatTime(now), formatTime(now), formatTime(now.Add(-time.Duration(n+1)*after)), ReminderNudge, n)
		if err != nil {
			return planned, fmt.Errorf("plan nudges: %w", err)
		}
		k, _ := res.RowsAffected()
		planned += k
	}
	return planned, nil
}

// PlanRefreshes plans a refresh for up to limit people whose entry was
// last confirmed at or before confirmedBy, who take reminders, can be
// reached and are not stale already, in the order they confirmed, from
// where the last planning left off. It returns how many it planned; 0
// when there are no more, so a large run is planned in short transactions
// and a run finds only the people who fell due since the last.
func (tx *Tx) PlanRefreshes(now, confirmedBy time.Time, limit int) (int64, error) {
	// The last confirmation planned for, and whose: people are planned in
	// (confirmed_at, id) order, so everyone at or before it is planned.
	var lastAt string
	var lastID int64
	err := tx.queryRow(`SELECT about, person_id FROM reminders WHERE kind = ? ORDER BY about DESC, person_id DESC LIMIT 1`, ReminderRefresh).
		Scan(&lastAt, &lastID)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return 0, fmt.Errorf("plan refreshes: %w", err)
	}
	res, err := tx.exec(`INSERT INTO reminders (person_id, kind, about, planned_at, due_at)
		SELECT id, ?, confirmed_at, ?, ? FROM people
		WHERE (confirmed_at, id) > (?, ?) AND confirmed_at <= ? AND stale_at IS NULL AND reminders = 1 AND reachable = 1
		ORDER BY confirmed_at, id LIMIT ?
		ON CONFLICT DO NOTHING`,
		ReminderRefresh, formatTime(now), formatTime(now), lastAt, lastID, formatTime(confirmedBy), limit)
	if err != nil {
		return 0, fmt.Errorf("plan refreshes: %w", err)
	}
	return res.RowsAffected()
}

// planAssetRefreshes plans a page of asset refreshes from a watermark
// (confirmed_at, id), reading the assets through the assets_confirmed
// index in its order, so a page costs what it plans however many assets
// there are. Its arguments: kind, planned_at, due_at, the watermark's
// confirmed_at twice (the first bounds the index range) and id, the
// latest confirmation due, and the page size.
const planAssetRefreshes = `INSERT INTO reminders (person_id, kind, about, asset_id, planned_at, due_at)
	SELECT p.id, ?, ` + assetAbout + `, a.id, ?, ? FROM assets a JOIN people p ON p.id = COALESCE(a.changed_by, a.added_by)
	WHERE a.removed_at IS NULL AND a.confirmed_at >= ? AND (a.confirmed_at, a.id) > (?, ?) AND a.confirmed_at <= ?
	AND a.stale_at IS NULL AND p.reminders = 1 AND p.reachable = 1
	ORDER BY a.confirmed_at, a.id LIMIT ?
	ON CONFLICT DO NOTHING`

// PlanAssetRefreshes plans a refresh for up to limit assets on the map
// last confirmed at or before confirmedBy and not stale already, each for
// the person who last changed it (else who added it) if they take
// reminders and can be reached, in the order they were confirmed, from
// where the last planning left off. It returns how many it planned, as
// PlanRefreshes does.
func (tx *Tx) PlanAssetRefreshes(now, confirmedBy time.Time, limit int) (int64, error) {
	// The last asset planned for, and its confirmation: assets are planned
	// in (confirmed_at, id) order, as their abouts sort.
	var last string
	var lastID int64
	err := tx.queryRow(`SELECT about, asset_id FROM reminders WHERE kind = ? ORDER BY about DESC LIMIT 1`, ReminderRefreshAsset).Scan(&last, &lastID)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return 0, fmt.Errorf("plan asset refreshes: %w", err)
	}
	lastAt, _, _ := strings.Cut(last, "#")
	res, err := tx.exec(planAssetRefreshes,
		ReminderRefreshAsset, formatTime(now), formatTime(now), lastAt, lastAt, lastID, formatTime(confirmedBy), limit)
	if err != nil {
		return 0, fmt.Errorf("plan asset refreshes: %w", err)
	}
	return res.RowsAffected()
}

// wrap adds context to a non-nil error.
func wrap(err error, what string) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("%s: %w", what, err)
}

// DueReminders returns up to limit reminders not yet settled and due at
// now, the longest due first.
func (tx *Tx) DueReminders(now time.Time, limit int) ([]Reminder, error) {
	rows, err := tx.query(`SELECT `+reminderColumns+` FROM reminders WHERE outcome = '' AND due_at <= ? ORDER BY due_at, id LIMIT ?`, formatTime(now), limit)
	if err != nil {
		return nil, fmt.Errorf("read due reminders: %w", err)
	}
	defer rows.Close()
	var out []Reminder
	for rows.Next() {
		r, err := scanReminder(rows)
		if err != nil {
			return nil, fmt.Errorf("read due reminders: %w", err)
		}
		out = append(out, r)
	}
	return out, wrap(rows.Err(), "read due reminders")
}

// CountDueReminders counts the reminders planned and not yet settled.
func (tx *Tx) CountDueReminders(now time.Time) (map[string]int, error) {
	rows, err := tx.query(`SELECT kind, COUNT(*) FROM reminders WHERE outcome = '' AND due_at <= ? GROUP BY kind`, formatTime(now))
	return counts(rows, err, "count due reminders")
}

// counts reads rows of (name, count), as a GROUP BY gives them.
func counts(rows *sql.Rows, err error, what string) (map[string]int, error) {
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var name string
		var n int
		if err := rows.Scan(&name, &n); err != nil {
			return nil, fmt.Errorf("%s: %w", what, err)
		}
		out[name] = n
	}
	return out, wrap(rows.Err(), what)
}

// Reminder returns one reminder, or ErrNotFound.
func (tx *Tx) Reminder(id int64) (Reminder, error) {
	r, err := scanReminder(tx.queryRow(`SELECT `+reminderColumns+` FROM reminders WHERE id = ?`, id))
	if err != nil && !errors.Is(err, ErrNotFound) {
		return r, fmt.Errorf("read reminder %d: %w", id, err)
	}
	return r, err
}

// SettleReminder records a reminder's outcome: OutcomeSent (its message
// was queued now) or why it was not sent.
func (tx *Tx) SettleReminder(id int64, outcome string) error {
	var sentAt any
	if outcome == OutcomeSent {
		sentAt = formatTime(tx.now)
	}
	if _, err := tx.exec(`UPDATE reminders SET outcome = ?, sent_at = ? WHERE id = ?`, outcome, sentAt, id); err != nil {
		return fmt.Errorf("settle reminder %d: %w", id, err)
	}
	return nil
}

// PostponeReminder moves a due reminder to until.
func (tx *Tx) PostponeReminder(id int64, until time.Time) error {
	if _, err := tx.exec(`UPDATE reminders SET due_at = ? WHERE id = ?`, formatTime(until), id); err != nil {
		return fmt.Errorf("postpone reminder %d: %w", id, err)
	}
	return nil
}

// RemindersSentSince counts the reminders sent to the person since t.
func (tx *Tx) RemindersSentSince(personID int64, t time.Time) (int, error) {
	var n int
	err := tx.queryRow(`SELECT COUNT(*) FROM reminders WHERE person_id = ? AND sent_at >= ?`, personID, formatTime(t)).Scan(&n)
	return n, wrap(err, fmt.Sprintf("count reminders sent to %d", personID))
}

// MarkStale marks stale, at now, the entries of people sent a refresh at
// or before sentBy who have not confirmed their entry since, and closes
// every such refresh, answered or not. It returns how many entries went
// stale. Stale entries are kept.
func (tx *Tx) MarkStale(now, sentBy time.Time) (int64, error) {
	res, err := tx.exec(`UPDATE people SET stale_at = ? WHERE stale_at IS NULL AND id IN (
		SELECT r.person_id FROM reminders r WHERE r.kind = ? AND r.outcome = ? AND r.closed = 0 AND r.sent_at <= ?
		AND r.about = (SELECT p.confirmed_at FROM people p WHERE p.id = r.person_id))`,
		formatTime(now), ReminderRefresh, OutcomeSent, formatTime(sentBy))
	if err != nil {
		return 0, fmt.Errorf("mark stale entries: %w", err)
	}
	stale, _ := res.RowsAffected()
	return stale, tx.closeRefreshes(ReminderRefresh, sentBy)
}

// markAssetsStale marks stale the assets whose open refreshes, sent by a
// time, ask about their confirmation as it still is. Its arguments: the
// stale time, kind, outcome and the latest sending.
const markAssetsStale = `UPDATE assets SET stale_at = ? WHERE stale_at IS NULL AND removed_at IS NULL AND id IN (
	SELECT r.asset_id FROM reminders r WHERE r.kind = ? AND r.outcome = ? AND r.closed = 0 AND r.sent_at <= ?
	AND r.about = (SELECT ` + assetAbout + ` FROM assets a WHERE a.id = r.asset_id))`

// closeRefreshesSQL closes the open refreshes of a kind and outcome sent
// by a time.
const closeRefreshesSQL = `UPDATE reminders SET closed = 1 WHERE kind = ? AND outcome = ? AND closed = 0 AND sent_at <= ?`

// MarkAssetsStale marks stale, at now, the assets on the map whose refresh
// was sent at or before sentBy and that nobody confirmed or changed since,
// and closes every such refresh. It returns how many assets went stale;
// they stay on the map, and exports show since when they are stale.
func (tx *Tx) MarkAssetsStale(now, sentBy time.Time) (int64, error) {
	res, err := tx.exec(markAssetsStale, formatTime(now), ReminderRefreshAsset, OutcomeSent, formatTime(sentBy))
	if err != nil {
		return 0, fmt.Errorf("mark stale assets: %w", err)
	}
	stale, _ := res.RowsAffected()
	return stale, tx.closeRefreshes(ReminderRefreshAsset, sentBy)
}

// closeRefreshes closes the refreshes of kind sent at or before sentBy:
// whether they were answered is settled.
func (tx *Tx) closeRefreshes(kind string, sentBy time.Time) error {
	if _, err := tx.exec(closeRefreshesSQL, kind, OutcomeSent, formatTime(sentBy)); err != nil {
		return fmt.Errorf("close answered %s reminders: %w", kind, err)
	}
	return nil
}

// ConfirmEntry records that the person went through or confirmed their
// whole entry now: it is fresh again.
func (tx *Tx) ConfirmEntry(personID int64) error {
	if _, err := tx.exec(`UPDATE people SET confirmed_at = ?, stale_at = NULL WHERE id = ?`, formatTime(tx.now), personID); err != nil {
		return fmt.Errorf("confirm entry of %d: %w", personID, err)
	}
	return nil
}

// EntryFreshness is when the person's entry was last confirmed, and when
// it went stale (zero if it is not stale).
type EntryFreshness struct {
	ConfirmedAt time.Time
	StaleAt     time.Time
}

// Freshness returns when the person's entry was confirmed and went stale.
func (tx *Tx) Freshness(personID int64) (EntryFreshness, error) {
	var f EntryFreshness
	err := tx.queryRow(`SELECT confirmed_at, stale_at FROM people WHERE id = ?`, personID).Scan((*nullTime)(&f.ConfirmedAt), (*nullTime)(&f.StaleAt))
	if errors.Is(err, sql.ErrNoRows) {
		return f, ErrNotFound
	}
	return f, wrap(err, fmt.Sprintf("read freshness of %d", personID))
}

// ReminderOutcomes counts every reminder planned, by outcome ("" for those
// still due).
func (s *Store) ReminderOutcomes(ctx context.Context) (map[string]int, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT outcome, COUNT(*) FROM reminders GROUP BY outcome`)
	return counts(rows, err, "count reminders")
}
