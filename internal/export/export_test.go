package export_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/assetbot/assetbot/internal/export"
	"github.com/assetbot/assetbot/internal/flow"
	"github.com/assetbot/assetbot/internal/golden"
	"github.com/assetbot/assetbot/internal/store"
)

// exporter returns an exporter of w with the shipped flows.
func exporter(t testing.TB, w *world) *export.Exporter {
	t.Helper()
	fl := mapFlows(t)
	ex, err := export.New(w.st, fl, fl["resident"])
	if err != nil {
		t.Fatal(err)
	}
	return ex
}

// peopleCSV exports w's people as CSV and returns the text.
func peopleCSV(t testing.TB, w *world) string {
	t.Helper()
	var buf bytes.Buffer
	if _, err := exporter(t, w).PeopleCSV(context.Background(), &buf); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

// readCSV checks a CSV's byte order mark and line ends and parses it.
func readCSV(t testing.TB, out string) [][]string {
	t.Helper()
	body, ok := strings.CutPrefix(out, "\uFEFF")
	if !ok {
		t.Fatalf("CSV starts %q; want a UTF-8 byte order mark", out[:min(10, len(out))])
	}
	for i, line := range strings.SplitAfter(body, "\r\n") {
		if line != "" && !strings.HasSuffix(line, "\r\n") {
			t.Errorf("line %d %q does not end in CRLF", i+1, line)
		}
	}
	rows, err := csv.NewReader(strings.NewReader(body)).ReadAll()
	if err != nil {
		t.Fatalf("read back: %v", err)
	}
	return rows
}

// byHeader maps each column of row to its header.
func byHeader(header, row []string) map[string]string {
	m := map[string]string{}
	for i, h := range header {
		m[h] = row[i]
	}
	return m
}

func TestPeopleCSV(t *testing.T) {
	w := newWorld(t)
	ada, bob := residents(t, w)
	rows := readCSV(t, peopleCSV(t, w))
	wantHeader := []string{"person_id", "first_name", "language", "joined_at", "consented_at", "last_confirmed_at", "stale_since",
		"hands", "head", "heart", "offer", "learn", "time", "when", "groups", "group_name", "connector", "area", "pets"}
	if !reflect.DeepEqual(rows[0], wantHeader) {
		t.Errorf("header = %q; want %q", rows[0], wantHeader)
	}
	if len(rows) != 3 {
		t.Fatalf("got %d rows; want a header and one per consenting person, 3", len(rows))
	}
	got := byHeader(rows[0], rows[1])
	want := map[string]string{
		"person_id": id(ada), "first_name": "'=HYPERLINK(\"http://x\")", "language": "en",
		"joined_at": "2026-03-14T09:30:00Z", "consented_at": "2026-03-14T09:31:00Z", "last_confirmed_at": "2026-03-16T09:30:00Z", "stale_since": "",
		"hands": "Cooking; DIY & repairs; =1+1", "head": "'@SUM(A1)", "heart": "'-2+3", "offer": "(skipped)", "learn": "",
		"time": "About an hour a week", "when": "", "groups": "", "group_name": "", "connector": "Yes", "area": "LS6", "pets": "'+44 113 496 0000",
	}
	for k := range want {
		if got[k] != want[k] {
			t.Errorf("column %s = %q; want %q", k, got[k], want[k])
		}
	}
	second := byHeader(rows[0], rows[2])
	if second["person_id"] != id(bob) || second["language"] != "pt-BR" || second["area"] != "Hyde Park\nLeeds" || second["head"] != "" {
		t.Errorf("second row = %q; want Bob with only an area", rows[2])
	}
}

// TestCSVKeepsOwnWords checks that several choices are joined by "; " in
// a cell while a person's own words are kept as written, commas and all.
func TestCSVKeepsOwnWords(t *testing.T) {
	w := newWorld(t)
	ada := w.newPerson(t, store.Person{Channel: "terminal", ChannelUserID: "ada", FirstName: "Ada", Language: "en"}, &yes)
	w.answer(t, answered, ada, "hands", flow.Value{Choices: []string{"cooking", "diy"}, Other: "tea, cake, and chat"})
	rows := readCSV(t, peopleCSV(t, w))
	if got, want := byHeader(rows[0], rows[1])["hands"], "Cooking; DIY & repairs; tea, cake, and chat"; got != want {
		t.Errorf("hands = %q; want %q", got, want)
	}
}

// id is an id as a CSV cell holds it.
func id(n int64) string { return strconv.FormatInt(n, 10) }

func TestPeopleCSVNobody(t *testing.T) {
	want := "\uFEFFperson_id,first_name,language,joined_at,consented_at,last_confirmed_at,stale_since,hands,head,heart,offer,learn,time,when,groups,group_name,connector,area\r\n"
	if got := peopleCSV(t, newWorld(t)); got != want {
		t.Errorf("CSV of nobody = %q; want just the header %q", got, want)
	}
}

func TestCSVDefusesFormulas(t *testing.T) {
	tests := []struct{ in, want string }{
		{"=1+1", "'=1+1"},
		{"+1", "'+1"},
		{"-1", "'-1"},
		{"@A1", "'@A1"},
		{"\t=1", "'\t=1"},
		{"1-1", "1-1"},
		{"a=b", "a=b"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			w := newWorld(t)
			p := w.newPerson(t, store.Person{Channel: "test", ChannelUserID: "1", FirstName: tt.in, Language: tt.in}, &yes)
			w.answer(t, answered, p, "head", flow.Value{Text: tt.in})
			rows := readCSV(t, peopleCSV(t, w))
			got := byHeader(rows[0], rows[1])
			for _, col := range []string{"first_name", "language", "head"} {
				if got[col] != tt.want {
					t.Errorf("column %s = %q; want %q", col, got[col], tt.want)
				}
			}
		})
	}
}

