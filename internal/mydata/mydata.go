// Package mydata shapes everything held about one person (their right of
// access, /mydata) for them to read: a short message in their language,
// and a JSON document that other apps can read (their right to
// portability). It reads nothing itself: the store gathers the data.
//
// Nothing in either names another resident: a link with another person
// says "another person", and a neighbour who invited them is not named.
package mydata

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/assetbot/assetbot/internal/flow"
	"github.com/assetbot/assetbot/internal/store"
)

// FileName is the name the JSON document is sent and saved under.
const FileName = "assetbot-mydata.json"

// Format and Version name the JSON document's layout; Version grows
// when a field changes meaning or goes.
const (
	Format  = "assetbot-mydata"
	Version = 1
)

// dateLayout is how the message writes dates, the same in every language.
const dateLayout = time.DateOnly

// Words are the flows that give the data its words: the labels of
// questions and options, the titles of asset kinds and, through Main,
// the message catalogue.
type Words struct {
	Flows map[string]*flow.Flow
	Main  *flow.Flow
}

// text returns message id msg in lang with vars filled in.
func (w Words) text(lang, msg string, vars ...string) string { return w.Main.Text(msg, lang, vars...) }

// flowOf returns the flow with the id, or the main flow when it is no
// longer in use (its answers then read with the main flow's words).
func (w Words) flowOf(id string) *flow.Flow {
	if f, ok := w.Flows[id]; ok {
		return f
	}
	return w.Main
}

// question returns the short label of the question that asks key in flow
// flowID, and its step (nil when the flow no longer asks it: the key is
// then the label).
func (w Words) question(flowID, key, lang string) (string, *flow.Step) {
	if f, ok := w.Flows[flowID]; ok {
		if s := f.StepByKey(key); s != nil {
			return s.ShortLabel(lang), s
		}
	}
	return key, nil
}

// answer renders a value given to key in flowID as the person reads it.
func (w Words) answer(flowID, key string, v flow.Value, lang string) string {
	_, step := w.question(flowID, key, lang)
	return flow.Display(w.flowOf(flowID), step, v, lang)
}

// kind is the title of an asset kind, or its id when its flow is gone.
func (w Words) kind(kind, lang string) string {
	if f, ok := w.Flows[kind]; ok {
		if t := f.Title.In(lang); t != "" {
			return t
		}
	}
	return kind
}

// purpose names a consent purpose by the label of the step that asked it
// in flowID, or by its id when no step there does.
func (w Words) purpose(flowID, purpose, lang string) string {
	if f, ok := w.Flows[flowID]; ok {
		for _, s := range f.Steps {
			if s.Consent == purpose {
				return s.ShortLabel(lang)
			}
		}
	}
	return purpose
}

// link says how the person is linked with something, as /me says it.
func (w Words) link(linkType, lang string) string {
	if s := w.text(lang, flow.LinkMessage(linkType)); s != "" {
		return s
	}
	return linkType
}

// yesNo is the flow's word for yes or no.
func (w Words) yesNo(b bool, lang string) string {
	if b {
		return w.text(lang, flow.MsgButtonYes)
	}
	return w.text(lang, flow.MsgButtonNo)
}

// date writes t as a date, or "not yet" for the zero time.
func (w Words) date(t time.Time, lang string) string {
	if t.IsZero() {
		return w.text(lang, flow.MsgMyDataNotYet)
	}
	return t.UTC().Format(dateLayout)
}

// bullet is one line of a list in the message.
func bullet(s string) string { return "• " + s }

// sub is a line under a bullet.
func sub(s string) string { return "   ↳ " + s }

