package e2e

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/assetbot/assetbot/internal/flow"
)

// What the residents of TestWholeMap put on the map.
const (
	groupName      = "Hyde Park Allotments"
	groupMisspelt  = "hyde park allotmnets"
	placeName      = "Woodhouse Moor"
	groupsFlow     = "association"
	placesFlow     = "place"
	addPlaceAction = "add_" + placesFlow
)

var (
	// placePoint is where the place is, shared from the resident's phone.
	placePoint = flow.Location{Lat: 53.8143, Lon: -1.5645}
	// offTheEarth is a location no phone shares: latitudes end at ±90.
	offTheEarth = flow.Location{Lat: 200, Lon: -1.5645}
)

// TestWholeMap plays the whole map (issue 16) on the real binary. Hana
// names her group, which is not on the map yet, confirms her answers and
// then answers the questions about the group that follow; with /add she
// puts a place on the map, sharing its location (after one that cannot
// be right). Ivo misspells the group's name, is offered it and picks it.
// The map then holds the one group and the place, at the point shared,
// and each resident is linked with them as they said.
func TestWholeMap(t *testing.T) {
	d := newDeployment(t)
	bot := d.start()
	groups, places := shippedFlow(t, groupsFlow), shippedFlow(t, placesFlow)

	hana := newResident(t, d, 501, "Hana")
	hanaPlan := plan{
		"consent": {option: "yes"}, "hands": {ticks: []string{"gardening"}}, "head": {skip: true},
		"heart": {ticks: []string{"green_spaces"}}, "offer": {skip: true}, "learn": {skip: true},
		"time": {option: "hour_week"}, "when": {ticks: []string{"weekends"}}, "groups": {ticks: []string{"allotment"}},
		"connector": {option: "no"}, "contact": {option: "yes"}, "shown": {option: "no"}, "area": {text: "LS6"},
	}
	m := hana.play(hana.say("/start", "Hi Hana!"), hanaPlan, "group_name")
	m = hana.say(groupName, botSays(t, flow.MsgLookupLater, "name", groupName))
	if got := questionOf(mustFlow(t), m.Text); got != "connector" {
		t.Fatalf("after naming a group not on the map: got question %q in %q; want connector", got, m.Text)
	}
	m = hana.play(m, hanaPlan, "")
	m = hana.pick(m, "m", "confirm", botSays(t, flow.MsgLookupNext, "name", groupName))
	if !strings.Contains(m.Text, textSaved) {
		t.Errorf("questions about the group %q; want them after the thanks", m.Text)
	}
	if got := questionOf(groups, m.Text); got != "area" {
		t.Fatalf("first question about the group: got %q in %q; want area (its name is known)", got, m.Text)
	}
	m = hana.playFlow(groups, m, plan{
		"area": {text: "LS6"}, "role": {option: "member"}, "purpose": {text: "Grows veg and runs a seed swap each spring"},
		"kind": {option: "gardening"}, "meets_at": {skip: true}, "meets_when": {text: "Saturday mornings"},
		"size": {option: "30_to_100"}, "newcomers": {option: flow.Yes}, "contact": {skip: true}, "offer": {skip: true},
		"need": {text: "A water tap"},
	}, "", assetSummary(t, groupName))
	hana.pick(m, "m", "confirm", botSays(t, flow.MsgAssetSaved, "first_name", hana.name, "name", groupName))

	hana.command("/add")
	m = hana.pick(hana.next(botSays(t, flow.MsgAddMenu)), "m", addPlaceAction, askIn(t, places, "name"))
	placePlan := plan{
		"name": {text: placeName}, "kind": {option: "green_space"}, "owner": {skip: true}, "condition": {option: "good"},
		"access": {ticks: []string{"public", "free"}}, "hours": {text: "Always open"}, "role": {option: "uses"},
		"offer": {text: "A summer fair"},
	}
	m = hana.playFlow(places, m, placePlan, "location", assetSummary(t, placeName))
	if !sharesLocation(m) {
		t.Fatalf("location question's markup %+v; want a button that shares a location", m.Markup)
	}
	hana.share(offTheEarth)
	m = hana.next(botSays(t, flow.MsgBadLocation))
	if got := questionOf(places, m.Text); got != "location" || !sharesLocation(m) {
		t.Fatalf("after a location off the Earth: got question %q with markup %+v; want the location question again, with its button", got, m.Markup)
	}
	hana.share(placePoint)
	m = hana.next(botSays(t, flow.MsgGotLocation))
	if !m.Markup.RemoveKeyboard {
		t.Errorf("after a location taken: got markup %+v; want the location button removed", m.Markup)
	}
	m = hana.next(askIn(t, places, "owner", "name", placeName))
	m = hana.playFlow(places, m, placePlan, "", assetSummary(t, placeName))
	hana.pick(m, "m", "confirm", botSays(t, flow.MsgAssetSaved, "first_name", hana.name, "name", placeName))

	ivo := newResident(t, d, 502, "Ivo")
	ivoPlan := shortPlan()
	ivoPlan["groups"] = answer{ticks: []string{"allotment"}}
	m = ivo.play(ivo.say("/start", "Hi Ivo!"), ivoPlan, "group_name")
	m = ivo.say(groupMisspelt, botSays(t, flow.MsgLookupFound, "name", groupMisspelt))
	offered, ok := m.buttonLabelled(groupName)
	if !ok {
		t.Fatalf("lookup of %q offers %v; want a button for %s", groupMisspelt, m.Markup.InlineKeyboard, groupName)
	}
	// The answer echoed is the group's name, without the area its button
	// shows to tell it from others.
	m = ivo.pickEchoing(m, "o", offered, groupName, ask(t, "connector"))
	m = ivo.play(m, ivoPlan, "")
	// A group already on the map has nothing more to ask about.
	m = ivo.pick(m, "m", "confirm", textOffer(t))
	ivo.pick(m, "m", "no_thanks", textAddNothing(t))

	bot.awaitCallbackAnswers(t, hana.presses+ivo.presses)
	bot.terminate(t)
	hana.noMore()
	ivo.noMore()

	ex := d.wholeMap()
	hanaID, ivoID := ex.personID(t, hana.name), ex.personID(t, ivo.name)
	group := ex.onlyAsset(t, groupsFlow)
	if group.Name != groupName || group.Area != "LS6" || group.AddedBy != hanaID {
		t.Errorf("group on the map: got %q in %q added by %d; want %q in LS6 added by Hana (%d)", group.Name, group.Area, group.AddedBy, groupName, hanaID)
	}
	if want := flow.CandidateOption(group.ID); offered != want {
		t.Errorf("Ivo was offered option %q; want %q, the group on the map", offered, want)
	}
	place := ex.onlyAsset(t, placesFlow)
	if place.Name != placeName || place.Location == nil || *place.Location != placePoint || place.AddedBy != hanaID {
		t.Errorf("place on the map: got %q at %v added by %d; want %q at %v added by Hana (%d)", place.Name, place.Location, place.AddedBy, placeName, placePoint, hanaID)
	}
	place.checkField(t, "location", flow.Value{Location: &placePoint})

	want := []string{
		exportedLink{Type: flow.LinkMemberOf, From: personEnd(hanaID), To: assetEnd(group.ID)}.String(),
		exportedLink{Type: flow.LinkUses, From: personEnd(hanaID), To: assetEnd(place.ID)}.String(),
		exportedLink{Type: flow.LinkMemberOf, From: personEnd(ivoID), To: assetEnd(group.ID)}.String(),
	}
	if got := ex.linkList(); !slices.Equal(got, slices.Sorted(slices.Values(want))) {
		t.Errorf("links on the map:\n got %q\nwant %q", got, slices.Sorted(slices.Values(want)))
	}

	ivoWant := ivoPlan.expected(t)
	ivoWant["group_name"] = flow.Value{Asset: group.ID, Text: groupName}
	ex.check(t, ivo.name, ivoWant)
}

