package export

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/assetbot/assetbot/flows"
	"github.com/assetbot/assetbot/internal/flow"
	"github.com/assetbot/assetbot/internal/store"
)

// The person as json.Encoder wrote it before person wrote it by hand:
// person must write the same bytes.
type (
	encodedPerson struct {
		ID               int64           `json:"id"`
		Channel          string          `json:"channel"`
		FirstName        string          `json:"first_name"`
		Language         string          `json:"language"`
		JoinedAt         time.Time       `json:"joined_at"`
		ConsentedAt      time.Time       `json:"consented_at"`
		EntryConfirmedAt time.Time       `json:"entry_confirmed_at,omitzero"`
		StaleSince       time.Time       `json:"stale_since,omitzero"`
		Answers          []encodedAnswer `json:"answers"`
	}
	encodedAnswer struct {
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
)

// encode is what json.Encoder writes for r's person, as a list element.
func (e *Exporter) encode(t *testing.T, r store.Record) string {
	t.Helper()
	p := encodedPerson{ID: r.Person.ID, Channel: r.Person.Channel, FirstName: r.Person.FirstName, Language: r.Person.Language,
		JoinedAt: r.Person.CreatedAt, ConsentedAt: r.ConsentAt, EntryConfirmedAt: r.Freshness.ConfirmedAt, StaleSince: r.Freshness.StaleAt,
		Answers: []encodedAnswer{}}
	for _, a := range r.Answers {
		p.Answers = append(p.Answers, encodedAnswer{Key: a.Key, Step: a.Step, Question: question(e.people, a.Key), Value: a.Value,
			Text: e.readable(e.people, a.Key, a.Value, ", "), FlowVersion: a.FlowVersion, AnsweredAt: a.CreatedAt, ChangedAt: a.UpdatedAt, ConfirmedAt: a.ConfirmedAt})
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent(listIndent, indent)
	if err := enc.Encode(p); err != nil {
		t.Fatal(err)
	}
	return strings.TrimSuffix(buf.String(), "\n")
}

// TestPersonAsEncoderWritesIt checks that person writes byte for byte what
// json.Encoder wrote: strings that need escaping, values of every field
// of flow.Value, times with and without fractions and in other zones, and
// no answers.
func TestPersonAsEncoderWritesIt(t *testing.T) {
	fl, problems := flow.LoadFS(flows.FS, ".")
	if problems != nil {
		t.Fatal(problems)
	}
	e, err := New(nil, fl, fl["resident"])
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 3, 14, 9, 30, 0, 0, time.UTC)
	tricky := []string{"", "plain", "café 😀", `"quoted" \ back`, "<b>&amp;</b>", "line\nbreak\ttab\r\x01", "sep\u2028arator\u2029", "bad \xff utf-8", "'=1+1"}
	var values []flow.Value
	for _, s := range tricky {
		values = append(values, flow.Value{Text: s}, flow.Value{Choice: s, Other: s}, flow.Value{Choices: []string{s, "diy"}})
	}
	// Each field of flow.Value set on its own: a field person does not
	// know of would be dropped, and fail here.
	vt := reflect.TypeFor[flow.Value]()
	for i := range vt.NumField() {
		var v flow.Value
		f := reflect.ValueOf(&v).Elem().Field(i)
		switch f.Kind() {
		case reflect.String:
			f.SetString("x")
		case reflect.Bool:
			f.SetBool(true)
		case reflect.Int64:
			f.SetInt(7)
		case reflect.Slice:
			f.Set(reflect.ValueOf([]string{"cooking"}))
		case reflect.Pointer:
			f.Set(reflect.New(f.Type().Elem()))
		default:
			t.Fatalf("flow.Value.%s is a %s: teach this test to set it", vt.Field(i).Name, f.Kind())
		}
		values = append(values, v)
	}
	values = append(values, flow.Value{}, flow.Value{Choices: []string{}})
	var answers []store.StoredAnswer
	o := jsonOut{prefix: listIndent}
	for i, v := range values {
		key := []string{"hands", "head", "area", "not_asked"}[i%4]
		answers = append(answers, store.StoredAnswer{Key: key, Step: key, Value: v, FlowVersion: i,
			CreatedAt: at.Add(time.Duration(i) * time.Millisecond), UpdatedAt: at, ConfirmedAt: at.Add(time.Hour)})
	}
	// Times written one after another that are one instant, in one zone
	// and in two.
	summer := time.FixedZone("BST", 3600)
	answers = append(answers,
		store.StoredAnswer{Key: "head", Step: "head", CreatedAt: at, UpdatedAt: at, ConfirmedAt: at.In(summer)},
		store.StoredAnswer{Key: "head", Step: "head", CreatedAt: at.In(summer), UpdatedAt: at, ConfirmedAt: at})
	for _, r := range []store.Record{
		{Person: store.Person{ID: 1, Channel: "telegram", FirstName: "Ada", Language: "en", CreatedAt: at}, ConsentAt: at, Answers: answers},
		{Person: store.Person{ID: 2, Channel: "terminal", FirstName: tricky[4], Language: "pt-BR", CreatedAt: at}, ConsentAt: at.Add(time.Second / 3),
			Freshness: store.EntryFreshness{ConfirmedAt: at, StaleAt: at.Add(time.Minute)}},
	} {
		// One jsonOut for everyone, as the export writes them.
		o.b = o.b[:0]
		if err := e.person(&o, r); err != nil {
			t.Fatal(err)
		}
		if got, want := string(o.b), e.encode(t, r); got != want {
			t.Errorf("person %d:\n%s\nwant, as json.Encoder writes it:\n%s", r.Person.ID, got, want)
		}
	}
}

// FuzzString checks that str writes a string as encoding/json does.
func FuzzString(f *testing.F) {
	for _, s := range []string{"", "plain", "café 😀", `"q" \ <b>&`, "\x01\n", "sep\u2028\u2029", "bad \xff", "\xe2\x80", "\xe2\x80\xa8"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		want, err := json.Marshal(s)
		if err != nil {
			t.Fatal(err)
		}
		var o jsonOut
		if o.str(s); string(o.b) != string(want) {
			t.Errorf("str(%q) = %s; encoding/json writes %s", s, o.b, want)
		}
	})
}

