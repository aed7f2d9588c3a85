package store

import (
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// ErrIntroductionClosed is returned for an answer to an introduction that
// is not waiting for one from that person: already answered, not yet sent,
// or someone else's.
var ErrIntroductionClosed = errors.New("introduction is not waiting for this answer")

// Introduction is an organiser's request, through the bot, to be put in
// touch with a person. Message is empty while the organiser is writing it.
type Introduction struct {
	ID              int64
	OrganiserUserID int64
	PersonID        int64
	Message         string
	CreatedAt       time.Time
	AnsweredAt      time.Time // zero until the person answers
	Shared          bool      // the person shared their Telegram
}

const introductionColumns = `id, organiser_user_id, person_id, IFNULL(message, ''), created_at, answered_at, shared`

func scanIntroduction(row *sql.Row) (Introduction, error) {
	var in Introduction
	err := row.Scan(&in.ID, &in.OrganiserUserID, &in.PersonID, &in.Message, (*sqlTime)(&in.CreatedAt), (*nullTime)(&in.AnsweredAt), &in.Shared)
	if errors.Is(err, sql.ErrNoRows) {
		return in, ErrNotFound
	}
	return in, err
}

// StartIntroduction opens a draft introduction of the organiser to the
// person, for the organiser's next message to fill in. Any other draft of
// the organiser's is dropped: they write one at a time.
func (tx *Tx) StartIntroduction(organiser, personID int64) (Introduction, error) {
	if _, err := tx.exec(`DELETE FROM introductions WHERE organiser_user_id = ? AND message IS NULL`, organiser); err != nil {
		return Introduction{}, fmt.Errorf("drop drafts of organiser %d: %w", organiser, err)
	}
	res, err := tx.exec(`INSERT INTO introductions (organiser_user_id, person_id, created_at) VALUES (?, ?, ?)`, organiser, personID, formatTime(tx.now))
	if err != nil {
		return Introduction{}, fmt.Errorf("start introduction to %d: %w", personID, err)
	}
	id, err := res.LastInsertId()
	if err != nil {
		return Introduction{}, fmt.Errorf("start introduction to %d: %w", personID, err)
	}
	return Introduction{ID: id, OrganiserUserID: organiser, PersonID: personID, CreatedAt: tx.now}, nil
}

// IntroductionDraft returns the introduction the organiser started within
// maxAge and is writing, or ErrNotFound. An older draft is forgotten, so
// that text the organiser sends much later, meant for something else, is
// not passed on to a resident.
func (tx *Tx) IntroductionDraft(organiser int64, maxAge time.Duration) (Introduction, error) {
	in, err := scanIntroduction(tx.queryRow(`SELECT `+introductionColumns+` FROM introductions
		WHERE organiser_user_id = ? AND message IS NULL AND created_at >= ? ORDER BY id DESC LIMIT 1`, organiser, formatTime(tx.now.Add(-maxAge))))
	if err != nil && !errors.Is(err, ErrNotFound) {
		return in, fmt.Errorf("read draft introduction of organiser %d: %w", organiser, err)
	}
	return in, err
}

// SetIntroductionMessage gives a draft introduction its message, which
// makes it sent.
func (tx *Tx) SetIntroductionMessage(id int64, message string) error {
	if _, err := tx.exec(`UPDATE introductions SET message = ? WHERE id = ? AND message IS NULL`, message, id); err != nil {
		return fmt.Errorf("write introduction %d: %w", id, err)
	}
	return nil
}

// AnswerIntroduction records the person's answer to an introduction sent
// to them and returns it. Only the first answer counts: a second press, a
// press on a draft, or one by anyone but personID is ErrIntroductionClosed.
func (tx *Tx) AnswerIntroduction(id, personID int64, shared bool) (Introduction, error) {
	res, err := tx.exec(`UPDATE introductions SET answered_at = ?, shared = ?
		WHERE id = ? AND person_id = ? AND message IS NOT NULL AND answered_at IS NULL`, formatTime(tx.now), shared, id, personID)
	if err != nil {
		return Introduction{}, fmt.Errorf("answer introduction %d: %w", id, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return Introduction{}, fmt.Errorf("answer introduction %d: %w", id, err)
	}
	if n == 0 {
		return Introduction{}, ErrIntroductionClosed
	}
	in, err := scanIntroduction(tx.queryRow(`SELECT `+introductionColumns+` FROM introductions WHERE id = ?`, id))
	if err != nil {
		return in, fmt.Errorf("read introduction %d: %w", id, err)
	}
	return in, nil
}
