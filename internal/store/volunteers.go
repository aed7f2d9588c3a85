package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/assetbot/assetbot/internal/referral"
)

// The statuses of a volunteer. Only an active volunteer's link attributes.
const (
	VolunteerActive  = "active"
	VolunteerPaused  = "paused"
	VolunteerRemoved = "removed"
)

// maxVolunteerName is the longest volunteer name, in characters.
const maxVolunteerName = 64

// ErrVolunteerName is returned for a volunteer name that is empty, too
// long or holds control characters.
var ErrVolunteerName = fmt.Errorf("a volunteer's name must be 1 to %d characters, on one line", maxVolunteerName)

// Volunteer is someone who shares the bot's link on the doorstep.
type Volunteer struct {
	ID     int64
	Code   string
	Name   string
	Status string
	// TelegramUserID is the volunteer's own Telegram id, "" until known.
	TelegramUserID string
	CreatedAt      time.Time
}

// VolunteerStats is a volunteer with what their link achieved.
type VolunteerStats struct {
	Volunteer
	Started  int // people attributed to them directly
	Finished int // of those, people whose entry is confirmed
	// BroughtOthers counts the people they brought who brought others.
	BroughtOthers int
	// LongestChain is the most generations from them to anyone rooted at
	// them; 0 when nobody is.
	LongestChain int
}

const volunteerColumns = `id, code, name, status, COALESCE(telegram_user_id, ''), created_at`

func volunteerFields(v *Volunteer) []any {
	return []any{&v.ID, &v.Code, &v.Name, &v.Status, &v.TelegramUserID, (*sqlTime)(&v.CreatedAt)}
}

// AddVolunteer registers an active volunteer with the given name (trimmed)
// and code (from referral.NewCode).
func (tx *Tx) AddVolunteer(name, code string) (Volunteer, error) {
	name = strings.TrimSpace(name)
	if n := utf8.RuneCountInString(name); n == 0 || n > maxVolunteerName || !utf8.ValidString(name) || strings.IndexFunc(name, unicode.IsControl) >= 0 {
		return Volunteer{}, ErrVolunteerName
	}
	v := Volunteer{Code: code, Name: name, Status: VolunteerActive, CreatedAt: tx.now}
	res, err := tx.exec(`INSERT INTO volunteers (code, name, status, created_at) VALUES (?, ?, ?, ?)`, code, name, VolunteerActive, formatTime(tx.now))
	if err != nil {
		return v, fmt.Errorf("add volunteer: %w", err)
	}
	if v.ID, err = res.LastInsertId(); err != nil {
		return v, fmt.Errorf("add volunteer: %w", err)
	}
	return v, nil
}

// ErrTelegramTaken is returned when a Telegram user is already on another
// volunteer's record.
var ErrTelegramTaken = errors.New("that Telegram user is already on another volunteer's record")

// SetVolunteerTelegram puts the volunteer's own Telegram user id on their
// record, so that /mystats knows them and their own link credits nobody.
func (tx *Tx) SetVolunteerTelegram(code, userID string) (Volunteer, error) {
	v, err := tx.Volunteer(code)
	if err != nil {
		return v, err
	}
	var other int64
	err = tx.queryRow(`SELECT id FROM volunteers WHERE telegram_user_id = ? AND id != ?`, userID, v.ID).Scan(&other)
	switch {
	case err == nil:
		return v, ErrTelegramTaken
	case !errors.Is(err, sql.ErrNoRows):
		return v, fmt.Errorf("check telegram id of volunteer %d: %w", v.ID, err)
	}
	if _, err := tx.exec(`UPDATE volunteers SET telegram_user_id = ? WHERE id = ?`, userID, v.ID); err != nil {
		return v, fmt.Errorf("set telegram id of volunteer %d: %w", v.ID, err)
	}
	v.TelegramUserID = userID
	return v, nil
}

// Volunteer returns the volunteer with the given code, or ErrNotFound.
func (tx *Tx) Volunteer(code string) (Volunteer, error) {
	var v Volunteer
	err := tx.queryRow(`SELECT `+volunteerColumns+` FROM volunteers WHERE code = ?`, code).Scan(volunteerFields(&v)...)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return v, ErrNotFound
	case err != nil:
		return v, fmt.Errorf("read volunteer: %w", err)
	}
	return v, nil
}

// SetVolunteerStatus sets the status of the volunteer with the given code
// and returns them; ErrNotFound if there is none.
func (tx *Tx) SetVolunteerStatus(code, status string) (Volunteer, error) {
	switch status {
	case VolunteerActive, VolunteerPaused, VolunteerRemoved:
	default:
		return Volunteer{}, fmt.Errorf("set volunteer status: unknown status %q", status)
	}
	v, err := tx.Volunteer(code)
	if err != nil {
		return v, err
	}
	if _, err := tx.exec(`UPDATE volunteers SET status = ? WHERE id = ?`, status, v.ID); err != nil {
		return v, fmt.Errorf("set status of volunteer %d: %w", v.ID, err)
	}
	v.Status = status
	return v, nil
}

