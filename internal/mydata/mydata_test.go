package mydata_test

import (
	"encoding/json"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/assetbot/assetbot/flows"
	"github.com/assetbot/assetbot/internal/flow"
	"github.com/assetbot/assetbot/internal/golden"
	"github.com/assetbot/assetbot/internal/mydata"
	"github.com/assetbot/assetbot/internal/store"
)

// t0 is when Sam joined.
var t0 = time.Date(2026, 3, 14, 9, 30, 0, 0, time.UTC)

func day(n int) time.Time { return t0.AddDate(0, 0, n) }

// words are the shipped flows' words.
func words(t *testing.T) mydata.Words {
	t.Helper()
	fl, problems := flow.LoadFS(flows.FS, ".")
	if problems != nil {
		t.Fatal(problems)
	}
	return mydata.Words{Flows: fl, Main: fl["resident"]}
}

// rich is Sam's data with something in every part.
func rich() store.PersonData {
	yes := true
	answer := func(key string, v flow.Value, at time.Time) store.StoredAnswer {
		return store.StoredAnswer{Flow: "resident", Key: key, Step: key, Value: v, FlowVersion: 1, CreatedAt: t0, UpdatedAt: at, ConfirmedAt: at}
	}
	return store.PersonData{
		Person: store.Person{ID: 7, Channel: "telegram", ChannelUserID: "1001", FirstName: "Sam", Language: "en",
			Reachable: true, Reminders: true, CreatedAt: t0, UpdatedAt: day(30)},
		Freshness:    store.EntryFreshness{ConfirmedAt: day(30)},
		InviteCode:   "rAbC123",
		Conversation: &store.Conversation{PersonID: 7, Flow: "resident", Status: "finished", UpdatedAt: day(30)},
		Answers: []store.AnswerRecord{
			{StoredAnswer: answer("hands", flow.Value{Choices: []string{"cooking", "gardening"}, Other: "Bike repairs"}, day(10)),
				History: []store.HistoryEntry{{Value: flow.Value{Choices: []string{"cooking"}}, FlowVersion: 1, ValidFrom: t0, ReplacedAt: day(10)}}},
			{StoredAnswer: answer("time", flow.Value{Choice: "hour_week"}, t0)},
			{StoredAnswer: answer("when", flow.Value{Choices: []string{"weekends"}}, day(12)), Withdrawn: day(12),
				History: []store.HistoryEntry{{Value: flow.Value{Choices: []string{"weekends"}}, FlowVersion: 1, ValidFrom: t0, ReplacedAt: day(12)}}},
			{StoredAnswer: answer("connector", flow.Value{Bool: &yes}, t0)},
			{StoredAnswer: answer("area", flow.Value{Text: "LS6"}, t0)},
		},
		Assets: []store.AssetRecord{
			{Asset: store.Asset{ID: 3, UID: "6f1c0d52-1d5e-4c7a-9a43-2f7a1b0c9e11", Kind: "place", Name: "Hyde Park Gardens", Area: "LS6",
				Point: &flow.Location{Lat: 53.8108, Lon: -1.5685}, Fields: map[string]flow.Value{"name": {Text: "Hyde Park Gardens"}, "area": {Text: "LS6"}},
				FlowVersion: 1, AddedBy: 7, ChangedBy: 7, CreatedAt: day(2), UpdatedAt: day(5), ConfirmedAt: day(5)},
				AddedByThem: true, ChangedByThem: true,
				TheirVersions: []store.AssetVersion{{Fields: map[string]flow.Value{"name": {Text: "Hyde Park Garden"}}, FlowVersion: 1, ChangedBy: 7, ValidFrom: day(2), ReplacedAt: day(5)}}},
			{Asset: store.Asset{ID: 4, UID: "0b6c7a4e-5f3d-4d2e-8c1b-7e9a6d5c4b3a", Kind: "association", Name: "Allotment Society",
				FlowVersion: 1, CreatedAt: day(1), UpdatedAt: day(20), ConfirmedAt: day(20), RemovedAt: day(25)},
				TheirVersions: []store.AssetVersion{{Fields: map[string]flow.Value{"name": {Text: "Allotment Society"}}, FlowVersion: 1, ChangedBy: 7, ValidFrom: day(3), ReplacedAt: day(20)}}},
		},
		Links: []store.PersonLink{
			{ID: 11, Type: flow.LinkMemberOf, FromThem: true, OtherAsset: 4, OtherName: "Allotment Society", OtherKind: "association", RecordedByMe: true, CreatedAt: day(3)},
			{ID: 12, Type: flow.LinkConnectedWith, OtherPerson: true, CreatedAt: day(4)},
		},
		Consents: []store.ConsentRecord{
			{Purpose: "map", Granted: true, Flow: "resident", FlowVersion: 1, At: t0},
		},
		Referral:  &store.ReferralRecord{VolunteerName: "Vera", At: t0},
		Invited:   2,
		Volunteer: &store.Volunteer{ID: 1, Code: "vXyZ", Name: "Sam B", Status: store.VolunteerActive, CreatedAt: day(40)},
		Reminders: []store.SentReminder{{Kind: store.ReminderNudge, SentAt: day(1)}, {Kind: store.ReminderRefresh, SentAt: day(200)}},
		Introductions: []store.Introduction{
			{ID: 1, OrganiserUserID: 9001, PersonID: 7, Message: "Could you help at the fair?", CreatedAt: day(50), AnsweredAt: day(51), Shared: true},
			{ID: 2, OrganiserUserID: 9001, PersonID: 7, Message: "And the next one?", CreatedAt: day(60)},
		},
	}
}

