package store

import (
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Person is someone who talks to the bot on one channel.
type Person struct {
	ID            int64
	Channel       string // "telegram", "terminal"
	ChannelUserID string
	FirstName     string
	Language      string
	// LanguageChosen is set once the person chose Language themselves, so
	// their channel's language no longer changes it.
	LanguageChosen bool
	Reachable      bool // false once they blocked the bot
	Reminders      bool // false once they asked for no more reminders
	// Revision counts changes to their conversation, answers and consents,
	// so a copy of those held in memory can tell whether it is current.
	Revision  int64
	CreatedAt time.Time
	UpdatedAt time.Time
}

const personColumns = `id, channel, channel_user_id, first_name, language, language_chosen, reachable, reminders, revision, created_at, updated_at`

// personFields are the destinations of personColumns, in order.
func personFields(p *Person) []any {
	return []any{&p.ID, &p.Channel, &p.ChannelUserID, &p.FirstName, &p.Language, &p.LanguageChosen, &p.Reachable, &p.Reminders, &p.Revision,
		(*sqlTime)(&p.CreatedAt), (*sqlTime)(&p.UpdatedAt)}
}

func scanPerson(row interface{ Scan(...any) error }) (Person, error) {
	var p Person
	err := row.Scan(personFields(&p)...)
	if errors.Is(err, sql.ErrNoRows) {
		return p, ErrNotFound
	}
	return p, err
}

// Person returns the person with the given channel id.
func (tx *Tx) Person(channel, userID string) (Person, error) {
	p, err := scanPerson(tx.queryRow(`SELECT `+personColumns+` FROM people WHERE channel = ? AND channel_user_id = ?`, channel, userID))
	if err != nil && !errors.Is(err, ErrNotFound) {
		return p, fmt.Errorf("read person %s/%s: %w", channel, userID, err)
	}
	return p, err
}

// PersonByID returns the person with the given id.
func (tx *Tx) PersonByID(id int64) (Person, error) {
	p, err := scanPerson(tx.queryRow(`SELECT `+personColumns+` FROM people WHERE id = ?`, id))
	if err != nil && !errors.Is(err, ErrNotFound) {
		return p, fmt.Errorf("read person %d: %w", id, err)
	}
	return p, err
}

// CreatePerson adds a person and returns them with their new id.
func (tx *Tx) CreatePerson(p Person) (Person, error) {
	if p.Language == "" {
		p.Language = "en"
	}
	p.CreatedAt, p.UpdatedAt = tx.now, tx.now
	p.Reachable, p.Reminders = true, true
	// Never an id someone erased had: see id_floor.
	res, err := tx.exec(`INSERT INTO people (id, channel, channel_user_id, first_name, language, language_chosen, reachable, reminders, created_at, updated_at)
		VALUES (MAX(IFNULL((SELECT MAX(id) FROM people), 0) + 1, IFNULL((SELECT next FROM id_floor WHERE name = 'people'), 0)), ?, ?, ?, ?, ?, 1, 1, ?, ?)`,
		p.Channel, p.ChannelUserID, p.FirstName, p.Language, p.LanguageChosen, formatTime(tx.now), formatTime(tx.now))
	if err != nil {
		return p, fmt.Errorf("create person %s/%s: %w", p.Channel, p.ChannelUserID, err)
	}
	p.ID, err = res.LastInsertId()
	return p, err
}

// UpdatePerson saves a person's name, language (and whether they chose it)
// and flags.
func (tx *Tx) UpdatePerson(p Person) error {
	_, err := tx.exec(`UPDATE people SET first_name = ?, language = ?, language_chosen = ?, reachable = ?, reminders = ?, updated_at = ? WHERE id = ?`,
		p.FirstName, p.Language, p.LanguageChosen, p.Reachable, p.Reminders, formatTime(tx.now), p.ID)
	if err != nil {
		return fmt.Errorf("update person %d: %w", p.ID, err)
	}
	return nil
}

// Conversation is where a person is in their conversation. State is the
// conversation layer's own encoding; Flow and Status are kept beside it so
// reminders can find unfinished conversations without decoding it.
type Conversation struct {
	PersonID  int64
	Flow      string
	Status    string
	State     []byte
	UpdatedAt time.Time
}

// Conversation returns the person's conversation, or ErrNotFound.
func (tx *Tx) Conversation(personID int64) (Conversation, error) {
	c := Conversation{PersonID: personID}
	err := tx.queryRow(`SELECT flow, status, state, updated_at FROM conversations WHERE person_id = ?`, personID).
		Scan(&c.Flow, &c.Status, &c.State, (*sqlTime)(&c.UpdatedAt))
	if errors.Is(err, sql.ErrNoRows) {
		return c, ErrNotFound
	}
	if err != nil {
		return c, fmt.Errorf("read conversation of %d: %w", personID, err)
	}
	return c, nil
}

// SaveConversation stores the person's conversation.
func (tx *Tx) SaveConversation(c Conversation) error {
	_, err := tx.exec(`INSERT INTO conversations (person_id, flow, status, state, updated_at) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (person_id) DO UPDATE SET flow = excluded.flow, status = excluded.status, state = excluded.state, updated_at = excluded.updated_at`,
		c.PersonID, c.Flow, c.Status, c.State, formatTime(tx.now))
	if err != nil {
		return fmt.Errorf("save conversation of %d: %w", c.PersonID, err)
	}
	return tx.bump(c.PersonID)
}

// DeleteConversation forgets where the person was.
func (tx *Tx) DeleteConversation(personID int64) error {
	if _, err := tx.exec(`DELETE FROM conversations WHERE person_id = ?`, personID); err != nil {
		return fmt.Errorf("delete conversation of %d: %w", personID, err)
	}
	return nil
}

// RecordDecision appends the person's consent decision c (its At is now);
// the latest for a purpose is the one in force.
func (tx *Tx) RecordDecision(personID int64, c ConsentRecord) error {
	_, err := tx.exec(`INSERT INTO consents (person_id, purpose, granted, flow, flow_version, text_version, at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		personID, c.Purpose, c.Granted, c.Flow, c.FlowVersion, c.TextVersion, formatTime(tx.now))
	if err != nil {
		return fmt.Errorf("record consent of %d to %s: %w", personID, c.Purpose, err)
	}
	return tx.bump(personID)
}

// RecordConsent appends a consent decision for a purpose whose wording is
// not known (seeded people).
func (tx *Tx) RecordConsent(personID int64, purpose string, granted bool, flowID string, version int) error {
	return tx.RecordDecision(personID, ConsentRecord{Purpose: purpose, Granted: granted, Flow: flowID, FlowVersion: version})
}

// Consent returns the person's latest decision on a purpose; ErrNotFound
// if they were never asked.
func (tx *Tx) Consent(personID int64, purpose string) (bool, error) {
	var granted bool
	err := tx.queryRow(`SELECT granted FROM consents WHERE person_id = ? AND purpose = ? ORDER BY id DESC LIMIT 1`, personID, purpose).Scan(&granted)
	if errors.Is(err, sql.ErrNoRows) {
		return false, ErrNotFound
	}
	if err != nil {
		return false, fmt.Errorf("read consent of %d to %s: %w", personID, purpose, err)
	}
	return granted, nil
}

// Consents returns the person's decision in force on each purpose they
// were asked about, by purpose name.
func (tx *Tx) Consents(personID int64) ([]ConsentRecord, error) {
	var out []ConsentRecord
	err := tx.each(func(rows *sql.Rows) error {
		var c ConsentRecord
		if err := rows.Scan(&c.Purpose, &c.Granted, &c.Flow, &c.FlowVersion, &c.TextVersion, (*sqlTime)(&c.At)); err != nil {
			return err
		}
		out = append(out, c)
		return nil
	}, `SELECT purpose, granted, flow, flow_version, text_version, at FROM consents
		WHERE id IN (SELECT MAX(id) FROM consents WHERE person_id = ? GROUP BY purpose) ORDER BY purpose`, personID)
	if err != nil {
		return nil, fmt.Errorf("read consents of %d: %w", personID, err)
	}
	return out, nil
}

// bump records that a person's conversation, answers or consents changed.
// Once per transaction is enough: a copy in memory is only ever replaced by
// the transaction's final state.
func (tx *Tx) bump(personID int64) error {
	if tx.bumped[personID] {
		return nil
	}
	if _, err := tx.exec(`UPDATE people SET revision = revision + 1 WHERE id = ?`, personID); err != nil {
		return fmt.Errorf("bump revision of %d: %w", personID, err)
	}
	if tx.bumped == nil {
		tx.bumped = map[int64]bool{}
	}
	tx.bumped[personID] = true
	return nil
}

// Changed reports whether this transaction changed the person's
// conversation, answers or consents: if so, their revision is one more
// than it was when the transaction began.
func (tx *Tx) Changed(personID int64) bool { return tx.bumped[personID] }
