// Package export writes the map for organisers: people and their latest
// answers, the assets of every kind, and the links between them. CSV is
// one table (people, the assets of one kind, or the links) for
// spreadsheets; JSON holds the whole map. Exports stream: they write each
// row as they read it, so memory stays the same with 100,000 people.
//
// Only people whose latest decision on the people flow's consent purpose
// is consent ever appear: in the people, as who added an asset or recorded
// a link, or at either end of a link.
package export

import (
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/assetbot/assetbot/internal/flow"
	"github.com/assetbot/assetbot/internal/store"
)

// lang is the language of the questions and readable answers exported.
const lang = "en"

// Exporter writes exports of the map a store holds.
type Exporter struct {
	st      *store.Store
	flows   map[string]*flow.Flow
	people  *flow.Flow
	purpose string
	// asked is the question of the people flow that asks each key, as a
	// JSON string, for the keys it has a question for: the JSON export
	// writes one for each of millions of answers.
	asked map[string]string
}

// New returns an Exporter of st. people is the flow people answer (the
// resident flow): its required consent (the map) decides who may appear. flows
// are every flow in use, which give the assets' fields their questions.
func New(st *store.Store, flows map[string]*flow.Flow, people *flow.Flow) (*Exporter, error) {
	purpose := people.RequiredConsent()
	if purpose == "" {
		return nil, fmt.Errorf("flow %q asks no consent, so nobody's answers in it may be exported", people.ID)
	}
	asked := map[string]string{}
	for _, q := range people.Questions() {
		if _, ok := asked[q.Key]; !ok {
			if text := question(people, q.Key); text != "" {
				var o jsonOut
				o.str(text)
				asked[q.Key] = string(o.b)
			}
		}
	}
	return &Exporter{st: st, flows: flows, people: people, purpose: purpose, asked: asked}, nil
}

// Counts says how many of each thing an export wrote.
type Counts struct {
	People, Assets, Links int
}

// flowKeys are the answer keys a flow (nil for none) asks for, in flow
// order, without its consent step, nor (for an asset flow) the answers
// about the person answering that make their links rather than the
// asset's fields.
func flowKeys(f *flow.Flow) []string {
	if f == nil {
		return nil
	}
	var keys []string
	personal := f.LinkKeys()
	for _, q := range f.Questions() {
		if q.Consent == "" && !slices.Contains(keys, q.Key) && !slices.Contains(personal, q.Key) {
			keys = append(keys, q.Key)
		}
	}
	return keys
}

// withExtra returns keys followed by those of extra it lacks: the
// answers a flow no longer asks for are kept, not lost.
func withExtra(keys, extra []string) []string {
	for _, k := range extra {
		if !slices.Contains(keys, k) {
			keys = append(keys, k)
		}
	}
	return keys
}

// readable renders an answer to key in flow f as text; sep separates
// several choices. f is nil for an asset kind whose flow is no longer in
// use: its answers are shown in the people flow's words for "yes" and
// "skipped", options by their ids.
func (e *Exporter) readable(f *flow.Flow, key string, v flow.Value, sep string) string {
	var step *flow.Step
	if f != nil {
		step = f.StepByKey(key)
	} else {
		f = e.people
	}
	return flow.DisplayJoined(f, step, v, lang, sep)
}

// question is the text of the question of flow f (nil for none) that
// asks key; "" if none does.
func question(f *flow.Flow, key string) string {
	if f == nil {
		return ""
	}
	if s := f.StepByKey(key); s != nil {
		return s.Text.In(lang)
	}
	return ""
}

// utf8BOM makes Excel read a CSV file as UTF-8.
const utf8BOM = "\uFEFF"

// cellSep separates several choices in a spreadsheet cell.
const cellSep = "; "

// writeCSV writes a table for spreadsheets (UTF-8 with a byte order mark,
// CRLF line ends): the header, then each row that rows passes to write.
func writeCSV(w io.Writer, header []string, rows func(write func([]string) error) error) error {
	t, err := newTable(w, utf8BOM, header)
	if err != nil {
		return err
	}
	if err := rows(t.write); err != nil {
		return err
	}
	return t.flush()
}

// table is a CSV table being written, for exports that fill several at
// once.
type table struct{ cw *csv.Writer }

// newTable starts a table on w with CRLF line ends: prefix (a byte order
// mark for spreadsheets, or "") then the header.
func newTable(w io.Writer, prefix string, header []string) (*table, error) {
	if _, err := io.WriteString(w, prefix); err != nil {
		return nil, fmt.Errorf("write csv: %w", err)
	}
	t := &table{cw: csv.NewWriter(w)}
	t.cw.UseCRLF = true
	return t, t.write(header)
}

func (t *table) write(row []string) error {
	if err := t.cw.Write(row); err != nil {
		return fmt.Errorf("write csv: %w", err)
	}
	return nil
}

// flush writes out what the table buffers.
func (t *table) flush() error {
	t.cw.Flush()
	if err := t.cw.Error(); err != nil {
		return fmt.Errorf("write csv: %w", err)
	}
	return nil
}

// cell defuses text a spreadsheet would run as a formula.
func cell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