// Text is the message that tells the person, in lang, everything held
// about them, shortly: one line a thing, sections left out when empty.
func Text(d store.PersonData, w Words, lang string) string {
	name := d.Person.FirstName
	if name == "" {
		name = w.text(lang, flow.MsgNoName)
	}
	sections := []string{
		w.text(lang, flow.MsgMyDataHead, "first_name", name, "file", FileName),
		w.text(lang, flow.MsgMyDataPerson, "name", orNotYet(w, d.Person.FirstName, lang),
			"language", w.text(d.Person.Language, flow.MsgLanguageName), "joined", w.date(d.Person.CreatedAt, lang),
			"confirmed", w.date(d.Freshness.ConfirmedAt, lang), "reminders", w.yesNo(d.Person.Reminders, lang)),
	}
	add := func(msg, name string, lines []string) {
		if len(lines) > 0 {
			sections = append(sections, w.text(lang, msg, name, strings.Join(lines, "\n")))
		}
	}
	add(flow.MsgMyDataAnswers, "answers", answerLines(d, w, lang))
	add(flow.MsgMyDataAssets, "assets", assetLines(d, w, lang))
	add(flow.MsgMyDataLinks, "links", linkLines(d, w, lang))
	var consents []string
	for _, c := range d.Consents {
		consents = append(consents, bullet(fmt.Sprintf("%s: %s (%s)", w.purpose(c.Flow, c.Purpose, lang), w.yesNo(c.Granted, lang), w.date(c.At, lang))))
	}
	add(flow.MsgMyDataConsents, "consents", consents)
	var people []string
	if r := d.Referral; r != nil {
		if r.VolunteerName != "" {
			people = append(people, w.text(lang, flow.MsgMyDataByVolunteer, "name", r.VolunteerName, "date", w.date(r.At, lang)))
		} else {
			people = append(people, w.text(lang, flow.MsgMyDataByNeighbour, "date", w.date(r.At, lang)))
		}
	}
	if d.Invited > 0 {
		people = append(people, w.text(lang, flow.MsgMyDataInvited, "count", strconv.Itoa(d.Invited)))
	}
	if v := d.Volunteer; v != nil {
		people = append(people, w.text(lang, flow.MsgMyDataVolunteer, "name", v.Name, "date", w.date(v.CreatedAt, lang)))
	}
	if n := len(d.Reminders); n > 0 {
		people = append(people, w.text(lang, flow.MsgMyDataReminders, "count", strconv.Itoa(n), "date", w.date(d.Reminders[n-1].SentAt, lang)))
	}
	if len(people) > 0 {
		sections = append(sections, strings.Join(people, "\n"))
	}
	var intros []string
	for _, in := range d.Introductions {
		msg := flow.MsgMyDataIntroUnanswered
		switch {
		case in.AnsweredAt.IsZero():
		case in.Shared:
			msg = flow.MsgMyDataIntroShared
		default:
			msg = flow.MsgMyDataIntroDeclined
		}
		intros = append(intros, bullet(w.text(lang, msg, "date", w.date(in.CreatedAt, lang))))
	}
	add(flow.MsgMyDataIntroductions, "introductions", intros)
	return strings.Join(sections, "\n\n")
}

// orNotYet is s, or "not yet" when it is empty.
func orNotYet(w Words, s, lang string) string {
	if s == "" {
		return w.text(lang, flow.MsgMyDataNotYet)
	}
	return s
}

// answerLines lists each answer with its earlier values under it.
func answerLines(d store.PersonData, w Words, lang string) []string {
	var lines []string
	for _, a := range d.Answers {
		label, _ := w.question(a.Flow, a.Key, lang)
		line := fmt.Sprintf("%s: %s", label, w.answer(a.Flow, a.Key, a.Value, lang))
		if !a.Withdrawn.IsZero() {
			line += " (" + w.text(lang, flow.MsgMyDataWithdrawn, "date", w.date(a.Withdrawn, lang)) + ")"
		}
		lines = append(lines, bullet(line))
		for _, h := range a.History {
			lines = append(lines, sub(w.text(lang, flow.MsgMyDataEarlier, "date", w.date(h.ReplacedAt, lang), "value", w.answer(a.Flow, a.Key, h.Value, lang))))
		}
	}
	return lines
}

// assetLines lists the assets the person added or wrote, with what they
// did to each.
func assetLines(d store.PersonData, w Words, lang string) []string {
	var lines []string
	for _, a := range d.Assets {
		var notes []string
		if a.AddedByThem {
			notes = append(notes, w.text(lang, flow.MsgMyDataAssetAdded, "date", w.date(a.CreatedAt, lang)))
		}
		if a.ChangedByThem && !(a.AddedByThem && a.UpdatedAt.Equal(a.CreatedAt)) {
			notes = append(notes, w.text(lang, flow.MsgMyDataAssetChanged, "date", w.date(a.UpdatedAt, lang)))
		}
		if n := len(a.TheirVersions); n > 0 {
			notes = append(notes, w.text(lang, flow.MsgMyDataAssetVersions, "count", strconv.Itoa(n)))
		}
		if !a.RemovedAt.IsZero() {
			notes = append(notes, w.text(lang, flow.MsgMyDataAssetRemoved, "date", w.date(a.RemovedAt, lang)))
		}
		lines = append(lines, bullet(fmt.Sprintf("%s (%s): %s", a.Name, w.kind(a.Kind, lang), strings.Join(notes, "; "))))
	}
	return lines
}