// TestText is the message in English and Welsh, against golden files.
func TestText(t *testing.T) {
	w := words(t)
	for _, lang := range []string{"en", "cy"} {
		t.Run(lang, func(t *testing.T) {
			got := mydata.Text(rich(), w, lang)
			golden.Check(t, "testdata/text_"+lang+".txt", got+"\n")
		})
	}
}

// TestTextShort: someone who said no to the map and nothing else gets the
// parts that hold something, and no empty headings.
func TestTextShort(t *testing.T) {
	d := store.PersonData{
		Person:   store.Person{ID: 8, Channel: "telegram", ChannelUserID: "1002", Language: "en", Reminders: true, CreatedAt: t0},
		Consents: []store.ConsentRecord{{Purpose: "map", Flow: "resident", FlowVersion: 1, At: t0}},
	}
	got := mydata.Text(d, words(t), "en")
	for _, absent := range []string{"📝", "🏠", "🔗", "🤝", "🔔", "✉️"} {
		if strings.Contains(got, absent) {
			t.Errorf("the message has a heading %s with nothing under it:\n%s", absent, got)
		}
	}
	for _, want := range []string{"• First name: not yet", "• On the map: No (2026-03-14)"} {
		if !strings.Contains(got, want) {
			t.Errorf("the message lacks %q:\n%s", want, got)
		}
	}
}

// keys returns the sorted keys of a JSON object.
func keys(t *testing.T, v any) []string {
	t.Helper()
	m, ok := v.(map[string]any)
	if !ok {
		t.Fatalf("got %T; want a JSON object", v)
	}
	return slices.Sorted(maps.Keys(m))
}

