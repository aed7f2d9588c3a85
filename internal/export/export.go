// Package export writes the map's people and their latest answers for
// organisers: CSV (one row a person, for spreadsheets) and JSON (full
// records). Only people who consented are ever written.
package export

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/assetbot/assetbot/internal/flow"
	"github.com/assetbot/assetbot/internal/store"
)

// utf8BOM makes Excel read a CSV file as UTF-8.
const utf8BOM = "\uFEFF"

// columns returns the answer keys in flow order, then any keys found in
// the records that the current flow no longer asks (kept, not lost).
func columns(f *flow.Flow, records []store.Record) []string {
	var keys []string
	seen := map[string]bool{}
	for _, q := range f.Questions() {
		if q.Consent == "" && !seen[q.Key] {
			keys = append(keys, q.Key)
			seen[q.Key] = true
		}
	}
	for _, r := range records {
		for _, a := range r.Answers {
			if !seen[a.Key] {
				keys = append(keys, a.Key)
				seen[a.Key] = true
			}
		}
	}
	return keys
}

// CSV writes one row per person: who they are, when they consented, and
// each answer as readable text (several choices separated by "; ").
func CSV(w io.Writer, f *flow.Flow, records []store.Record) error {
	if _, err := io.WriteString(w, utf8BOM); err != nil {
		return fmt.Errorf("write csv: %w", err)
	}
	cw := csv.NewWriter(w)
	cw.UseCRLF = true
	keys := columns(f, records)
	header := append([]string{"person_id", "first_name", "language", "joined_at", "consented_at", "last_confirmed_at", "stale_since"}, keys...)
	if err := cw.Write(header); err != nil {
		return fmt.Errorf("write csv: %w", err)
	}
	for _, r := range records {
		byKey := map[string]store.StoredAnswer{}
		var confirmed time.Time
		for _, a := range r.Answers {
			byKey[a.Key] = a
			if a.ConfirmedAt.After(confirmed) {
				confirmed = a.ConfirmedAt
			}
		}
		row := []string{
			strconv.FormatInt(r.Person.ID, 10), cell(r.Person.FirstName), cell(r.Person.Language),
			stamp(r.Person.CreatedAt), stamp(r.ConsentAt), stamp(confirmed), stamp(r.Freshness.StaleAt),
		}
		for _, k := range keys {
			a, ok := byKey[k]
			if !ok {
				row = append(row, "")
				continue
			}
			row = append(row, cell(readable(f, a, "en", "; ")))
		}
		if err := cw.Write(row); err != nil {
			return fmt.Errorf("write csv: %w", err)
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("write csv: %w", err)
	}
	return nil
}

// readable renders an answer for a spreadsheet cell.
func readable(f *flow.Flow, a store.StoredAnswer, lang, sep string) string {
	text := flow.Display(f, f.StepByKey(a.Key), a.Value, lang)
	if len(a.Value.Choices) > 0 || a.Value.Other != "" {
		text = strings.Join(strings.Split(text, ", "), sep)
	}
	return text
}

// cell defuses text a spreadsheet would run as a formula.
func cell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

func stamp(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

// jsonPerson is one person in the JSON export.
type jsonPerson struct {
	ID          int64     `json:"id"`
	Channel     string    `json:"channel"`
	FirstName   string    `json:"first_name"`
	Language    string    `json:"language"`
	JoinedAt    time.Time `json:"joined_at"`
	ConsentedAt time.Time `json:"consented_at"`
	// EntryConfirmedAt is when the person last went through or confirmed
	// their whole entry; StaleSince when a refresh of it went unanswered.
	EntryConfirmedAt time.Time    `json:"entry_confirmed_at,omitzero"`
	StaleSince       time.Time    `json:"stale_since,omitzero"`
	Answers          []jsonAnswer `json:"answers"`
}

type jsonAnswer struct {
	Key         string     `json:"key"`
	Step        string     `json:"step"`
	Question    string     `json:"question,omitempty"`
	Value       flow.Value `json:"value"`
	Text        string     `json:"text"`
	FlowVersion int        `json:"flow_version"`
	AnsweredAt  time.Time  `json:"answered_at"`
	ChangedAt   time.Time  `json:"changed_at"`
	ConfirmedAt time.Time  `json:"confirmed_at"`
}

// JSON writes the full records: every answer with its stable key, raw
// value, readable text, flow version and times.
func JSON(w io.Writer, f *flow.Flow, records []store.Record) error {
	out := struct {
		Flow        string       `json:"flow"`
		FlowVersion int          `json:"flow_version"`
		People      []jsonPerson `json:"people"`
	}{Flow: f.ID, FlowVersion: f.Version, People: []jsonPerson{}}
	for _, r := range records {
		p := jsonPerson{ID: r.Person.ID, Channel: r.Person.Channel, FirstName: r.Person.FirstName, Language: r.Person.Language,
			JoinedAt: r.Person.CreatedAt, ConsentedAt: r.ConsentAt, EntryConfirmedAt: r.Freshness.ConfirmedAt, StaleSince: r.Freshness.StaleAt,
			Answers: []jsonAnswer{}}
		for _, a := range r.Answers {
			ja := jsonAnswer{Key: a.Key, Step: a.Step, Value: a.Value, Text: readable(f, a, "en", ", "), FlowVersion: a.FlowVersion,
				AnsweredAt: a.CreatedAt, ChangedAt: a.UpdatedAt, ConfirmedAt: a.ConfirmedAt}
			if s := f.StepByKey(a.Key); s != nil {
				ja.Question = s.Text.In("en")
			}
			p.Answers = append(p.Answers, ja)
		}
		out.People = append(out.People, p)
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(out); err != nil {
		return fmt.Errorf("write json: %w", err)
	}
	return nil
}
