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
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/assetbot/assetbot/internal/flow"
	"github.com/assetbot/assetbot/internal/store"
)

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
	// Encode ends each value with a newline the layout puts elsewhere.
	return d.element(bytes.TrimSuffix(d.buf.Bytes(), []byte("\n")))
}

// element adds an element, already encoded, to the open list.
func (d *document) element(b []byte) error {
	if d.items > 0 {
		d.write(",")
	}
	d.items++
	d.write("\n" + listIndent)
	if d.err == nil {
		_, d.err = d.w.Write(b)
	}
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
	o := jsonOut{prefix: listIndent}
	err := e.st.ConsentedEach(ctx, e.people.ID, e.purpose, func(r store.Record) error {
		c.People++
		o.b = o.b[:0]
		if err := e.person(&o, r); err != nil {
			return err
		}
		return d.element(o.b)
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

// person writes a record as the JSON export shows it: an object of "id",
// "channel", "first_name", "language", "joined_at", "consented_at",
// "entry_confirmed_at" and "stale_since" (each only if there is one), and
// "answers", a list of objects of "key", "step", "question" (if the flow
// asks it), "value", "text" (readable), "flow_version", "answered_at",
// "changed_at" and "confirmed_at".
func (e *Exporter) person(o *jsonOut, r store.Record) error {
	f := e.people
	o.open('{')
	o.key("id")
	o.int(r.Person.ID)
	o.key("channel")
	o.str(r.Person.Channel)
	o.key("first_name")
	o.str(r.Person.FirstName)
	o.key("language")
	o.str(r.Person.Language)
	o.key("joined_at")
	o.time(r.Person.CreatedAt)
	o.key("consented_at")
	o.time(r.ConsentAt)
	if t := r.Freshness.ConfirmedAt; !t.IsZero() {
		o.key("entry_confirmed_at")
		o.time(t)
	}
	if t := r.Freshness.StaleAt; !t.IsZero() {
		o.key("stale_since")
		o.time(t)
	}
	o.key("answers")
	o.open('[')
	for _, a := range r.Answers {
		o.next()
		o.open('{')
		o.key("key")
		o.str(a.Key)
		o.key("step")
		o.str(a.Step)
		if q, ok := e.asked[a.Key]; ok {
			o.key("question")
			o.b = append(o.b, q...)
		}
		o.key("value")
		if err := o.value(a.Value); err != nil {
			return fmt.Errorf("write json: answer %s of %d: %w", a.Key, r.Person.ID, err)
		}
		o.key("text")
		o.str(e.readable(f, a.Key, a.Value, ", "))
		o.key("flow_version")
		o.int(int64(a.FlowVersion))
		o.key("answered_at")
		o.time(a.CreatedAt)
		o.key("changed_at")
		o.time(a.UpdatedAt)
		o.key("confirmed_at")
		o.time(a.ConfirmedAt)
		o.close('}')
	}
	o.close(']')
	o.close('}')
	return nil
}

// jsonOut appends JSON laid out as json.Encoder with SetIndent(prefix,
// indent) lays it out, for the people, who are most of the JSON export:
// written by hand they take a tenth of the time that reflection and a
// second pass to indent take.
type jsonOut struct {
	b      []byte
	prefix string // what each line but the first starts with
	depth  int    // objects and lists open
	empty  bool   // whether the one opened last has nothing in it yet
	// lines is a line end, the prefix and indents for at least depth
	// levels: each new line is a slice of it.
	lines string
	// lastTime is the time written last, and lastText how: an answer's
	// three times are mostly one.
	lastTime time.Time
	lastText []byte
}

// linesAhead is how many levels deeper than the current one lines is made
// for, so that it is made a few times an export, not once a level.
const linesAhead = 8

func (o *jsonOut) newline() {
	n := 1 + len(o.prefix) + o.depth*len(indent)
	if len(o.lines) < n {
		o.lines = "\n" + o.prefix + strings.Repeat(indent, o.depth+linesAhead)
	}
	o.b = append(o.b, o.lines[:n]...)
}

// open opens an object ('{') or a list ('['); close closes it (with '}'
// or ']'), on a line of its own unless it is empty.
func (o *jsonOut) open(c byte) {
	o.b = append(o.b, c)
	o.depth++
	o.empty = true
}

func (o *jsonOut) close(c byte) {
	o.depth--
	if !o.empty {
		o.newline()
	}
	o.b = append(o.b, c)
	o.empty = false
}

// next starts the next element of the open list or object.
func (o *jsonOut) next() {
	if !o.empty {
		o.b = append(o.b, ',')
	}
	o.empty = false
	o.newline()
}

// key starts the member name of the open object; name needs no escape.
func (o *jsonOut) key(name string) {
	o.next()
	o.b = append(o.b, '"')
	o.b = append(o.b, name...)
	o.b = append(o.b, `": `...)
}

func (o *jsonOut) int(n int64) { o.b = strconv.AppendInt(o.b, n, 10) }

// time writes t as time.Time's MarshalJSON does, for the years it accepts
// (0 to 9999: the store's times have four digits).
func (o *jsonOut) time(t time.Time) {
	// == rather than Equal: a time in another zone is written otherwise.
	if t != o.lastTime || o.lastText == nil {
		o.lastText = append(o.lastText[:0], '"')
		o.lastText = appendTime(o.lastText, t)
		o.lastText = append(o.lastText, '"')
		o.lastTime = t
	}
	o.b = append(o.b, o.lastText...)
}

// appendTime appends t as t.AppendFormat(b, time.RFC3339Nano) does. It
// writes UTC times of four-digit years, all the store's, by hand, without
// the general layout's parsing: an export writes millions.
func appendTime(b []byte, t time.Time) []byte {
	year, month, day := t.Date()
	if t.Location() != time.UTC || year < 0 || year > 9999 {
		return t.AppendFormat(b, time.RFC3339Nano)
	}
	hour, minute, sec := t.Clock()
	b = appendDigits(b, year, 4)
	b = append(b, '-')
	b = appendDigits(b, int(month), 2)
	b = append(b, '-')
	b = appendDigits(b, day, 2)
	b = append(b, 'T')
	b = appendDigits(b, hour, 2)
	b = append(b, ':')
	b = appendDigits(b, minute, 2)
	b = append(b, ':')
	b = appendDigits(b, sec, 2)
	if ns := t.Nanosecond(); ns != 0 {
		// The fraction without the zeros it ends with.
		width := 9
		for ns%10 == 0 {
			ns /= 10
			width--
		}
		b = append(b, '.')
		b = appendDigits(b, ns, width)
	}
	return append(b, 'Z')
}

// appendDigits appends n (not negative) in width digits, with leading
// zeros; n has no more digits than that.
func appendDigits(b []byte, n, width int) []byte {
	for range width {
		b = append(b, '0')
	}
	for i := len(b) - 1; n > 0; i-- {
		b[i] = byte('0' + n%10)
		n /= 10
	}
	return b
}

// str writes s as encoding/json does: with <, > and & escaped, and
// invalid UTF-8 as U+FFFD. A string with nothing to escape, nearly every
// one, is copied as it is; any other is left to encoding/json.
func (o *jsonOut) str(s string) {
	if plainJSON(s) {
		o.b = append(o.b, '"')
		o.b = append(o.b, s...)
		o.b = append(o.b, '"')
		return
	}
	b, _ := json.Marshal(s) // a string always encodes
	o.b = append(o.b, b...)
}

// plainJSON reports whether encoding/json writes s as it is, in quotes.
func plainJSON(s string) bool {
	ascii := true
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < utf8.RuneSelf {
			if escapedASCII[c] {
				return false
			}
			continue
		}
		ascii = false
		if c == 0xE2 && i+2 < len(s) && s[i+1] == 0x80 && (s[i+2] == 0xA8 || s[i+2] == 0xA9) {
			return false // U+2028 and U+2029, which encoding/json escapes
		}
	}
	return ascii || utf8.ValidString(s)
}

// escapedASCII are the ASCII characters encoding/json escapes in a string.
var escapedASCII = func() (t [utf8.RuneSelf]bool) {
	for c := range t {
		t[c] = c < ' ' || strings.IndexByte(`"\<>&`, byte(c)) >= 0
	}
	return t
}()

// value writes an answer's value. A text, a choice or choices, and
// "something else", nearly every value, are written by hand; any other is
// left to encoding/json.
func (o *jsonOut) value(v flow.Value) error {
	if v.Number != nil || v.Bool != nil || v.Location != nil || v.Skipped || v.Asset != 0 || v.New {
		b, err := json.Marshal(v)
		if err != nil {
			return err
		}
		var buf bytes.Buffer
		if err := json.Indent(&buf, b, o.prefix+strings.Repeat(indent, o.depth), indent); err != nil {
			return err
		}
		o.b = append(o.b, buf.Bytes()...)
		return nil
	}
	// The fields in the order of flow.Value's, each left out when empty.
	o.open('{')
	if v.Text != "" {
		o.key("text")
		o.str(v.Text)
	}
	if v.Choice != "" {
		o.key("choice")
		o.str(v.Choice)
	}
	if len(v.Choices) > 0 {
		o.key("choices")
		o.open('[')
		for _, c := range v.Choices {
			o.next()
			o.str(c)
		}
		o.close(']')
	}
	if v.Other != "" {
		o.key("other")
		o.str(v.Other)
	}
	o.close('}')
	return nil
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