// linkLines lists the person's links by what is at their other end.
func linkLines(d store.PersonData, w Words, lang string) []string {
	var lines []string
	for _, l := range d.Links {
		other := w.text(lang, flow.MsgMyDataOtherPerson)
		if !l.OtherPerson {
			other = fmt.Sprintf("%s (%s)", l.OtherName, w.kind(l.OtherKind, lang))
		}
		lines = append(lines, bullet(fmt.Sprintf("%s: %s", other, w.link(l.Type, lang))))
	}
	return lines
}

// The JSON document. Field names are stable: a change of meaning bumps
// Version. Times are RFC 3339 in UTC; a time that has not happened is
// left out.
type (
	document struct {
		Format        string          `json:"format"`
		Version       int             `json:"version"`
		GeneratedAt   time.Time       `json:"generated_at"`
		Language      string          `json:"language"`
		Person        jsonPerson      `json:"person"`
		Conversation  *jsonConv       `json:"conversation,omitempty"`
		Answers       []jsonAnswer    `json:"answers"`
		Assets        []jsonAsset     `json:"assets"`
		Links         []jsonLink      `json:"links"`
		Consents      []jsonConsent   `json:"consents"`
		Referral      jsonReferral    `json:"referral"`
		Volunteer     *jsonVolunteer  `json:"volunteer,omitempty"`
		Reminders     []jsonReminder  `json:"reminders"`
		Introductions []jsonIntroduce `json:"introductions"`
	}
	jsonPerson struct {
		ID               int64     `json:"id"`
		Channel          string    `json:"channel"`
		ChannelUserID    string    `json:"channel_user_id"`
		FirstName        string    `json:"first_name"`
		Language         string    `json:"language"`
		LanguageChosen   bool      `json:"language_chosen"`
		JoinedAt         time.Time `json:"joined_at"`
		UpdatedAt        time.Time `json:"updated_at"`
		EntryConfirmedAt time.Time `json:"entry_confirmed_at,omitzero"`
		StaleSince       time.Time `json:"stale_since,omitzero"`
		Reminders        bool      `json:"reminders"`
		Reachable        bool      `json:"reachable"`
		InviteCode       string    `json:"invite_code,omitempty"`
	}
	jsonConv struct {
		Flow      string    `json:"flow"`
		Status    string    `json:"status"`
		UpdatedAt time.Time `json:"updated_at"`
	}
	jsonAnswer struct {
		Flow        string        `json:"flow"`
		Key         string        `json:"key"`
		Step        string        `json:"step"`
		Label       string        `json:"label"`
		Value       flow.Value    `json:"value"`
		Text        string        `json:"text"`
		FlowVersion int           `json:"flow_version"`
		AnsweredAt  time.Time     `json:"answered_at"`
		ChangedAt   time.Time     `json:"changed_at"`
		ConfirmedAt time.Time     `json:"confirmed_at"`
		WithdrawnAt time.Time     `json:"withdrawn_at,omitzero"`
		History     []jsonEarlier `json:"history"`
	}
	jsonEarlier struct {
		Value       flow.Value `json:"value"`
		Text        string     `json:"text"`
		FlowVersion int        `json:"flow_version"`
		From        time.Time  `json:"from"`
		Until       time.Time  `json:"until"`
	}
	jsonAsset struct {
		ID           int64          `json:"id"`
		UID          string         `json:"uid"`
		Kind         string         `json:"kind"`
		KindTitle    string         `json:"kind_title"`
		Name         string         `json:"name"`
		Area         string         `json:"area"`
		Location     *flow.Location `json:"location,omitempty"`
		AddedByYou   bool           `json:"added_by_you"`
		ChangedByYou bool           `json:"changed_by_you"`
		CreatedAt    time.Time      `json:"created_at"`
		UpdatedAt    time.Time      `json:"updated_at"`
		ConfirmedAt  time.Time      `json:"confirmed_at"`
		StaleSince   time.Time      `json:"stale_since,omitzero"`
		RemovedAt    time.Time      `json:"removed_at,omitzero"`
		FlowVersion  int            `json:"flow_version"`
		Fields       []jsonField    `json:"fields"`
		YourVersions []jsonVersion  `json:"your_earlier_versions"`
	}
	jsonField struct {
		Key   string     `json:"key"`
		Label string     `json:"label"`
		Value flow.Value `json:"value"`
		Text  string     `json:"text"`
	}
	jsonVersion struct {
		Fields      []jsonField `json:"fields"`
		FlowVersion int         `json:"flow_version"`
		From        time.Time   `json:"from"`
		Until       time.Time   `json:"until"`
	}
	jsonLink struct {
		ID            int64     `json:"id"`
		Type          string    `json:"type"`
		Text          string    `json:"text"`
		Direction     string    `json:"direction"`
		Asset         *jsonEnd  `json:"asset,omitempty"`
		AnotherPerson bool      `json:"another_person,omitempty"`
		RecordedByYou bool      `json:"recorded_by_you"`
		CreatedAt     time.Time `json:"created_at"`
	}
	jsonEnd struct {
		ID   int64  `json:"id"`
		Name string `json:"name"`
		Kind string `json:"kind"`
	}
	jsonConsent struct {
		Purpose     string `json:"purpose"`
		Label       string `json:"label"`
		Granted     bool   `json:"granted"`
		Flow        string `json:"flow"`
		FlowVersion int    `json:"flow_version"`
		// TextVersion names the words the person answered (see
		// flow.TextVersion); "" for decisions from before it was kept.
		TextVersion string    `json:"text_version"`
		At          time.Time `json:"at"`
	}
	jsonReferral struct {
		// CameThrough is "volunteer", "neighbour" or "" (no link).
		CameThrough   string    `json:"came_through"`
		VolunteerName string    `json:"volunteer_name,omitempty"`
		At            time.Time `json:"at,omitzero"`
		Invited       int       `json:"invited"`
	}
	jsonVolunteer struct {
		Name      string    `json:"name"`
		Code      string    `json:"code"`
		Status    string    `json:"status"`
		CreatedAt time.Time `json:"created_at"`
	}
	jsonReminder struct {
		Kind   string    `json:"kind"`
		SentAt time.Time `json:"sent_at"`
	}
	jsonIntroduce struct {
		Message    string    `json:"message"`
		AskedAt    time.Time `json:"asked_at"`
		AnsweredAt time.Time `json:"answered_at,omitzero"`
		Shared     bool      `json:"shared"`
	}
)