// stamp is a time in a CSV cell: empty for none.
func stamp(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

// id is a person or asset id in a CSV cell: empty for none.
func id(n int64) string {
	if n == 0 {
		return ""
	}
	return strconv.FormatInt(n, 10)
}

// PeopleCSV writes one row per person who consented: who they are, when
// they consented, and each answer in the people flow as readable text
// (several choices separated by "; "). It returns how many people it
// wrote.
func (e *Exporter) PeopleCSV(ctx context.Context, w io.Writer) (int, error) {
	f := e.people
	extra, err := e.st.ConsentedKeys(ctx, f.ID, e.purpose)
	if err != nil {
		return 0, err
	}
	keys := withExtra(flowKeys(f), extra)
	header := append([]string{"person_id", "first_name", "language", "joined_at", "consented_at", "last_confirmed_at", "stale_since"}, keys...)
	n := 0
	err = writeCSV(w, header, func(write func([]string) error) error {
		// byKey holds indexes in r.Answers, not answers: a map's values as
		// large as an answer are each allocated.
		byKey := map[string]int{}
		return e.st.ConsentedValues(ctx, f.ID, e.purpose, func(r store.Record) error {
			clear(byKey)
			var confirmed time.Time
			for i, a := range r.Answers {
				byKey[a.Key] = i
				if a.ConfirmedAt.After(confirmed) {
					confirmed = a.ConfirmedAt
				}
			}
			row := []string{
				strconv.FormatInt(r.Person.ID, 10), cell(r.Person.FirstName), cell(r.Person.Language),
				stamp(r.Person.CreatedAt), stamp(r.ConsentAt), stamp(confirmed), stamp(r.Freshness.StaleAt),
			}
			for _, k := range keys {
				i, ok := byKey[k]
				if !ok {
					row = append(row, "")
					continue
				}
				a := r.Answers[i]
				row = append(row, cell(e.readable(f, a.Key, a.Value, cellSep)))
			}
			n++
			return write(row)
		})
	})
	return n, err
}

// AssetsCSV writes one row per asset of kind (an asset flow) on the map:
// its ids, name, place and times, who added it (if they consented), then
// each of its other fields as readable text, in the kind's flow order. It
// returns how many assets it wrote.
func (e *Exporter) AssetsCSV(ctx context.Context, w io.Writer, kind *flow.Flow) (int, error) {
	if kind.Asset == nil {
		return 0, fmt.Errorf("flow %q records people, not assets", kind.ID)
	}
	extra, err := e.st.AssetKeys(ctx, kind.ID)
	if err != nil {
		return 0, err
	}
	// The answers that name and place the asset are its name, area,
	// latitude and longitude columns already.
	keys := slices.DeleteFunc(withExtra(flowKeys(kind), extra), func(k string) bool { return k == kind.Asset.Name || k == kind.Asset.Area })
	header := append([]string{"asset_id", "uid", "name", "area", "latitude", "longitude", "added_by", "created_at", "updated_at", "last_confirmed_at", "stale_since"}, keys...)
	n := 0
	err = writeCSV(w, header, func(write func([]string) error) error {
		return e.st.ConsentedAssets(ctx, kind.ID, e.purpose, func(a store.Asset) error {
			var lat, lon string
			if a.Point != nil {
				lat, lon = strconv.FormatFloat(a.Point.Lat, 'f', -1, 64), strconv.FormatFloat(a.Point.Lon, 'f', -1, 64)
			}
			row := []string{
				strconv.FormatInt(a.ID, 10), a.UID, cell(a.Name), cell(a.Area), lat, lon, id(a.AddedBy),
				stamp(a.CreatedAt), stamp(a.UpdatedAt), stamp(a.ConfirmedAt), stamp(a.StaleAt),
			}
			for _, k := range keys {
				v, ok := a.Fields[k]
				if !ok {
					row = append(row, "")
					continue
				}
				row = append(row, cell(e.readable(kind, k, v, cellSep)))
			}
			n++
			return write(row)
		})
	})
	return n, err
}

// endCells are a link end's type, id and name in the links CSV.
func endCells(e store.End, name string) []string {
	if e.Person != 0 {
		return []string{"person", id(e.Person), cell(name)}
	}
	return []string{"asset", id(e.Asset), cell(name)}
}

// LinksCSV writes one row per link: its type, its ends (a person's first
// name or an asset's name), who recorded it and when. Links with an end at
// a person who did not consent are left out. It returns how many links it
// wrote.
func (e *Exporter) LinksCSV(ctx context.Context, w io.Writer) (int, error) {
	header := []string{"link_id", "type", "from_type", "from_id", "from_name", "to_type", "to_id", "to_name", "recorded_by", "created_at"}
	n := 0
	err := writeCSV(w, header, func(write func([]string) error) error {
		return e.st.ConsentedLinks(ctx, e.purpose, func(l store.NamedLink) error {
			row := append([]string{strconv.FormatInt(l.ID, 10), l.Type}, endCells(l.From, l.FromName)...)
			row = append(row, endCells(l.To, l.ToName)...)
			row = append(row, id(l.RecordedBy), stamp(l.CreatedAt))
			n++
			return write(row)
		})
	})
	return n, err
}