// InviteCode returns the person's own invitation code, storing code (from
// referral.NewCode) as it if they have none yet.
func (tx *Tx) InviteCode(personID int64, code string) (string, error) {
	var have sql.NullString
	err := tx.queryRow(`SELECT invite_code FROM people WHERE id = ?`, personID).Scan(&have)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return "", ErrNotFound
	case err != nil:
		return "", fmt.Errorf("read invite code of %d: %w", personID, err)
	case have.Valid:
		return have.String, nil
	}
	if _, err := tx.exec(`UPDATE people SET invite_code = ? WHERE id = ?`, code, personID); err != nil {
		return "", fmt.Errorf("set invite code of %d: %w", personID, err)
	}
	return code, nil
}

// Attribution is what Attribute did, for the log.
type Attribution string

// The outcomes of Attribute. Only Attributed stores anything.
const (
	Attributed Attribution = "attributed"
	// AlreadyAttributed: first touch wins.
	AlreadyAttributed Attribution = "already_attributed"
	UnknownCode       Attribution = "unknown_code"
	// InactiveVolunteer: the volunteer is paused or removed.
	InactiveVolunteer Attribution = "inactive_volunteer"
	// OwnCode: a person's or volunteer's own link.
	OwnCode Attribution = "own_code"
	// BroughtOthers: the person has brought people already, whose chains
	// were counted from them as they were; attributing them now would
	// leave those chains wrong, or make a loop.
	BroughtOthers Attribution = "brought_others"
)

// Unattribute removes the record of who brought the person, so that they
// count for nobody: for someone who never took part (they said they are
// under the minimum age), whom an erasure would otherwise leave counted as
// started. The referrals of people they brought are left as they are.
func (tx *Tx) Unattribute(personID int64) error {
	if _, err := tx.exec(`DELETE FROM referrals WHERE person_id = ?`, personID); err != nil {
		return fmt.Errorf("remove the referral of %d: %w", personID, err)
	}
	return nil
}

// Attribute records that p started through the link with payload pl,
// unless one of the rules of first touch says otherwise.
func (tx *Tx) Attribute(p Person, pl referral.Payload) (Attribution, error) {
	var n int
	if err := tx.queryRow(`SELECT COUNT(*) FROM referrals WHERE person_id = ?`, p.ID).Scan(&n); err != nil {
		return "", fmt.Errorf("read referral of %d: %w", p.ID, err)
	}
	if n > 0 {
		return AlreadyAttributed, nil
	}
	switch pl.Kind {
	case referral.Volunteer:
		return tx.attributeToVolunteer(p, pl.Code)
	case referral.Resident:
		return tx.attributeToPerson(p, pl.Code)
	}
	return UnknownCode, nil
}

func (tx *Tx) attributeToVolunteer(p Person, code string) (Attribution, error) {
	v, err := tx.Volunteer(code)
	switch {
	case errors.Is(err, ErrNotFound):
		return UnknownCode, nil
	case err != nil:
		return "", err
	case v.TelegramUserID != "" && p.Channel == "telegram" && v.TelegramUserID == p.ChannelUserID:
		return OwnCode, nil
	case v.Status != VolunteerActive:
		return InactiveVolunteer, nil
	}
	if brought, err := tx.hasBrought(p.ID); err != nil || brought {
		return BroughtOthers, err
	}
	return Attributed, tx.insertReferral(p.ID, sql.NullInt64{Int64: v.ID, Valid: true}, sql.NullInt64{}, sql.NullInt64{Int64: v.ID, Valid: true}, 1)
}

func (tx *Tx) attributeToPerson(p Person, code string) (Attribution, error) {
	var referrer int64
	var root sql.NullInt64
	var gen sql.NullInt64
	err := tx.queryRow(`SELECT p.id, r.root_volunteer_id, r.generation FROM people p LEFT JOIN referrals r ON r.person_id = p.id WHERE p.invite_code = ?`, code).
		Scan(&referrer, &root, &gen)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return UnknownCode, nil
	case err != nil:
		return "", fmt.Errorf("read inviter: %w", err)
	case referrer == p.ID:
		return OwnCode, nil
	}
	if brought, err := tx.hasBrought(p.ID); err != nil || brought {
		return BroughtOthers, err
	}
	// Someone who came with no link is generation 0, like a volunteer.
	if err := tx.insertReferral(p.ID, sql.NullInt64{}, sql.NullInt64{Int64: referrer, Valid: true}, root, int(gen.Int64)+1); err != nil {
		return "", err
	}
	// Kept on the inviter's own referral, if they have one, so that it
	// still counts once either of them is erased.
	if _, err := tx.exec(`UPDATE referrals SET brought = 1 WHERE person_id = ?`, referrer); err != nil {
		return "", fmt.Errorf("record that %d brought someone: %w", referrer, err)
	}
	return Attributed, nil
}