// botSays is the bot's own message id (flows/messages.yaml) in English,
// with the placeholders of vars (name, value, ...) filled in.
func botSays(t *testing.T, id string, vars ...string) string {
	t.Helper()
	return mustFlow(t).Text(id, "en", vars...)
}

// assetSummary is the start of the summary at the end of a run about the
// asset called name.
func assetSummary(t *testing.T, name string) string {
	t.Helper()
	return firstLine(botSays(t, flow.MsgAssetSummary, "name", name))
}

// sharesLocation reports whether m's reply keyboard has a button that
// shares the person's location.
func sharesLocation(m botMessage) bool {
	for _, row := range m.Markup.Keyboard {
		if slices.ContainsFunc(row, func(b button) bool { return b.RequestLocation }) {
			return true
		}
	}
	return false
}

// buttonLabelled returns the value of m's option button whose label starts
// with label: a lookup labels an asset it offers with its name, then any
// detail.
func (m botMessage) buttonLabelled(label string) (string, bool) {
	for _, row := range m.Markup.InlineKeyboard {
		for _, b := range row {
			parts := strings.SplitN(b.CallbackData, ":", 3)
			if len(parts) == 3 && parts[0] == "o" && strings.HasPrefix(b.Text, label) {
				return parts[2], true
			}
		}
	}
	return "", false
}

