package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/assetbot/assetbot/internal/flow"
)

// Erasure is what Erase removed, or kept without naming the person.
type Erasure struct {
	Answers       int64 // their answers, each with its history
	Consents      int64 // consent decisions
	Reminders     int64 // reminders planned or sent to them
	Introductions int64 // introductions to them (or by them, as an organiser)
	Messages      int64 // messages queued to their chat
	Links         int64 // links to or from them
	// Referrals counts the referrals kept naming nobody: the one that
	// credited them and those of the people they brought.
	Referrals int64
	// AssetsRemoved are the assets about them, taken off the map and
	// emptied; AssetsKept those they added or changed that stay, without
	// their name and without the personal details they gave.
	AssetsRemoved, AssetsKept int64
	// Volunteer is set when their Telegram id was on a volunteer's
	// record, which stays (the organisers keep it) without it.
	Volunteer bool
}

// ErrNoFlows is returned by ErasePerson for a person who added or changed
// assets when the store was opened without WithFlows: it cannot tell
// which of those assets are about them, and will not guess.
var ErrNoFlows = errors.New("the store was opened without the flows, so it cannot tell which assets are about the person")

// ErasePerson erases the person's personal data everywhere: see Erase.
func (tx *Tx) ErasePerson(personID int64) error {
	_, err := tx.Erase(personID)
	return err
}

// Erase erases the person's personal data everywhere and says what went;
// ErrNotFound if there is no such person.
//
// Gone: their people row, answers and their history, conversation,
// consents, reminders, introductions, links, the messages queued to their
// chat, and the assets they added that are about them (the flow's
// asset.personal holds; see flow.AssetSpec), which stay only as an empty
// row marked removed so that in-memory copies (the directory, synced by
// rev) drop them. Kept without naming them: the assets they added or
// changed that are not about them, with the fields marked personal that
// they gave cleared from every version; the referrals that credited them
// or that they made (whoever brought them, and the people they brought,
// keep their counts); a volunteer's record bearing their Telegram id.
//
// processed_events names no one (a channel's update ids, which are not
// per person), so nothing there is theirs. Their revision goes with their
// row, and no later person takes their id (see id_floor), so a copy of
// their conversation held in memory is never read again. Once the erasure
// is committed a checkpoint runs in the background, and with secure_delete
// the freed space is zeroed: their data is neither in the file nor in the
// WAL afterwards.
func (tx *Tx) Erase(personID int64) (Erasure, error) {
	var e Erasure
	p, err := tx.PersonByID(personID)
	if err != nil {
		return e, err
	}
	if err := tx.eraseAssets(p.ID, &e); err != nil {
		return e, fmt.Errorf("erase %d: %w", p.ID, err)
	}
	// A Telegram person's private chat has their user id; other channels
	// keep no outbox or volunteer record.
	chat := sql.NullInt64{}
	if p.Channel == "telegram" {
		if id, err := strconv.ParseInt(p.ChannelUserID, 10, 64); err == nil {
			chat = sql.NullInt64{Int64: id, Valid: true}
		}
	}
	var volunteers int64
	steps := []struct {
		n     *int64
		what  string
		query string
		args  []any
	}{
		{nil, "answer history", `DELETE FROM answer_history WHERE answer_id IN (SELECT id FROM answers WHERE person_id = ?)`, []any{p.ID}},
		{&e.Answers, "answers", `DELETE FROM answers WHERE person_id = ?`, []any{p.ID}},
		{&e.Consents, "consents", `DELETE FROM consents WHERE person_id = ?`, []any{p.ID}},
		{nil, "conversation", `DELETE FROM conversations WHERE person_id = ?`, []any{p.ID}},
		{&e.Reminders, "reminders", `DELETE FROM reminders WHERE person_id = ?`, []any{p.ID}},
		{&e.Introductions, "introductions", `DELETE FROM introductions WHERE person_id = ? OR organiser_user_id = ?`, []any{p.ID, chat}},
		{&e.Messages, "queued messages", `DELETE FROM outbox WHERE chat_id = ?`, []any{chat}},
		{&e.Links, "links", `DELETE FROM links WHERE from_person = ?1 OR to_person = ?1`, []any{p.ID}},
		{nil, "links recorded", `UPDATE links SET recorded_by = NULL WHERE recorded_by = ?`, []any{p.ID}},
		{&e.Referrals, "referral", `UPDATE referrals SET finished = (SELECT confirmed_at IS NOT NULL FROM people WHERE id = ?1), person_id = NULL WHERE person_id = ?1`, []any{p.ID}},
		{&e.Referrals, "referrals made", `UPDATE referrals SET referrer_person_id = NULL WHERE referrer_person_id = ?`, []any{p.ID}},
		{&volunteers, "volunteer record", `UPDATE volunteers SET telegram_user_id = NULL WHERE telegram_user_id = CAST(? AS TEXT)`, []any{chat}},
		// Past every id given so far, so that none of theirs is given again.
		{nil, "id floor", `INSERT INTO id_floor (name, next) VALUES ('people', (SELECT MAX(id) + 1 FROM people))
			ON CONFLICT (name) DO UPDATE SET next = MAX(next, excluded.next)`, nil},
		{nil, "person", `DELETE FROM people WHERE id = ?`, []any{p.ID}},
	}
	for _, s := range steps {
		res, err := tx.exec(s.query, s.args...)
		if err != nil {
			return e, fmt.Errorf("erase %d: %s: %w", p.ID, s.what, err)
		}
		if s.n != nil {
			n, err := res.RowsAffected()
			if err != nil {
				return e, fmt.Errorf("erase %d: %s: %w", p.ID, s.what, err)
			}
			*s.n += n
		}
	}
	e.Volunteer = volunteers > 0
	tx.OnCommit(tx.store.scrubSoon)
	return e, nil
}

