package export

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"slices"
	"time"

	"github.com/assetbot/assetbot/internal/flow"
	"github.com/assetbot/assetbot/internal/store"
)

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

// jsonAsset is one asset in the JSON export. AddedBy is omitted unless
// the person who added it consented.
type jsonAsset struct {
	ID          int64          `json:"id"`
	UID         string         `json:"uid"`
	Kind        string         `json:"kind"`
	Name        string         `json:"name"`
	Area        string         `json:"area"`
	Location    *flow.Location `json:"location,omitempty"`
	AddedBy     int64          `json:"added_by,omitempty"`
	CreatedAt   time.Time      `json:"created_at"`
	UpdatedAt   time.Time      `json:"updated_at"`
	ConfirmedAt time.Time      `json:"confirmed_at"`
	StaleSince  time.Time      `json:"stale_since,omitzero"`
	FlowVersion int            `json:"flow_version"`
	Fields      []jsonField    `json:"fields"`
}

// jsonField is one of an asset's answers.
type jsonField struct {
	Key      string     `json:"key"`
	Question string     `json:"question,omitempty"`
	Value    flow.Value `json:"value"`
	Text     string     `json:"text"`
}

// jsonLink is one link in the JSON export. RecordedBy is omitted unless
// the person who recorded it consented.
type jsonLink struct {
	ID         int64     `json:"id"`
	Type       string    `json:"type"`
	From       jsonEnd   `json:"from"`
	To         jsonEnd   `json:"to"`
	RecordedBy int64     `json:"recorded_by,omitempty"`
	CreatedAt  time.Time `json:"created_at"`
}

// jsonEnd is a link's end: {"person": id} or {"asset": id}.
type jsonEnd struct {
	Person int64 `json:"person,omitempty"`
	Asset  int64 `json:"asset,omitempty"`
}

// The layout of the JSON export: what json.Encoder with SetIndent("",
// indent) would write for the whole document, written a piece at a time.
const (
	indent     = "  "
	listIndent = indent + indent // an element of a top-level list
)

// document writes the JSON export's outer object by hand and each element
// of its lists with json.Encoder, so no list is ever held whole.
type document struct {
	w     *bufio.Writer
	buf   bytes.Buffer  // one element, encoded
	enc   *json.Encoder // encodes into buf
	err   error         // the first write error; later writes do nothing
	n     int           // fields written so far
	items int           // elements in the open list
}

func newDocument(w io.Writer) *document {
	d := &document{w: bufio.NewWriter(w)}
	d.enc = json.NewEncoder(&d.buf)
	d.enc.SetIndent(listIndent, indent)
	return d
}

func (d *document) write(s string) {
	if d.err == nil {
		_, d.err = d.w.WriteString(s)
	}
}

// key starts the next field of the outer object.
func (d *document) key(name string) {
	if d.n == 0 {
		d.write("{\n" + indent)
	} else {
		d.write(",\n" + indent)
	}
	d.n++
	d.write(`"` + name + `": `)
}

// field writes a field whose value fits on one line.
func (d *document) field(name string, v any) {
	d.key(name)
	b, err := json.Marshal(v)
	if err != nil && d.err == nil {
		d.err = err
	}
	d.write(string(b))
}

// list starts a list field; item adds its elements, end closes it.
func (d *document) list(name string) {
	d.key(name)
	d.write("[")
	d.items = 0
}

func (d *document) item(v any) error {
	d.buf.Reset()
	if err := d.enc.Encode(v); err != nil {
		return fmt.Errorf("write json: %w", err)
	}
	if d.items > 0 {
		d.write(",")
	}
	d.items++
	d.write("\n" + listIndent)
	// Encode ends each value with a newline the layout puts elsewhere.
	d.write(string(bytes.TrimSuffix(d.buf.Bytes(), []byte("\n"))))
	if d.err != nil {
		return fmt.Errorf("write json: %w", d.err)
	}
	return nil
}

func (d *document) end() {
	if d.items > 0 {
		d.write("\n" + indent)
	}
	d.write("]")
}

// close ends the outer object and flushes what is buffered.
func (d *document) close() error {
	d.write("\n}\n")
	if d.err == nil {
		d.err = d.w.Flush()
	}
	if d.err != nil {
		return fmt.Errorf("write json: %w", d.err)
	}
	return nil
}

// JSON writes the whole map: the people flow, the people who consented
// with every answer (stable key, raw value, readable text, flow version
// and times), the assets of every kind with their fields, and the links.
func (e *Exporter) JSON(ctx context.Context, w io.Writer) (Counts, error) {
	var c Counts
	d := newDocument(w)
	d.field("flow", e.people.ID)
	d.field("flow_version", e.people.Version)

	d.list("people")
	err := e.st.ConsentedEach(ctx, e.people.ID, e.purpose, func(r store.Record) error {
		c.People++
		return d.item(e.person(r))
	})
	if err != nil {
		return c, err
	}
	d.end()

	d.list("assets")
	err = e.st.ConsentedAssets(ctx, "", e.purpose, func(a store.Asset) error {
		c.Assets++
		return d.item(e.asset(a))
	})
	if err != nil {
		return c, err
	}
	d.end()

	d.list("links")
	err = e.st.ConsentedLinks(ctx, e.purpose, func(l store.NamedLink) error {
		c.Links++
		return d.item(jsonLink{ID: l.ID, Type: l.Type, From: jsonEnd(l.From), To: jsonEnd(l.To), RecordedBy: l.RecordedBy, CreatedAt: l.CreatedAt})
	})
	if err != nil {
		return c, err
	}
	d.end()
	return c, d.close()
}

// person is a record as the JSON export shows it.
func (e *Exporter) person(r store.Record) jsonPerson {
	f := e.people
	p := jsonPerson{ID: r.Person.ID, Channel: r.Person.Channel, FirstName: r.Person.FirstName, Language: r.Person.Language,
		JoinedAt: r.Person.CreatedAt, ConsentedAt: r.ConsentAt, EntryConfirmedAt: r.Freshness.ConfirmedAt, StaleSince: r.Freshness.StaleAt,
		Answers: make([]jsonAnswer, 0, len(r.Answers))}
	for _, a := range r.Answers {
		p.Answers = append(p.Answers, jsonAnswer{Key: a.Key, Step: a.Step, Question: question(f, a.Key), Value: a.Value,
			Text: e.readable(f, a.Key, a.Value, ", "), FlowVersion: a.FlowVersion, AnsweredAt: a.CreatedAt, ChangedAt: a.UpdatedAt, ConfirmedAt: a.ConfirmedAt})
	}
	return p
}

// asset is an asset as the JSON export shows it: its fields in the order
// of its kind's flow, then any the flow no longer asks, by key.
func (e *Exporter) asset(a store.Asset) jsonAsset {
	f := e.flows[a.Kind] // nil when its flow is no longer in use
	out := jsonAsset{ID: a.ID, UID: a.UID, Kind: a.Kind, Name: a.Name, Area: a.Area, Location: a.Point, AddedBy: a.AddedBy,
		CreatedAt: a.CreatedAt, UpdatedAt: a.UpdatedAt, ConfirmedAt: a.ConfirmedAt, StaleSince: a.StaleAt, FlowVersion: a.FlowVersion,
		Fields: make([]jsonField, 0, len(a.Fields))}
	for _, k := range withExtra(flowKeys(f), slices.Sorted(maps.Keys(a.Fields))) {
		v, ok := a.Fields[k]
		if !ok {
			continue
		}
		out.Fields = append(out.Fields, jsonField{Key: k, Question: question(f, k), Value: v, Text: e.readable(f, k, v, ", ")})
	}
	return out
}
