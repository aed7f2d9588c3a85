package store

import (
	"bytes"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"
	"unicode/utf8"

	"github.com/assetbot/assetbot/internal/flow"
)

// StoredAnswer is a person's latest answer to one question.
type StoredAnswer struct {
	Flow        string
	Key         string
	Step        string
	Value       flow.Value
	FlowVersion int
	CreatedAt   time.Time
	UpdatedAt   time.Time // when the value last changed
	ConfirmedAt time.Time // when the person last gave or confirmed it
}

// AnswerChange is what SaveAnswer did.
type AnswerChange int

// The results of SaveAnswer.
const (
	AnswerNew       AnswerChange = iota // first answer to this question
	AnswerChanged                       // a different value; the old one went to history
	AnswerConfirmed                     // the same value again; only confirmed_at moved
)

// SaveAnswer records a person's answer under its stable key. A changed
// value keeps the old one in answer_history; the same value again only
// marks the answer confirmed now.
func (tx *Tx) SaveAnswer(personID int64, flowID string, a flow.Answer) (AnswerChange, error) {
	value, err := json.Marshal(a.Value)
	if err != nil {
		return 0, fmt.Errorf("encode answer %s of %d: %w", a.Key, personID, err)
	}
	now := formatTime(tx.now)
	var id int64
	var old []byte
	var oldVersion int
	var oldUpdated string
	var withdrawn sql.NullString
	err = tx.queryRow(`SELECT id, value, flow_version, updated_at, withdrawn_at FROM answers WHERE person_id = ? AND flow = ? AND key = ?`,
		personID, flowID, a.Key).Scan(&id, &old, &oldVersion, &oldUpdated, &withdrawn)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		_, err = tx.exec(`INSERT INTO answers (person_id, flow, key, step, value, flow_version, created_at, updated_at, confirmed_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, personID, flowID, a.Key, a.Step, value, a.Version, now, now, now)
		if err != nil {
			return 0, fmt.Errorf("insert answer %s of %d: %w", a.Key, personID, err)
		}
		return AnswerNew, tx.bump(personID)
	case err != nil:
		return 0, fmt.Errorf("read answer %s of %d: %w", a.Key, personID, err)
	case withdrawn.Valid:
		// Its old value went to history when it was withdrawn.
		if _, err := tx.exec(`UPDATE answers SET value = ?, step = ?, flow_version = ?, updated_at = ?, confirmed_at = ?, withdrawn_at = NULL WHERE id = ?`,
			value, a.Step, a.Version, now, now, id); err != nil {
			return 0, fmt.Errorf("answer again %s of %d: %w", a.Key, personID, err)
		}
		return AnswerChanged, tx.bump(personID)
	case bytes.Equal(old, value):
		if _, err := tx.exec(`UPDATE answers SET confirmed_at = ?, step = ?, flow_version = ? WHERE id = ?`, now, a.Step, a.Version, id); err != nil {
			return 0, fmt.Errorf("confirm answer %s of %d: %w", a.Key, personID, err)
		}
		return AnswerConfirmed, nil
	}
	if err := tx.keepHistory(id, old, oldVersion, oldUpdated, now); err != nil {
		return 0, fmt.Errorf("keep history of answer %s of %d: %w", a.Key, personID, err)
	}
	if _, err := tx.exec(`UPDATE answers SET value = ?, step = ?, flow_version = ?, updated_at = ?, confirmed_at = ? WHERE id = ?`,
		value, a.Step, a.Version, now, now, id); err != nil {
		return 0, fmt.Errorf("update answer %s of %d: %w", a.Key, personID, err)
	}
	return AnswerChanged, tx.bump(personID)
}

// keepHistory records an answer's value as held from validFrom until now.
func (tx *Tx) keepHistory(answerID int64, value []byte, version int, validFrom, now string) error {
	_, err := tx.exec(`INSERT INTO answer_history (answer_id, value, flow_version, valid_from, replaced_at) VALUES (?, ?, ?, ?, ?)`,
		answerID, value, version, validFrom, now)
	return err
}

// WithdrawAnswer takes an answer out of the person's current answers, as
// when its question no longer applies: the value moves to answer_history
// and answering again restores the answer. It reports whether there was a
// current answer to withdraw.
func (tx *Tx) WithdrawAnswer(personID int64, flowID, key string) (bool, error) {
	var id int64
	var value []byte
	var version int
	var updated string
	err := tx.queryRow(`SELECT id, value, flow_version, updated_at FROM answers WHERE person_id = ? AND flow = ? AND key = ? AND withdrawn_at IS NULL`,
		personID, flowID, key).Scan(&id, &value, &version, &updated)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return false, nil
	case err != nil:
		return false, fmt.Errorf("read answer %s of %d: %w", key, personID, err)
	}
	now := formatTime(tx.now)
	if err := tx.keepHistory(id, value, version, updated, now); err != nil {
		return false, fmt.Errorf("keep history of answer %s of %d: %w", key, personID, err)
	}
	if _, err := tx.exec(`UPDATE answers SET withdrawn_at = ?, updated_at = ? WHERE id = ?`, now, now, id); err != nil {
		return false, fmt.Errorf("withdraw answer %s of %d: %w", key, personID, err)
	}
	return true, tx.bump(personID)
}

// ConfirmAnswers marks every answer the person gave in a flow as still
// true now, and returns how many there are.
func (tx *Tx) ConfirmAnswers(personID int64, flowID string) (int64, error) {
	res, err := tx.exec(`UPDATE answers SET confirmed_at = ? WHERE person_id = ? AND flow = ? AND withdrawn_at IS NULL`, formatTime(tx.now), personID, flowID)
	if err != nil {
		return 0, fmt.Errorf("confirm answers of %d: %w", personID, err)
	}
	return res.RowsAffected()
}

const answerColumns = `flow, key, step, value, flow_version, created_at, updated_at, confirmed_at`

// scanAnswer reads one answer row; lead receives columns selected before
// answerColumns.
func scanAnswer(row interface{ Scan(...any) error }, lead ...any) (StoredAnswer, error) {
	var a StoredAnswer
	var value string
	dest := append(lead, &a.Flow, &a.Key, &a.Step, &value, &a.FlowVersion,
		(*sqlTime)(&a.CreatedAt), (*sqlTime)(&a.UpdatedAt), (*sqlTime)(&a.ConfirmedAt))
	if err := row.Scan(dest...); err != nil {
		return a, err
	}
	var err error
	if a.Value, err = decodeValue(value); err != nil {
		return a, fmt.Errorf("decode answer %s: %w", a.Key, err)
	}
	return a, nil
}

// decodeValue decodes a stored answer value. Nearly every stored value is
// what json.Marshal writes for a text, a choice or a list of choices: an
// object of plain strings or a list of them. Those are read by hand,
// several times faster than encoding/json (which counts in an export of
// millions of answers); anything else is left to encoding/json.
func decodeValue(data string) (flow.Value, error) {
	var v flow.Value
	if decodePlain(data, &v) {
		return v, nil
	}
	var decoded flow.Value
	err := json.Unmarshal([]byte(data), &decoded)
	return decoded, err
}

// decodePlain decodes s into v if it is an object, written without
// spaces, of at most one each of "text", "choice" and "other" holding a
// plain string and "choices" holding a list of them. A plain string has no
// escape, no control character and only valid UTF-8, so it reads as
// encoding/json would read it. decodePlain reports whether s was such an
// object; if not, v may hold part of it.
func decodePlain(s string, v *flow.Value) bool {
	if s == "{}" {
		return true
	}
	if len(s) < 2 || s[0] != '{' || s[len(s)-1] != '}' {
		return false
	}
	var seen struct{ text, choice, other, choices bool }
	i := 1 // where the next member starts
	for {
		name, next, ok := plainString(s, i)
		if !ok || next >= len(s) || s[next] != ':' {
			return false
		}
		i = next + 1
		var into *string // where a string member goes
		var once *bool
		switch name {
		case "text":
			into, once = &v.Text, &seen.text
		case "choice":
			into, once = &v.Choice, &seen.choice
		case "other":
			into, once = &v.Other, &seen.other
		case "choices":
			once = &seen.choices
		default:
			return false
		}
		if *once {
			return false
		}
		*once = true
		if into != nil {
			*into, i, ok = plainString(s, i)
		} else {
			v.Choices, i, ok = plainList(s, i)
		}
		if !ok || i >= len(s) {
			return false
		}
		if i == len(s)-1 {
			return true
		}
		if s[i] != ',' {
			return false
		}
		i++
	}
}

// plainList reads the list of plain strings (see decodePlain) that opens
// at s[i], and returns it (empty, not nil, if it has none, as
// encoding/json reads it) and the index after it.
func plainList(s string, i int) ([]string, int, bool) {
	if i+1 >= len(s) || s[i] != '[' {
		return nil, i, false
	}
	list := []string{}
	if s[i+1] == ']' {
		return list, i + 2, true
	}
	for i++; ; i++ {
		item, next, ok := plainString(s, i)
		if !ok || next >= len(s) {
			return nil, next, false
		}
		list = append(list, item)
		switch s[next] {
		case ']':
			return list, next + 1, true
		case ',':
			i = next
		default:
			return nil, next, false
		}
	}
}

// plainString reads the plain string (see decodePlain) whose opening
// quote is at s[i], and returns it and the index after its closing quote.
func plainString(s string, i int) (string, int, bool) {
	if i >= len(s) || s[i] != '"' {
		return "", i, false
	}
	for j := i + 1; j < len(s); j++ {
		switch c := s[j]; {
		case c == '"':
			text := s[i+1 : j]
			return text, j + 1, utf8.ValidString(text)
		case c == '\\' || c < 0x20:
			return "", j, false
		}
	}
	return "", len(s), false
}

// Answers returns the person's current answers in a flow, by key.
func (tx *Tx) Answers(personID int64, flowID string) (map[string]StoredAnswer, error) {
	rows, err := tx.query(`SELECT `+answerColumns+` FROM answers WHERE person_id = ? AND flow = ? AND withdrawn_at IS NULL ORDER BY id`, personID, flowID)
	if err != nil {
		return nil, fmt.Errorf("read answers of %d: %w", personID, err)
	}
	defer rows.Close()
	m := map[string]StoredAnswer{}
	for rows.Next() {
		a, err := scanAnswer(rows)
		if err != nil {
			return nil, fmt.Errorf("read answers of %d: %w", personID, err)
		}
		m[a.Key] = a
	}
	return m, rows.Err()
}

// DeleteAnswers erases every answer the person gave, with its history, and
// their conversation. It returns how many answers went.
func (tx *Tx) DeleteAnswers(personID int64) (int64, error) {
	res, err := tx.exec(`DELETE FROM answers WHERE person_id = ?`, personID)
	if err != nil {
		return 0, fmt.Errorf("delete answers of %d: %w", personID, err)
	}
	n, _ := res.RowsAffected()
	// Nothing is left to confirm or remind them of.
	if _, err := tx.exec(`UPDATE people SET confirmed_at = NULL, stale_at = NULL WHERE id = ?`, personID); err != nil {
		return n, fmt.Errorf("forget confirmation of %d: %w", personID, err)
	}
	if _, err := tx.exec(`DELETE FROM links WHERE from_person = ?1 OR to_person = ?1`, personID); err != nil {
		return n, fmt.Errorf("delete links of %d: %w", personID, err)
	}
	if _, err := tx.exec(`UPDATE reminders SET outcome = 'answers deleted' WHERE person_id = ? AND outcome = ''`, personID); err != nil {
		return n, fmt.Errorf("cancel reminders of %d: %w", personID, err)
	}
	if err := tx.bump(personID); err != nil {
		return n, err
	}
	return n, tx.DeleteConversation(personID)
}

// HistoryEntry is an earlier value of an answer.
type HistoryEntry struct {
	Value       flow.Value
	FlowVersion int
	ValidFrom   time.Time
	ReplacedAt  time.Time
}

// AnswerHistory returns the earlier values of one answer, oldest first.
func (tx *Tx) AnswerHistory(personID int64, flowID, key string) ([]HistoryEntry, error) {
	rows, err := tx.query(`SELECT h.value, h.flow_version, h.valid_from, h.replaced_at FROM answer_history h
		JOIN answers a ON a.id = h.answer_id WHERE a.person_id = ? AND a.flow = ? AND a.key = ? ORDER BY h.id`, personID, flowID, key)
	if err != nil {
		return nil, fmt.Errorf("read history of %s of %d: %w", key, personID, err)
	}
	defer rows.Close()
	var out []HistoryEntry
	for rows.Next() {
		var h HistoryEntry
		var value []byte
		if err := rows.Scan(&value, &h.FlowVersion, (*sqlTime)(&h.ValidFrom), (*sqlTime)(&h.ReplacedAt)); err != nil {
			return nil, fmt.Errorf("read history of %s of %d: %w", key, personID, err)
		}
		if err := json.Unmarshal(value, &h.Value); err != nil {
			return nil, fmt.Errorf("decode history of %s of %d: %w", key, personID, err)
		}
		out = append(out, h)
	}
	return out, rows.Err()
}

// MarkEvent records that the inbound event (source, id) is being applied.
// It returns false if it was applied before: the caller must then change
// nothing.
func (tx *Tx) MarkEvent(source, id string) (bool, error) {
	res, err := tx.exec(`INSERT INTO processed_events (source, event_id, at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING`,
		source, id, formatTime(tx.now))
	if err != nil {
		return false, fmt.Errorf("mark event %s/%s: %w", source, id, err)
	}
	n, err := res.RowsAffected()
	return n == 1, err
}