// exportJSON exports w as JSON and returns the text.
func exportJSON(t testing.TB, w *world) string {
	t.Helper()
	var buf bytes.Buffer
	if _, err := exporter(t, w).JSON(context.Background(), &buf); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

// The JSON export, decoded.
type (
	jsonExport struct {
		Flow        string       `json:"flow"`
		FlowVersion int          `json:"flow_version"`
		People      []jsonPerson `json:"people"`
		Assets      []jsonAsset  `json:"assets"`
		Links       []jsonLink   `json:"links"`
	}
	jsonPerson struct {
		ID               int64        `json:"id"`
		Channel          string       `json:"channel"`
		FirstName        string       `json:"first_name"`
		Language         string       `json:"language"`
		JoinedAt         time.Time    `json:"joined_at"`
		ConsentedAt      time.Time    `json:"consented_at"`
		EntryConfirmedAt time.Time    `json:"entry_confirmed_at"`
		StaleSince       time.Time    `json:"stale_since"`
		Answers          []jsonAnswer `json:"answers"`
	}
	jsonAnswer struct {
		Key         string     `json:"key"`
		Step        string     `json:"step"`
		Question    string     `json:"question"`
		Value       flow.Value `json:"value"`
		Text        string     `json:"text"`
		FlowVersion int        `json:"flow_version"`
		AnsweredAt  time.Time  `json:"answered_at"`
		ChangedAt   time.Time  `json:"changed_at"`
		ConfirmedAt time.Time  `json:"confirmed_at"`
	}
	jsonAsset struct {
		ID          int64          `json:"id"`
		UID         string         `json:"uid"`
		Kind        string         `json:"kind"`
		Name        string         `json:"name"`
		Area        string         `json:"area"`
		Location    *flow.Location `json:"location"`
		AddedBy     *int64         `json:"added_by"`
		CreatedAt   time.Time      `json:"created_at"`
		UpdatedAt   time.Time      `json:"updated_at"`
		ConfirmedAt time.Time      `json:"confirmed_at"`
		StaleSince  time.Time      `json:"stale_since"`
		FlowVersion int            `json:"flow_version"`
		Fields      []struct {
			Key      string     `json:"key"`
			Question string     `json:"question"`
			Value    flow.Value `json:"value"`
			Text     string     `json:"text"`
		} `json:"fields"`
	}
	jsonLink struct {
		ID         int64     `json:"id"`
		Type       string    `json:"type"`
		From       jsonEnd   `json:"from"`
		To         jsonEnd   `json:"to"`
		RecordedBy *int64    `json:"recorded_by"`
		CreatedAt  time.Time `json:"created_at"`
	}
	jsonEnd struct {
		Person int64 `json:"person"`
		Asset  int64 `json:"asset"`
	}
)

// decode decodes a JSON export, refusing fields the test does not know.
func decode(t testing.TB, out string) jsonExport {
	t.Helper()
	var got jsonExport
	dec := json.NewDecoder(strings.NewReader(out))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&got); err != nil {
		t.Fatalf("decode %v:\n%s", err, out)
	}
	return got
}