// The directions of a link, as the JSON says them.
const (
	fromYou = "from_you"
	toYou   = "to_you"
)

// The ways a person came, as the JSON says them.
const (
	cameThroughVolunteer = "volunteer"
	cameThroughNeighbour = "neighbour"
)

// JSON is the document of everything held about the person, as at now,
// with questions and readable answers in lang: UTF-8, indented.
func JSON(d store.PersonData, w Words, lang string, now time.Time) ([]byte, error) {
	p := d.Person
	doc := document{Format: Format, Version: Version, GeneratedAt: now.UTC().Truncate(time.Millisecond), Language: lang,
		Person: jsonPerson{ID: p.ID, Channel: p.Channel, ChannelUserID: p.ChannelUserID, FirstName: p.FirstName, Language: p.Language,
			LanguageChosen: p.LanguageChosen, JoinedAt: p.CreatedAt, UpdatedAt: p.UpdatedAt, EntryConfirmedAt: d.Freshness.ConfirmedAt,
			StaleSince: d.Freshness.StaleAt, Reminders: p.Reminders, Reachable: p.Reachable, InviteCode: d.InviteCode},
		Answers: []jsonAnswer{}, Assets: []jsonAsset{}, Links: []jsonLink{}, Consents: []jsonConsent{},
		Referral: jsonReferral{Invited: d.Invited}, Reminders: []jsonReminder{}, Introductions: []jsonIntroduce{}}
	if c := d.Conversation; c != nil {
		doc.Conversation = &jsonConv{Flow: c.Flow, Status: c.Status, UpdatedAt: c.UpdatedAt}
	}
	for _, a := range d.Answers {
		label, _ := w.question(a.Flow, a.Key, lang)
		ja := jsonAnswer{Flow: a.Flow, Key: a.Key, Step: a.Step, Label: label, Value: a.Value, Text: w.answer(a.Flow, a.Key, a.Value, lang),
			FlowVersion: a.FlowVersion, AnsweredAt: a.CreatedAt, ChangedAt: a.UpdatedAt, ConfirmedAt: a.ConfirmedAt, WithdrawnAt: a.Withdrawn,
			History: []jsonEarlier{}}
		for _, h := range a.History {
			ja.History = append(ja.History, jsonEarlier{Value: h.Value, Text: w.answer(a.Flow, a.Key, h.Value, lang), FlowVersion: h.FlowVersion, From: h.ValidFrom, Until: h.ReplacedAt})
		}
		doc.Answers = append(doc.Answers, ja)
	}
	for _, a := range d.Assets {
		ja := jsonAsset{ID: a.ID, UID: a.UID, Kind: a.Kind, KindTitle: w.kind(a.Kind, lang), Name: a.Name, Area: a.Area, Location: a.Point,
			AddedByYou: a.AddedByThem, ChangedByYou: a.ChangedByThem, CreatedAt: a.CreatedAt, UpdatedAt: a.UpdatedAt, ConfirmedAt: a.ConfirmedAt,
			StaleSince: a.StaleAt, RemovedAt: a.RemovedAt, FlowVersion: a.FlowVersion, Fields: fields(w, a.Kind, a.Fields, lang), YourVersions: []jsonVersion{}}
		for _, v := range a.TheirVersions {
			ja.YourVersions = append(ja.YourVersions, jsonVersion{Fields: fields(w, a.Kind, v.Fields, lang), FlowVersion: v.FlowVersion, From: v.ValidFrom, Until: v.ReplacedAt})
		}
		doc.Assets = append(doc.Assets, ja)
	}
	for _, l := range d.Links {
		jl := jsonLink{ID: l.ID, Type: l.Type, Text: w.link(l.Type, lang), Direction: toYou, AnotherPerson: l.OtherPerson, RecordedByYou: l.RecordedByMe, CreatedAt: l.CreatedAt}
		if l.FromThem {
			jl.Direction = fromYou
		}
		if !l.OtherPerson {
			jl.Asset = &jsonEnd{ID: l.OtherAsset, Name: l.OtherName, Kind: l.OtherKind}
		}
		doc.Links = append(doc.Links, jl)
	}
	for _, c := range d.Consents {
		doc.Consents = append(doc.Consents, jsonConsent{Purpose: c.Purpose, Label: w.purpose(c.Flow, c.Purpose, lang), Granted: c.Granted, Flow: c.Flow, FlowVersion: c.FlowVersion, TextVersion: c.TextVersion, At: c.At})
	}
	if r := d.Referral; r != nil {
		doc.Referral.At, doc.Referral.CameThrough = r.At, cameThroughNeighbour
		if r.VolunteerName != "" {
			doc.Referral.CameThrough, doc.Referral.VolunteerName = cameThroughVolunteer, r.VolunteerName
		}
	}
	if v := d.Volunteer; v != nil {
		doc.Volunteer = &jsonVolunteer{Name: v.Name, Code: v.Code, Status: v.Status, CreatedAt: v.CreatedAt}
	}
	for _, r := range d.Reminders {
		doc.Reminders = append(doc.Reminders, jsonReminder{Kind: r.Kind, SentAt: r.SentAt})
	}
	for _, in := range d.Introductions {
		doc.Introductions = append(doc.Introductions, jsonIntroduce{Message: in.Message, AskedAt: in.CreatedAt, AnsweredAt: in.AnsweredAt, Shared: in.Shared})
	}
	data, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("encode the data of %d: %w", p.ID, err)
	}
	return append(data, '\n'), nil
}

// fields lists an asset's fields in the order its kind's flow asks them,
// then any it no longer asks, by key.
func fields(w Words, kind string, values map[string]flow.Value, lang string) []jsonField {
	var keys []string
	if f, ok := w.Flows[kind]; ok {
		for _, q := range f.Questions() {
			if _, held := values[q.Key]; held && !slices.Contains(keys, q.Key) {
				keys = append(keys, q.Key)
			}
		}
	}
	for _, k := range slices.Sorted(maps.Keys(values)) {
		if !slices.Contains(keys, k) {
			keys = append(keys, k)
		}
	}
	out := make([]jsonField, 0, len(keys))
	for _, k := range keys {
		label, _ := w.question(kind, k, lang)
		out = append(out, jsonField{Key: k, Label: label, Value: values[k], Text: w.answer(kind, k, values[k], lang)})
	}
	return out
}