// TestJSON checks the document's layout field by field: the names the
// README documents, RFC 3339 times, labels as the flows show them.
func TestJSON(t *testing.T) {
	generated := day(300).Add(123456789 * time.Nanosecond)
	data, err := mydata.JSON(rich(), words(t), "en", generated)
	if err != nil {
		t.Fatal(err)
	}
	if !utf8.Valid(data) {
		t.Fatal("the document is not UTF-8")
	}
	var doc map[string]any
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatalf("the document does not parse: %v", err)
	}
	objects := []struct {
		what string
		v    any
		want string
	}{
		{"document", doc, "answers assets consents conversation format generated_at introductions language links person referral reminders version volunteer"},
		{"person", doc["person"], "channel channel_user_id entry_confirmed_at first_name id invite_code joined_at language language_chosen reachable reminders updated_at"},
		{"conversation", doc["conversation"], "flow status updated_at"},
		{"answer", doc["answers"].([]any)[0], "answered_at changed_at confirmed_at flow flow_version history key label step text value"},
		{"withdrawn answer", doc["answers"].([]any)[2], "answered_at changed_at confirmed_at flow flow_version history key label step text value withdrawn_at"},
		{"earlier answer", doc["answers"].([]any)[0].(map[string]any)["history"].([]any)[0], "flow_version from text until value"},
		{"asset", doc["assets"].([]any)[0], "added_by_you area changed_by_you confirmed_at created_at fields flow_version id kind kind_title location name uid updated_at your_earlier_versions"},
		{"removed asset", doc["assets"].([]any)[1], "added_by_you area changed_by_you confirmed_at created_at fields flow_version id kind kind_title name removed_at uid updated_at your_earlier_versions"},
		{"field", doc["assets"].([]any)[0].(map[string]any)["fields"].([]any)[0], "key label text value"},
		{"earlier version", doc["assets"].([]any)[0].(map[string]any)["your_earlier_versions"].([]any)[0], "fields flow_version from until"},
		{"link to an asset", doc["links"].([]any)[0], "asset created_at direction id recorded_by_you text type"},
		{"link with a person", doc["links"].([]any)[1], "another_person created_at direction id recorded_by_you text type"},
		{"consent", doc["consents"].([]any)[0], "at flow flow_version granted label purpose text_version"},
		{"referral", doc["referral"], "at came_through invited volunteer_name"},
		{"volunteer", doc["volunteer"], "code created_at name status"},
		{"reminder", doc["reminders"].([]any)[0], "kind sent_at"},
		{"introduction", doc["introductions"].([]any)[0], "answered_at asked_at message shared"},
		{"unanswered introduction", doc["introductions"].([]any)[1], "asked_at message shared"},
	}
	for _, o := range objects {
		if got, want := keys(t, o.v), strings.Fields(o.want); !slices.Equal(got, want) {
			t.Errorf("%s has fields %q; want %q", o.what, got, want)
		}
	}

	var typed struct {
		Format      string    `json:"format"`
		Version     int       `json:"version"`
		GeneratedAt time.Time `json:"generated_at"`
		Answers     []struct {
			Label, Text string
			Value       flow.Value
			History     []struct{ Text string }
		}
		Links []struct {
			Direction string
			Text      string
			Asset     *struct{ Name string }
		}
		Consents []struct{ Label, Purpose string }
		Referral struct {
			CameThrough string `json:"came_through"`
			Invited     int
		}
	}
	if err := json.Unmarshal(data, &typed); err != nil {
		t.Fatal(err)
	}
	if typed.Format != mydata.Format || typed.Version != mydata.Version || !typed.GeneratedAt.Equal(generated.Truncate(time.Millisecond)) {
		t.Errorf("format %q version %d generated %v; want %q, %d, %v", typed.Format, typed.Version, typed.GeneratedAt, mydata.Format, mydata.Version, generated)
	}
	hands := typed.Answers[0]
	if hands.Label != "Skills to share" || hands.Text != "Cooking, Gardening, Bike repairs" || !slices.Equal(hands.Value.Choices, []string{"cooking", "gardening"}) ||
		hands.History[0].Text != "Cooking" {
		t.Errorf("hands = %+v; want its label, readable text and raw choices, and its earlier text", hands)
	}
	if l := typed.Links[0]; l.Direction != "from_you" || l.Text != "you're a member" || l.Asset == nil || l.Asset.Name != "Allotment Society" {
		t.Errorf("link = %+v; want from you, a member of the Allotment Society", l)
	}
	if c := typed.Consents[0]; c.Label != "On the map" || c.Purpose != "map" {
		t.Errorf("consent = %+v; want the purpose and the consent step's label", c)
	}
	if r := typed.Referral; r.CameThrough != "volunteer" || r.Invited != 2 {
		t.Errorf("referral = %+v; want through a volunteer, two invited", r)
	}
	// Every time is RFC 3339.
	times := regexpTimes(string(data))
	if len(times) < len(objects) {
		t.Errorf("found %d times in the document; want every part's", len(times))
	}
	for _, raw := range times {
		if _, err := time.Parse(time.RFC3339, raw); err != nil {
			t.Errorf("time %q is not RFC 3339: %v", raw, err)
		}
	}
	// The organiser is not named by their Telegram id.
	if strings.Contains(string(data), "9001") {
		t.Error("the document names the organiser's Telegram id")
	}
}

// regexpTimes returns the values of fields whose names say they are times.
func regexpTimes(doc string) []string {
	var out []string
	for _, line := range strings.Split(doc, "\n") {
		name, value, ok := strings.Cut(strings.TrimSpace(line), ": ")
		name = strings.Trim(name, `"`)
		if !ok || !(strings.HasSuffix(name, "_at") || name == "from" || name == "until" || name == "stale_since") {
			continue
		}
		out = append(out, strings.Trim(strings.TrimSuffix(value, ","), `"`))
	}
	return out
}