// hasBrought reports whether the person has brought anyone.
func (tx *Tx) hasBrought(personID int64) (bool, error) {
	var n int
	if err := tx.queryRow(`SELECT COUNT(*) FROM referrals WHERE referrer_person_id = ?`, personID).Scan(&n); err != nil {
		return false, fmt.Errorf("read referrals by %d: %w", personID, err)
	}
	return n > 0, nil
}

func (tx *Tx) insertReferral(personID int64, volunteer, referrer, root sql.NullInt64, generation int) error {
	_, err := tx.exec(`INSERT INTO referrals (person_id, volunteer_id, referrer_person_id, root_volunteer_id, generation, at) VALUES (?, ?, ?, ?, ?, ?)`,
		personID, volunteer, referrer, root, generation, formatTime(tx.now))
	if err != nil {
		return fmt.Errorf("record referral of %d: %w", personID, err)
	}
	return nil
}

// botUsernameKey is bot_info's key for the username getMe reported.
const botUsernameKey = "username"

// SetBotUsername keeps the bot's username, learned with getMe, for
// commands run while the bot is not.
func (tx *Tx) SetBotUsername(name string) error {
	_, err := tx.exec(`INSERT INTO bot_info (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`, botUsernameKey, name)
	if err != nil {
		return fmt.Errorf("record bot username: %w", err)
	}
	return nil
}

// BotUsername returns the username the bot learned at its last start, or
// ErrNotFound if it never started.
func (s *Store) BotUsername(ctx context.Context) (string, error) {
	var name string
	err := s.db.QueryRowContext(ctx, `SELECT value FROM bot_info WHERE key = ?`, botUsernameKey).Scan(&name)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return "", ErrNotFound
	case err != nil:
		return "", fmt.Errorf("read bot username: %w", err)
	}
	return name, nil
}

// volunteerStats selects volunteers with their stats; a WHERE clause
// follows. A referral whose person was erased names nobody but still
// counts: it keeps whether they finished and whether they brought anyone.
const volunteerStats = `SELECT ` + volunteerColumns + `,
	(SELECT COUNT(*) FROM referrals r WHERE r.volunteer_id = v.id),
	(SELECT COUNT(*) FROM referrals r LEFT JOIN people p ON p.id = r.person_id WHERE r.volunteer_id = v.id AND (p.confirmed_at IS NOT NULL OR r.finished = 1)),
	(SELECT COUNT(*) FROM referrals r WHERE r.volunteer_id = v.id AND r.brought = 1),
	(SELECT COALESCE(MAX(r.generation), 0) FROM referrals r WHERE r.root_volunteer_id = v.id)
	FROM volunteers v `

// Volunteers returns every volunteer, removed ones too, in the order they
// were added, with their stats.
func (s *Store) Volunteers(ctx context.Context) ([]VolunteerStats, error) {
	rows, err := s.db.QueryContext(ctx, volunteerStats+`ORDER BY v.id`)
	if err != nil {
		return nil, fmt.Errorf("read volunteers: %w", err)
	}
	defer rows.Close()
	var vs []VolunteerStats
	for rows.Next() {
		v, err := scanVolunteerStats(rows)
		if err != nil {
			return nil, fmt.Errorf("read volunteers: %w", err)
		}
		vs = append(vs, v)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read volunteers: %w", err)
	}
	return vs, nil
}

// VolunteerStatsByTelegram returns the stats of the volunteer with the
// given Telegram user id, or ErrNotFound.
func (s *Store) VolunteerStatsByTelegram(ctx context.Context, userID string) (VolunteerStats, error) {
	v, err := scanVolunteerStats(s.db.QueryRowContext(ctx, volunteerStats+`WHERE v.telegram_user_id = ?`, userID))
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return v, ErrNotFound
	case err != nil:
		return v, fmt.Errorf("read volunteer stats: %w", err)
	}
	return v, nil
}

func scanVolunteerStats(row interface{ Scan(...any) error }) (VolunteerStats, error) {
	var v VolunteerStats
	err := row.Scan(append(volunteerFields(&v.Volunteer), &v.Started, &v.Finished, &v.BroughtOthers, &v.LongestChain)...)
	return v, err
}
