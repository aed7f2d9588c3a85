package store

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// Record is a person with their consent and latest answers in one flow.
type Record struct {
	Person    Person
	ConsentAt time.Time
	Answers   []StoredAnswer
	// Freshness is when the whole entry was last confirmed, and when it
	// went stale.
	Freshness EntryFreshness
}

// Consented returns, in order of joining, the people whose latest decision
// on purpose is consent, each with their latest answers in flowID.
func (s *Store) Consented(ctx context.Context, flowID, purpose string) ([]Record, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+"p."+strings.ReplaceAll(personColumns, ", ", ", p.")+`, c.at, p.confirmed_at, p.stale_at FROM people p
		JOIN consents c ON c.id = (SELECT MAX(id) FROM consents WHERE person_id = p.id AND purpose = ?)
		WHERE c.granted = 1 ORDER BY p.id`, purpose)
	if err != nil {
		return nil, fmt.Errorf("read consented people: %w", err)
	}
	var records []Record
	index := map[int64]int{}
	for rows.Next() {
		var r Record
		p := &r.Person
		if err := rows.Scan(append(personFields(p), (*sqlTime)(&r.ConsentAt), (*nullTime)(&r.Freshness.ConfirmedAt), (*nullTime)(&r.Freshness.StaleAt))...); err != nil {
			rows.Close()
			return nil, fmt.Errorf("read consented people: %w", err)
		}
		index[p.ID] = len(records)
		records = append(records, r)
	}
	if err := rows.Err(); err != nil {
		rows.Close()
		return nil, fmt.Errorf("read consented people: %w", err)
	}
	rows.Close()
	arows, err := s.db.QueryContext(ctx, `SELECT person_id, `+answerColumns+` FROM answers WHERE flow = ? AND withdrawn_at IS NULL ORDER BY person_id, id`, flowID)
	if err != nil {
		return nil, fmt.Errorf("read answers: %w", err)
	}
	defer arows.Close()
	for arows.Next() {
		var personID int64
		a, err := scanAnswer(arows, &personID)
		if err != nil {
			return nil, fmt.Errorf("read answers: %w", err)
		}
		if j, ok := index[personID]; ok {
			records[j].Answers = append(records[j].Answers, a)
		}
	}
	if err := arows.Err(); err != nil {
		return nil, fmt.Errorf("read answers: %w", err)
	}
	return records, nil
}