// touchedAsset is an asset a person added or changed.
type touchedAsset struct {
	id      int64
	kind    string
	fields  []byte
	added   bool // they added it
	changed bool // its current fields are theirs
}

// eraseAssets empties the assets the person added that are about them and
// takes their name and personal details off the others they added or
// changed, removed ones included (a removed asset keeps its fields and
// history).
func (tx *Tx) eraseAssets(personID int64, e *Erasure) error {
	var touched []touchedAsset
	err := tx.each(func(rows *sql.Rows) error {
		var a touchedAsset
		if err := rows.Scan(&a.id, &a.kind, &a.fields, &a.added, &a.changed); err != nil {
			return err
		}
		touched = append(touched, a)
		return nil
	}, `SELECT id, kind, fields, IFNULL(added_by = ?1, 0), IFNULL(changed_by = ?1, 0) FROM assets
		WHERE id IN (SELECT id FROM assets WHERE added_by = ?1 UNION SELECT id FROM assets WHERE changed_by = ?1
			UNION SELECT asset_id FROM asset_history WHERE changed_by = ?1) ORDER BY id`, personID)
	if err != nil {
		return fmt.Errorf("read their assets: %w", err)
	}
	if len(touched) > 0 && tx.store.flows == nil {
		return ErrNoFlows
	}
	for _, a := range touched {
		var fields map[string]flow.Value
		if err := json.Unmarshal(a.fields, &fields); err != nil {
			return fmt.Errorf("decode asset %d: %w", a.id, err)
		}
		f := tx.store.flows[a.kind]
		// An asset of a kind no flow records any more cannot be judged:
		// if they added it, it goes rather than keep what may be theirs.
		if a.added && (f == nil || f.PersonalAsset(fields)) {
			if err := tx.emptyAsset(a.id); err != nil {
				return err
			}
			e.AssetsRemoved++
			continue
		}
		var keys []string
		if f != nil {
			keys = f.PersonalKeys()
		}
		if err := tx.scrubAsset(a, fields, keys, personID); err != nil {
			return err
		}
		e.AssetsKept++
	}
	return nil
}

// emptyAsset takes an asset off the map and keeps nothing of it but its
// kind and uid: no name, place, fields, history, links or times of its own.
func (tx *Tx) emptyAsset(id int64) error {
	now := formatTime(tx.now)
	if _, err := tx.exec(`UPDATE assets SET name = '', area = '', lat = NULL, lon = NULL, fields = '{}', added_by = NULL, changed_by = NULL,
		created_at = ?1, updated_at = ?1, confirmed_at = ?1, stale_at = NULL, removed_at = ?1, rev = `+nextRev+` WHERE id = ?2`, now, id); err != nil {
		return fmt.Errorf("empty asset %d: %w", id, err)
	}
	if _, err := tx.exec(`DELETE FROM asset_history WHERE asset_id = ?`, id); err != nil {
		return fmt.Errorf("empty the history of asset %d: %w", id, err)
	}
	if _, err := tx.exec(`DELETE FROM links WHERE from_asset = ?1 OR to_asset = ?1`, id); err != nil {
		return fmt.Errorf("remove links of asset %d: %w", id, err)
	}
	return nil
}

// assetVersion is one version of an asset's fields: its current fields
// (history 0) or a row of its history.
type assetVersion struct {
	history int64
	fields  map[string]flow.Value
	theirs  bool // the person made this version
}