func TestJSONPeople(t *testing.T) {
	w := newWorld(t)
	ada, bob := residents(t, w)
	got := decode(t, exportJSON(t, w))
	if got.Flow != "resident" || got.FlowVersion != 1 || len(got.People) != 2 {
		t.Fatalf("export = flow %s v%d with %d people; want resident v1 with 2", got.Flow, got.FlowVersion, len(got.People))
	}
	p := got.People[0]
	if p.ID != ada || p.Channel != "telegram" || p.FirstName != "=HYPERLINK(\"http://x\")" || !p.JoinedAt.Equal(joined) || !p.ConsentedAt.Equal(consented) {
		t.Errorf("person = %+v; want ada on telegram, name as given (JSON needs no defusing), times kept", p)
	}
	if len(p.Answers) != 8 {
		t.Fatalf("%d answers; want all 8", len(p.Answers))
	}
	hands := p.Answers[0]
	if hands.Key != "hands" || hands.Text != "Cooking, DIY & repairs, =1+1" || !reflect.DeepEqual(hands.Value.Choices, []string{"cooking", "diy"}) ||
		!strings.HasPrefix(hands.Question, "What could you happily show") || hands.FlowVersion != 1 || !hands.AnsweredAt.Equal(answered) {
		t.Errorf("hands = %+v", hands)
	}
	area := p.Answers[6]
	if area.Key != "area" || !area.AnsweredAt.Equal(answered) || !area.ChangedAt.Equal(changed) || !area.ConfirmedAt.Equal(confirmed) {
		t.Errorf("area = %+v; want answered, changed and confirmed times kept", area)
	}
	pets := p.Answers[7]
	if pets.Key != "pets" || pets.Question != "" || pets.Text != "+44 113 496 0000" {
		t.Errorf("answer to a question no longer asked = %+v; want kept with no question", pets)
	}
	if b := got.People[1]; b.ID != bob || b.Answers[0].Value.Text != "Hyde Park\r\nLeeds" {
		t.Errorf("second person = %+v; want Bob and his area", b)
	}
}

func TestJSONNobody(t *testing.T) {
	out := exportJSON(t, newWorld(t))
	for _, want := range []string{`"people": []`, `"assets": []`, `"links": []`} {
		if !strings.Contains(out, want) {
			t.Errorf("JSON of nobody = %s; want %s, not null", out, want)
		}
	}
	decode(t, out)
}

// TestGoldenPeople pins the exports' layout byte for byte: the people part
// is as it was before the exports streamed.
func TestGoldenPeople(t *testing.T) {
	w := newWorld(t)
	residents(t, w)
	golden.Check(t, "testdata/people.csv", peopleCSV(t, w))
	golden.Check(t, "testdata/people.json", exportJSON(t, w))
}

func TestExportShowsFreshness(t *testing.T) {
	w := newWorld(t)
	p := w.newPerson(t, store.Person{Channel: "test", ChannelUserID: "1", FirstName: "Ada"}, &yes)
	w.answer(t, answered, p, "area", flow.Value{Text: "LS6"})
	w.at(t, joined, func(tx *store.Tx) error { return tx.ConfirmEntry(p) })
	// Going stale takes a refresh unanswered for weeks: set it directly.
	w.raw(t, `UPDATE people SET stale_at = '2026-10-10T09:30:00.000Z' WHERE id = ?`, p)
	rows := readCSV(t, peopleCSV(t, w))
	if got := byHeader(rows[0], rows[1])["stale_since"]; got != "2026-10-10T09:30:00Z" {
		t.Errorf("CSV stale_since = %q; want the stale time", got)
	}
	out := exportJSON(t, w)
	for _, want := range []string{`"entry_confirmed_at": "2026-03-14T09:30:00Z"`, `"stale_since": "2026-10-10T09:30:00Z"`} {
		if !strings.Contains(out, want) {
			t.Errorf("JSON lacks %s:\n%s", want, out)
		}
	}
	// A fresh entry says nothing of staleness.
	w.at(t, confirmed, func(tx *store.Tx) error { return tx.ConfirmEntry(p) })
	if out := exportJSON(t, w); strings.Contains(out, "stale_since") {
		t.Errorf("JSON of a fresh entry mentions stale_since:\n%s", out)
	}
}
