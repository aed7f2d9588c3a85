package export_test

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/assetbot/assetbot/flows"
	"github.com/assetbot/assetbot/internal/export"
	"github.com/assetbot/assetbot/internal/flow"
	"github.com/assetbot/assetbot/internal/store"
)

var (
	joined    = time.Date(2026, 3, 14, 9, 30, 0, 0, time.UTC)
	consented = joined.Add(time.Minute)
	answered  = joined.Add(2 * time.Minute)
	changed   = joined.Add(24 * time.Hour)
	confirmed = joined.Add(48 * time.Hour)
)

func resident(t *testing.T) *flow.Flow {
	t.Helper()
	fl, problems := flow.LoadFS(flows.FS, ".")
	if problems != nil {
		t.Fatal(problems)
	}
	return fl["resident"]
}

func answer(key string, v flow.Value) store.StoredAnswer {
	return store.StoredAnswer{Flow: "resident", Key: key, Step: key, Value: v, FlowVersion: 1, CreatedAt: answered, UpdatedAt: answered, ConfirmedAt: answered}
}

// records are two consenting people: one who answered plenty, some of it
// looking like spreadsheet formulas, and one who answered little.
func records() []store.Record {
	yes := true
	area := answer("area", flow.Value{Text: "LS6"})
	area.UpdatedAt, area.ConfirmedAt = changed, confirmed
	return []store.Record{
		{
			Person:    store.Person{ID: 3, Channel: "telegram", ChannelUserID: "1001", FirstName: "=HYPERLINK(\"http://x\")", Language: "en", CreatedAt: joined},
			ConsentAt: consented,
			Answers: []store.StoredAnswer{
				answer("hands", flow.Value{Choices: []string{"cooking", "diy"}, Other: "=1+1"}),
				answer("head", flow.Value{Text: "@SUM(A1)"}),
				answer("heart", flow.Value{Other: "-2+3"}),
				answer("offer", flow.Value{Skipped: true}),
				answer("time", flow.Value{Choice: "hour_week"}),
				answer("connector", flow.Value{Bool: &yes}),
				area,
				// A question a later version of the flow no longer asks.
				answer("pets", flow.Value{Text: "+44 113 496 0000"}),
			},
		},
		{
			Person:    store.Person{ID: 9, Channel: "terminal", ChannelUserID: "bob", FirstName: "Bob", Language: "pt-BR", CreatedAt: joined},
			ConsentAt: consented,
			Answers:   []store.StoredAnswer{answer("area", flow.Value{Text: "Hyde Park\r\nLeeds"})},
		},
	}
}

func TestCSV(t *testing.T) {
	var buf bytes.Buffer
	if err := export.CSV(&buf, resident(t), records()); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
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
	wantHeader := []string{"person_id", "first_name", "language", "joined_at", "consented_at", "last_confirmed_at", "stale_since",
		"hands", "head", "heart", "offer", "learn", "time", "when", "groups", "connector", "area", "pets"}
	if !reflect.DeepEqual(rows[0], wantHeader) {
		t.Errorf("header = %q; want %q", rows[0], wantHeader)
	}
	if len(rows) != 3 {
		t.Fatalf("got %d rows; want a header and one per person, 3", len(rows))
	}
	got := map[string]string{}
	for i, h := range rows[0] {
		got[h] = rows[1][i]
	}
	want := map[string]string{
		"person_id": "3", "first_name": "'=HYPERLINK(\"http://x\")", "language": "en",
		"joined_at": "2026-03-14T09:30:00Z", "consented_at": "2026-03-14T09:31:00Z", "last_confirmed_at": "2026-03-16T09:30:00Z", "stale_since": "",
		"hands": "Cooking; DIY & repairs; =1+1", "head": "'@SUM(A1)", "heart": "'-2+3", "offer": "(skipped)", "learn": "",
		"time": "About an hour a week", "when": "", "groups": "", "connector": "Yes", "area": "LS6", "pets": "'+44 113 496 0000",
	}
	if !reflect.DeepEqual(got, want) {
		for k := range want {
			if got[k] != want[k] {
				t.Errorf("column %s = %q; want %q", k, got[k], want[k])
			}
		}
	}
	if rows[2][0] != "9" || rows[2][2] != "pt-BR" || rows[2][16] != "Hyde Park\nLeeds" || rows[2][6] != "" {
		t.Errorf("second row = %q; want Bob with only an area", rows[2])
	}
}