// FuzzTime checks that appendTime writes a time as time.RFC3339Nano does,
// in UTC and in other zones, from before year 0 to after 9999.
func FuzzTime(f *testing.F) {
	for _, at := range [][2]int64{{0, 0}, {0, 1}, {1_773_480_600, 0}, {1_773_480_600, 120_000_000}, {1_773_480_600, 999_999_999},
		{-62_167_219_200, 0}, {-62_167_219_201, 5}, {253_402_300_799, 100}, {253_402_300_800, 0}} {
		f.Add(at[0], at[1], int32(0))
		f.Add(at[0], at[1], int32(3600))
	}
	f.Fuzz(func(t *testing.T, sec, nsec int64, offset int32) {
		at := time.Unix(sec, nsec%int64(time.Second)).UTC()
		if offset != 0 {
			at = at.In(time.FixedZone("", int(offset%(18*3600))))
		}
		if got, want := string(appendTime(nil, at)), at.Format(time.RFC3339Nano); got != want {
			t.Errorf("appendTime(%v) = %s; want %s", at, got, want)
		}
	})
}

// BenchmarkPerson times writing one person with 20 answers as the JSON
// export does, as the benchmark's community answers them: what the
// export spends most of its own time on, beside reading.
func BenchmarkPerson(b *testing.B) {
	fl, problems := flow.LoadFS(flows.FS, ".")
	if problems != nil {
		b.Fatal(problems)
	}
	e, err := New(nil, fl, fl["resident"])
	if err != nil {
		b.Fatal(err)
	}
	at := time.Date(2026, 3, 14, 9, 30, 0, 0, time.UTC)
	r := store.Record{Person: store.Person{ID: 4711, Channel: "telegram", FirstName: "Person 4711", Language: "en", CreatedAt: at}, ConsentAt: at}
	for i, key := range []string{"hands", "heart", "learn", "groups", "when", "time", "offer", "head", "area", "q1", "q2", "q3", "q4", "q5", "q6", "q7", "q8", "q9", "q10", "q11"} {
		v := flow.Value{Text: "some words about " + key + " from person 4711"}
		switch {
		case i < 5:
			v = flow.Value{Choices: []string{"cooking", "music"}}
		case key == "time":
			v = flow.Value{Choice: "weekly"}
		}
		t := at.Add(time.Duration(i)*20*time.Second + 711*time.Millisecond)
		r.Answers = append(r.Answers, store.StoredAnswer{Flow: "resident", Key: key, Step: key, Value: v, FlowVersion: 1, CreatedAt: t, UpdatedAt: t, ConfirmedAt: t})
	}
	o := jsonOut{prefix: listIndent}
	b.ReportAllocs()
	for b.Loop() {
		o.b = o.b[:0]
		if err := e.person(&o, r); err != nil {
			b.Fatal(err)
		}
	}
	b.SetBytes(int64(len(o.b)))
}