// scrubAsset clears from every version of an asset the personal fields
// (keys) holding a value the person gave, wherever it was carried on
// since, and takes their name off it. Its revision moves either way, so
// copies held in memory read it again.
func (tx *Tx) scrubAsset(a touchedAsset, current map[string]flow.Value, keys []string, personID int64) error {
	versions := []assetVersion{{fields: current, theirs: a.changed}}
	if len(keys) > 0 {
		err := tx.each(func(rows *sql.Rows) error {
			var v assetVersion
			var data []byte
			if err := rows.Scan(&v.history, &data, &v.theirs); err != nil {
				return err
			}
			if err := json.Unmarshal(data, &v.fields); err != nil {
				return fmt.Errorf("decode: %w", err)
			}
			versions = append(versions, v)
			return nil
		}, `SELECT id, fields, IFNULL(changed_by = ?, 0) FROM asset_history WHERE asset_id = ? ORDER BY id`, personID, a.id)
		if err != nil {
			return fmt.Errorf("read history of asset %d: %w", a.id, err)
		}
	}
	given := map[string][]flow.Value{}
	for _, v := range versions {
		for _, k := range keys {
			if val, ok := v.fields[k]; ok && v.theirs {
				given[k] = append(given[k], val)
			}
		}
	}
	for _, v := range versions {
		if !dropGiven(v.fields, given) && v.history != 0 {
			continue
		}
		data, err := json.Marshal(v.fields)
		if err != nil {
			return fmt.Errorf("encode asset %d: %w", a.id, err)
		}
		if v.history != 0 {
			if _, err := tx.exec(`UPDATE asset_history SET fields = ? WHERE id = ?`, data, v.history); err != nil {
				return fmt.Errorf("clear history of asset %d: %w", a.id, err)
			}
			continue
		}
		if _, err := tx.exec(`UPDATE assets SET fields = ?, rev = `+nextRev+`,
			added_by = NULLIF(added_by, ?2), changed_by = NULLIF(changed_by, ?2) WHERE id = ?3`, data, personID, a.id); err != nil {
			return fmt.Errorf("clear asset %d: %w", a.id, err)
		}
	}
	if _, err := tx.exec(`UPDATE asset_history SET changed_by = NULL WHERE asset_id = ? AND changed_by = ?`, a.id, personID); err != nil {
		return fmt.Errorf("clear history of asset %d: %w", a.id, err)
	}
	return nil
}

// dropGiven deletes from fields each value given lists under its key, and
// reports whether it deleted any.
func dropGiven(fields map[string]flow.Value, given map[string][]flow.Value) bool {
	dropped := false
	for k, vals := range given {
		cur, ok := fields[k]
		if !ok {
			continue
		}
		for _, v := range vals {
			if cur.Equal(v) {
				delete(fields, k)
				dropped = true
				break
			}
		}
	}
	return dropped
}

// scrubTries and scrubWait bound the checkpoints tried after an erasure
// while readers hold older snapshots (an export streaming for a minute).
const (
	scrubTries = 60
	scrubWait  = 2 * time.Second
)

// checkpointWait is how long a checkpoint waits for a writer and for
// readers of older snapshots. Writers wait while it does, so it is short:
// a checkpoint that cannot finish soon gives way and is tried again.
const checkpointWait = 200 * time.Millisecond

// scrubSoon asks the scrubber for a checkpoint; one waiting is enough.
func (s *Store) scrubSoon() {
	select {
	case s.scrub <- struct{}{}:
	default:
	}
}

// scrubber checkpoints the WAL into the file and empties it after each
// erasure, so that the erased data in its frames goes too (secure_delete
// has zeroed it in the pages written since), until the store closes.
func (s *Store) scrubber() {
	defer close(s.scrubbed)
	for {
		select {
		case <-s.done:
			return
		case <-s.scrub:
		}
		var err error
		for try := 1; try <= scrubTries; try++ {
			ctx, cancel := context.WithTimeout(context.Background(), busyTimeout)
			err = s.Checkpoint(ctx)
			cancel()
			if err == nil {
				break
			}
			select {
			case <-s.done:
				return
			case <-time.After(scrubWait):
			}
		}
		if err != nil {
			s.log.Warn("could not empty the WAL after an erasure; the next checkpoint will", "err", err)
		}
	}
}

// ErrBusy is returned by Checkpoint when readers or a writer kept it from
// emptying the WAL.
var ErrBusy = errors.New("database busy")

// Checkpoint copies everything in the WAL into the database file and
// empties the WAL (a TRUNCATE checkpoint). It waits for a writer and for
// readers of older snapshots (in this process or another) checkpointWait
// at most, since writers wait behind it, and then gives ErrBusy.
func (s *Store) Checkpoint(ctx context.Context) error {
	s.checkpointing.Lock()
	defer s.checkpointing.Unlock()
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("checkpoint: %w", err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "PRAGMA busy_timeout = "+strconv.FormatInt(checkpointWait.Milliseconds(), 10)); err != nil {
		return fmt.Errorf("checkpoint: %w", err)
	}
	var busy, frames, done int
	err = conn.QueryRowContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`).Scan(&busy, &frames, &done)
	// The connection goes back to the pool as it came.
	if _, resetErr := conn.ExecContext(context.WithoutCancel(ctx), "PRAGMA busy_timeout = "+strconv.FormatInt(busyTimeout.Milliseconds(), 10)); resetErr != nil {
		_ = conn.Raw(func(any) error { return driver.ErrBadConn }) // drop it instead
		err = errors.Join(err, resetErr)
	}
	if err != nil {
		return fmt.Errorf("checkpoint: %w", err)
	}
	if busy != 0 {
		return fmt.Errorf("checkpoint: %w", ErrBusy)
	}
	return nil
}

// EraseChannelUser erases the person known on channel by userID (see
// Erase); ErrNotFound if nobody is.
func (tx *Tx) EraseChannelUser(channel, userID string) (Erasure, error) {
	p, err := tx.Person(channel, userID)
	if err != nil {
		return Erasure{}, err
	}
	return tx.Erase(p.ID)
}