func TestCSVNobody(t *testing.T) {
	var buf bytes.Buffer
	if err := export.CSV(&buf, resident(t), nil); err != nil {
		t.Fatal(err)
	}
	want := "\uFEFFperson_id,first_name,language,joined_at,consented_at,last_confirmed_at,stale_since,hands,head,heart,offer,learn,time,when,groups,connector,area\r\n"
	if got := buf.String(); got != want {
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
		{"", ""},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			rec := []store.Record{{Person: store.Person{ID: 1, FirstName: tt.in, Language: tt.in}, Answers: []store.StoredAnswer{answer("head", flow.Value{Text: tt.in})}}}
			var buf bytes.Buffer
			if err := export.CSV(&buf, resident(t), rec); err != nil {
				t.Fatal(err)
			}
			rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(buf.String(), "\uFEFF"))).ReadAll()
			if err != nil {
				t.Fatal(err)
			}
			for _, col := range []int{1, 2, 8} { // first_name, language, head
				if got := rows[1][col]; got != tt.want {
					t.Errorf("column %s = %q; want %q", rows[0][col], got, tt.want)
				}
			}
		})
	}
}

func TestJSON(t *testing.T) {
	var buf bytes.Buffer
	if err := export.JSON(&buf, resident(t), records()); err != nil {
		t.Fatal(err)
	}
	var got struct {
		Flow        string `json:"flow"`
		FlowVersion int    `json:"flow_version"`
		People      []struct {
			ID          int64     `json:"id"`
			Channel     string    `json:"channel"`
			FirstName   string    `json:"first_name"`
			Language    string    `json:"language"`
			JoinedAt    time.Time `json:"joined_at"`
			ConsentedAt time.Time `json:"consented_at"`
			Answers     []struct {
				Key         string     `json:"key"`
				Step        string     `json:"step"`
				Question    string     `json:"question"`
				Value       flow.Value `json:"value"`
				Text        string     `json:"text"`
				FlowVersion int        `json:"flow_version"`
				AnsweredAt  time.Time  `json:"answered_at"`
				ChangedAt   time.Time  `json:"changed_at"`
				ConfirmedAt time.Time  `json:"confirmed_at"`
			} `json:"answers"`
		} `json:"people"`
	}
	dec := json.NewDecoder(&buf)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&got); err != nil {
		t.Fatal(err)
	}
	if got.Flow != "resident" || got.FlowVersion != 1 || len(got.People) != 2 {
		t.Fatalf("export = flow %s v%d with %d people; want resident v1 with 2", got.Flow, got.FlowVersion, len(got.People))
	}
	p := got.People[0]
	if p.ID != 3 || p.Channel != "telegram" || p.FirstName != "=HYPERLINK(\"http://x\")" || !p.JoinedAt.Equal(joined) || !p.ConsentedAt.Equal(consented) {
		t.Errorf("person = %+v; want id 3 on telegram, name as given (JSON needs no defusing), times kept", p)
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
	if area.Key != "area" || !area.ChangedAt.Equal(changed) || !area.ConfirmedAt.Equal(confirmed) {
		t.Errorf("area = %+v; want changed and confirmed times kept", area)
	}
	pets := p.Answers[7]
	if pets.Key != "pets" || pets.Question != "" || pets.Text != "+44 113 496 0000" {
		t.Errorf("answer to a question no longer asked = %+v; want kept with no question", pets)
	}
	if got.People[1].Answers[0].Value.Text != "Hyde Park\r\nLeeds" {
		t.Errorf("Bob's area = %q", got.People[1].Answers[0].Value.Text)
	}
}

func TestJSONNobody(t *testing.T) {
	var buf bytes.Buffer
	if err := export.JSON(&buf, resident(t), nil); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), `"people": []`) {
		t.Errorf("JSON of nobody = %s; want an empty people list, not null", buf.String())
	}
}

func TestExportShowsFreshness(t *testing.T) {
	confirmed := time.Date(2026, 3, 14, 9, 30, 0, 0, time.UTC)
	stale := confirmed.Add(210 * 24 * time.Hour)
	rec := []store.Record{{Person: store.Person{ID: 1, FirstName: "Ada", Language: "en"},
		Freshness: store.EntryFreshness{ConfirmedAt: confirmed, StaleAt: stale}, Answers: []store.StoredAnswer{answer("area", flow.Value{Text: "LS6"})}}}
	var csvOut, jsonOut bytes.Buffer
	if err := export.CSV(&csvOut, resident(t), rec); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(csvOut.String(), "\uFEFF"))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if rows[0][6] != "stale_since" || rows[1][6] != "2026-10-10T09:30:00Z" {
		t.Errorf("CSV %s = %q; want the stale time", rows[0][6], rows[1][6])
	}
	if err := export.JSON(&jsonOut, resident(t), rec); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"entry_confirmed_at": "2026-03-14T09:30:00Z"`, `"stale_since": "2026-10-10T09:30:00Z"`} {
		if !strings.Contains(jsonOut.String(), want) {
			t.Errorf("JSON lacks %s:\n%s", want, jsonOut.String())
		}
	}
	// A fresh entry says nothing of staleness.
	rec[0].Freshness.StaleAt = time.Time{}
	jsonOut.Reset()
	if err := export.JSON(&jsonOut, resident(t), rec); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(jsonOut.String(), "stale_since") {
		t.Errorf("JSON of a fresh entry mentions stale_since:\n%s", jsonOut.String())
	}
}