// exportedAsset is an asset in the JSON export, as far as the tests read it.
type exportedAsset struct {
	ID       int64           `json:"id"`
	Kind     string          `json:"kind"`
	Name     string          `json:"name"`
	Area     string          `json:"area"`
	Location *flow.Location  `json:"location"`
	AddedBy  int64           `json:"added_by"`
	Fields   []exportedField `json:"fields"`
}

// exportedField is one answer about an asset.
type exportedField struct {
	Key   string     `json:"key"`
	Value flow.Value `json:"value"`
}

// checkField checks that the asset's field key holds want.
func (a exportedAsset) checkField(t *testing.T, key string, want flow.Value) {
	t.Helper()
	i := slices.IndexFunc(a.Fields, func(f exportedField) bool { return f.Key == key })
	switch {
	case i < 0:
		t.Errorf("%s %q: no field %s; want %s", a.Kind, a.Name, key, show(want))
	case !a.Fields[i].Value.Equal(want):
		t.Errorf("%s %q: field %s: got %s; want %s", a.Kind, a.Name, key, show(a.Fields[i].Value), show(want))
	}
}

// exportedLink is a link in the JSON export.
type exportedLink struct {
	Type string      `json:"type"`
	From exportedEnd `json:"from"`
	To   exportedEnd `json:"to"`
}

// String is the link as "FROM TYPE TO", like "person:1 member_of asset:2".
func (l exportedLink) String() string { return fmt.Sprintf("%v %s %v", l.From, l.Type, l.To) }

// exportedEnd is an end of a link: a person or an asset.
type exportedEnd struct {
	Person int64 `json:"person,omitempty"`
	Asset  int64 `json:"asset,omitempty"`
}

func personEnd(id int64) exportedEnd { return exportedEnd{Person: id} }
func assetEnd(id int64) exportedEnd  { return exportedEnd{Asset: id} }

func (e exportedEnd) String() string {
	if e.Person != 0 {
		return fmt.Sprintf("person:%d", e.Person)
	}
	return fmt.Sprintf("asset:%d", e.Asset)
}

// personID returns the id of the one person exported called name.
func (ex exported) personID(t *testing.T, name string) int64 {
	t.Helper()
	var ids []int64
	for _, p := range ex.People {
		if p.FirstName == name {
			ids = append(ids, p.ID)
		}
	}
	if len(ids) != 1 {
		t.Fatalf("people called %s exported: got %d; want 1", name, len(ids))
	}
	return ids[0]
}

// onlyAsset returns the one asset of kind on the map, failing if there
// are none or more.
func (ex exported) onlyAsset(t *testing.T, kind string) exportedAsset {
	t.Helper()
	var found []exportedAsset
	for _, a := range ex.Assets {
		if a.Kind == kind {
			found = append(found, a)
		}
	}
	if len(found) != 1 {
		t.Fatalf("%s assets on the map: got %d (%+v); want 1", kind, len(found), found)
	}
	return found[0]
}

// linkList lists the links, sorted, each as its String.
func (ex exported) linkList() []string {
	out := make([]string, 0, len(ex.Links))
	for _, l := range ex.Links {
		out = append(out, l.String())
	}
	slices.Sort(out)
	return out
}

// wholeMap is the JSON export with the map's assets and links, as
// `assetbot export --format json` writes them. Call it once the bot has
// stopped.
func (d *deployment) wholeMap() exported {
	d.t.Helper()
	return d.export()
}
