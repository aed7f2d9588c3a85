package conversation

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/assetbot/assetbot/internal/flow"
	"github.com/assetbot/assetbot/internal/store"
)

// fill answers questions until the reply shows a menu (or no question),
// typing answers[step] at each; a question not in answers is skipped, and
// must be optional. It returns the reply that ends on the menu.
func (p *person) fill(r Reply, answers map[string]string) Reply {
	p.t.Helper()
	for i := 0; i < 50; i++ {
		q, ok := question(r)
		if !ok || q.Menu != "" {
			return r
		}
		text, ok := answers[q.Step]
		switch {
		case ok && strings.HasPrefix(text, "!"):
			r = p.press(strings.TrimPrefix(text, "!"))
		case ok:
			r = p.say(text)
		case q.Optional:
			r = p.do(flow.InputSkip)
		default:
			p.t.Fatalf("asked %q (%s) with no answer given", q.Step, describe(r))
		}
	}
	p.t.Fatalf("still asking after 50 answers: %s", describe(r))
	return r
}

// association is what a person answers to add one.
func association(name, area, role string) map[string]string {
	return map[string]string{"name": name, "area": area, "role": "!" + role, "purpose": "Growing food", "kind": "!gardening", "size": "!10_to_30"}
}

// addAssociation adds an association by /add and confirms its summary.
func (p *person) addAssociation(name, area, role string) store.Asset {
	p.t.Helper()
	shows(p.t, p.send(Event{Kind: EventAdd}), menuAdd)
	r := p.fill(p.press(addPrefix+"association"), association(name, area, role))
	shows(p.t, r, menuSummary)
	says(p.t, p.press(actConfirm), en(flow.MsgAssetSaved, p.id.FirstName, "name", name))
	return p.lastAsset()
}

// mine returns the person's assets.
func (p *person) mine() []store.PersonAsset {
	p.t.Helper()
	var mine []store.PersonAsset
	p.update(func(tx *store.Tx) error {
		per, err := tx.Person(p.id.Channel, p.id.UserID)
		if err != nil {
			return err
		}
		mine, err = tx.PersonAssets(per.ID)
		return err
	})
	return mine
}

// lastAsset returns the asset added last, of any kind.
func (p *person) lastAsset() store.Asset {
	p.t.Helper()
	var last store.Asset
	if err := p.st.Assets(context.Background(), "", func(a store.Asset) error { last = a; return nil }); err != nil {
		p.t.Fatal(err)
	}
	return last
}

// assetCount counts the assets on the map.
func (w *world) assetCount() int {
	w.t.Helper()
	n := 0
	if err := w.st.Assets(context.Background(), "", func(store.Asset) error { n++; return nil }); err != nil {
		w.t.Fatal(err)
	}
	return n
}

func TestAddAssociation(t *testing.T) {
	w := newWorld(t, shippedFlows(t))
	bob := w.person("Bob")
	a := bob.addAssociation("Hyde Park Allotments", "LS6", "runs")
	if a.Name != "Hyde Park Allotments" || a.Area != "LS6" || a.Fields["purpose"].Text != "Growing food" || a.Kind != "association" {
		t.Errorf("stored %+v; want the allotments in LS6 with what they do", a)
	}
	mine := bob.mine()
	if len(mine) != 1 || !mine[0].Added || !slices.Equal(mine[0].Links, []string{flow.LinkRuns}) {
		t.Errorf("bob's assets %+v; want the one he added and runs", mine)
	}
}

func TestMemberLinksToAssociationOnTheMap(t *testing.T) {
	w := newWorld(t, shippedFlows(t))
	hyde := w.person("Bob").addAssociation("Hyde Park Allotments", "LS6", "runs")
	ada := w.person("Ada")
	ada.answerUpTo("groups")
	ada.press("allotment")
	asks(t, ada.do(flow.InputDone), "group_name")
	r := ada.say("hyde prak allotments") // misspelt
	q := asks(t, r, "group_name")
	if len(q.Options) != 2 || q.Options[0].ID != flow.CandidateOption(hyde.ID) || q.Options[1].ID != flow.OptionNew {
		t.Fatalf("offered %+v; want the allotments, then none of these", q.Options)
	}
	asks(t, ada.press(flow.CandidateOption(hyde.ID)), "connector")
	if mine := ada.mine(); len(mine) != 1 || mine[0].Asset.ID != hyde.ID || mine[0].Added || !slices.Equal(mine[0].Links, []string{flow.LinkMemberOf}) {
		t.Errorf("ada's assets %+v; want a member of the allotments", mine)
	}
	// Changing the answer replaces the link it made.
	ada.do(flow.InputBack)
	asks(t, ada.say("Bowls club"), "connector")
	if mine := ada.mine(); len(mine) != 0 {
		t.Errorf("after naming another group ada has %+v; want no link to the allotments", mine)
	}
	if w.assetCount() != 1 {
		t.Errorf("%d assets; want the allotments only until the bowls club is added", w.assetCount())
	}
}

func TestNewGroupIsAddedAfterTheFlow(t *testing.T) {
	w := newWorld(t, shippedFlows(t))
	ada := w.person("Ada")
	ada.answerUpTo("groups")
	ada.press("allotment")
	asks(t, ada.do(flow.InputDone), "group_name")
	r := ada.say("Meanwood Allotments")
	if !strings.Contains(r.Messages[0].Text, "“Meanwood Allotments” isn't on the map yet") {
		t.Errorf("got %s; want to be told it comes later", describe(r))
	}
	asks(t, r, "connector")
	asks(t, ada.do(flow.InputSkip), "contact")
	ada.consentTo("contact", "shown")
	shows(t, ada.say("LS6"), menuSummary)
	r = ada.press(actConfirm)
	// The thanks, then the group's questions, its name already known.
	if !strings.Contains(describe(r), "Now, about “Meanwood Allotments”") {
		t.Fatalf("after the summary got %s; want the group's questions", describe(r))
	}
	if q, _ := question(r); q.Step == "name" {
		t.Fatalf("asked the group's name again: %s", describe(r))
	}
	r = ada.fill(r, association("", "LS6", "knows_of"))
	shows(t, r, menuSummary)
	if a := ada.lastAsset(); a.Name != "Meanwood Allotments" {
		t.Fatalf("added %+v; want the group named in the lookup", a)
	}
	says(t, ada.press(actConfirm), en(flow.MsgAssetSaved, "Ada", "name", "Meanwood Allotments"))
	mine := ada.mine()
	if len(mine) != 1 || mine[0].Asset.Name != "Meanwood Allotments" || !slices.Equal(mine[0].Links, []string{flow.LinkMemberOf}) {
		t.Fatalf("ada's assets %+v; want the new group, as a member (what the lookup asked)", mine)
	}
	// Her answer now points at the group, so going through her answers
	// again and keeping it keeps the link and adds nothing.
	var answers map[string]store.StoredAnswer
	ada.update(func(tx *store.Tx) error {
		p, err := tx.Person(ada.id.Channel, ada.id.UserID)
		if err == nil {
			answers, err = tx.Answers(p.ID, "resident")
		}
		return err
	})
	if got := answers["group_name"].Value; got.Asset != mine[0].Asset.ID || got.New {
		t.Errorf("her group answer is %+v; want it to point at asset %d", got, mine[0].Asset.ID)
	}
	ada.send(Event{Kind: EventMe})
	r = ada.press(actAgain)
	for i := 0; i < len(residentAnswers)+3; i++ {
		q, _ := question(r)
		if q.Menu != "" {
			break
		}
		if q.Current == "" {
			r = ada.do(flow.InputSkip) // skipped before: skipped again
		} else {
			r = ada.do(flow.InputKeep)
		}
	}
	shows(t, r, menuSummary)
	if mine := ada.mine(); len(mine) != 1 || !slices.Equal(mine[0].Links, []string{flow.LinkMemberOf}) || w.assetCount() != 1 {
		t.Errorf("after going through again ada has %+v and the map %d assets; want the same one group, as a member", mine, w.assetCount())
	}
}

func TestDuplicateCheck(t *testing.T) {
	for _, tt := range []struct {
		name   string
		choose string
		assets int
	}{
		{"the same one: it is updated", samePrefix, 1},
		{"a different one: a chess is added", actDifferent, 2},
	} {
		t.Run(tt.name, func(t *testing.T) {
			w := newWorld(t, shippedFlows(t))
			hyde := w.person("Bob").addAssociation("Hyde Park Allotments", "LS6", "runs")
			carol := w.person("Carol")
			carol.send(Event{Kind: EventAdd})
			carol.press(addPrefix + "association")
			carol.say("hyde park allotments")
			r := carol.say("ls6")
			q := shows(t, r, menuDup)
			if !strings.Contains(q.Text, "“Hyde Park Allotments (LS6)” is already on the map") {
				t.Errorf("asked %q; want the one on the map named", q.Text)
			}
			choice := tt.choose
			if choice == samePrefix {
				choice += itoa(hyde.ID)
			}
			r = carol.press(choice)
			q = asks(t, r, "role")
			if choice != actDifferent && q.Current != "" {
				t.Errorf("role offers to keep %q; want no answer of Carol's own yet", q.Current)
			}
			answers := association("", "", "member")
			answers["purpose"] = "Growing food and flowers"
			r = carol.fill(r, answers)
			if tt.choose == samePrefix {
				// The existing entry's answers are offered to keep: kept
				// by pressing Keep for those Carol did not change.
				shows(t, r, menuSummary)
			}
			carol.press(actConfirm)
			if n := w.assetCount(); n != tt.assets {
				t.Fatalf("%d assets on the map; want %d", n, tt.assets)
			}
			if tt.choose == samePrefix {
				var a store.Asset
				w.update(func(tx *store.Tx) (err error) { a, err = tx.Asset(hyde.ID); return err })
				if a.Name != "Hyde Park Allotments" || a.Fields["purpose"].Text != "Growing food and flowers" {
					t.Errorf("the allotments now %+v; want the name as it was and Carol's purpose", a)
				}
			}
			if mine := carol.mine(); len(mine) != 1 || !slices.Equal(mine[0].Links, []string{flow.LinkMemberOf}) {
				t.Errorf("carol's assets %+v; want one, as a member", mine)
			}
		})
	}
}

func TestMyAssets(t *testing.T) {
	w := newWorld(t, shippedFlows(t))
	bob := w.person("Bob")
	hyde := bob.addAssociation("Hyde Park Allotments", "LS6", "runs")
	chess := bob.addAssociation("Chess club", "LS4", "member")
	w.person("Ada").addAssociation("Chess club", "LS7", "member") // not Bob's
	ada := w.person("Ada")
	// Ada links to Bob's chess club too.
	ada.update(func(tx *store.Tx) error {
		p, err := tx.Person(ada.id.Channel, ada.id.UserID)
		if err != nil {
			return err
		}
		return tx.ReplaceLinks("test", []store.Link{{Type: flow.LinkMemberOf, From: store.PersonEnd(p.ID), To: store.AssetEnd(chess.ID), RecordedBy: p.ID}})
	})

	// No resident answers: /me goes straight to the assets.
	q := shows(t, bob.send(Event{Kind: EventMe}), menuMine)
	if !strings.Contains(q.Text, "• Hyde Park Allotments (A group or club): you added it, you run it") || len(q.Options) != 2 {
		t.Errorf("/me shows %q with %d options; want both of Bob's groups, with how he is linked", q.Text, len(q.Options))
	}
	// Change an answer of one.
	shows(t, bob.press(assetPrefix+itoa(hyde.ID)), menuAsset)
	shows(t, bob.press(actChange), menuChange)
	asks(t, bob.press(changePrefix+"purpose"), "purpose")
	shows(t, bob.say("Growing food for the food bank"), menuSummary)
	var a store.Asset
	w.update(func(tx *store.Tx) (err error) { a, err = tx.Asset(hyde.ID); return err })
	if a.Fields["purpose"].Text != "Growing food for the food bank" || a.Fields["size"].Choice != "10_to_30" {
		t.Errorf("after the change %+v; want the new purpose and the rest kept", a.Fields)
	}
	says(t, bob.press(actConfirm), en(flow.MsgAssetSaved, "Bob", "name", "Hyde Park Allotments"))

	// Removing: the allotments go; the chess club, which Ada is in, stays.
	for _, tt := range []struct {
		id            int64
		asked, result string
	}{
		{hyde.ID, "Take “Hyde Park Allotments” off the map?", en(flow.MsgAssetRemoved, "Bob", "name", "Hyde Park Allotments")},
		{chess.ID, "Others are linked with “Chess club”", en(flow.MsgLinkRemoved, "Bob", "name", "Chess club")},
	} {
		bob.send(Event{Kind: EventMe})
		bob.press(assetPrefix + itoa(tt.id))
		if q := shows(t, bob.press(actRemove), menuRemove); !strings.Contains(q.Text, tt.asked) {
			t.Errorf("asked %q; want %q", q.Text, tt.asked)
		}
		says(t, bob.press(actRemoveYes), tt.result)
	}
	if n := w.assetCount(); n != 2 {
		t.Errorf("%d assets; want both chess clubs", n)
	}
	if mine := bob.mine(); len(mine) != 1 || mine[0].Asset.ID != chess.ID || len(mine[0].Links) != 0 {
		t.Errorf("bob's assets %+v; want the chess club he added, with no link of his", mine)
	}
	// The removed one is no longer offered: a forged press of it is refused.
	bob.send(Event{Kind: EventMe})
	q = shows(t, bob.press(assetPrefix+itoa(hyde.ID)), menuMine)
	if q.Problem == "" || len(q.Options) != 1 {
		t.Errorf("a press of the removed asset got %q with %d options; want the list again, with a problem", q.Problem, len(q.Options))
	}
}

func TestAssetBadInput(t *testing.T) {
	tests := []struct {
		name  string
		kind  string
		steps map[string]flow.Input
		at    string // the step asked again
		want  string // in the problem
	}{
		{"empty name", "association", nil, "name", "I didn't catch an answer"},
		{"10,000 characters", "association", nil, "name", "keep it to 120 characters at most"},
		{"only emoji", "association", nil, "name", "at least one letter or number"},
		{"latitude out of range", "place", map[string]flow.Input{"name": {Kind: flow.InputText, Text: "The Old Library"}, "kind": {Kind: flow.InputText, Text: "2"}}, "location", "That location doesn't look right"},
	}
	inputs := map[string]flow.Input{
		"empty name":            {Kind: flow.InputText, Text: " \u200b "},
		"10,000 characters":     {Kind: flow.InputText, Text: strings.Repeat("a", 10000)},
		"only emoji":            {Kind: flow.InputText, Text: "🎸🎸"},
		"latitude out of range": {Kind: flow.InputLocation, Lat: 200, Lon: 10},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newWorld(t, shippedFlows(t))
			p := w.person("Ann")
			p.send(Event{Kind: EventAdd})
			r := p.press(addPrefix + tt.kind)
			for q, _ := question(r); q.Step != tt.at; q, _ = question(r) {
				r = p.send(Event{Kind: EventInput, Input: tt.steps[q.Step]})
			}
			r = p.send(Event{Kind: EventInput, Input: inputs[tt.name]})
			q := asks(t, r, tt.at)
			if !strings.Contains(q.Problem, tt.want) {
				t.Errorf("problem %q; want %q", q.Problem, tt.want)
			}
			// Stopping here stores nothing half-done.
			p.do(flow.InputCancel)
			if n := w.assetCount(); n != 0 {
				t.Errorf("%d assets after a run stopped part-way; want none", n)
			}
		})
	}
}

func itoa(id int64) string { return strconv.FormatInt(id, 10) }

func TestDuplicateMenuOutOfDate(t *testing.T) {
	w := newWorld(t, shippedFlows(t))
	bob := w.person("Bob")
	chess := bob.addAssociation("Chess club", "LS6", "runs")
	carol := w.person("Carol")
	carol.send(Event{Kind: EventAdd})
	carol.press(addPrefix + "association")
	carol.say("Chess club")
	shows(t, carol.say("LS6"), menuDup)
	// Meanwhile the chess club is renamed: Carol's press of it gets the
	// menu as it is now, which offers nothing but to carry on, so she does.
	w.update(func(tx *store.Tx) error {
		chess.Fields["name"] = flow.Value{Text: "Chess and draughts club"}
		chess.Name = "Chess and draughts club"
		_, err := tx.SaveAsset(chess, bob.turnPerson(tx))
		return err
	})
	r := carol.press(samePrefix + itoa(chess.ID))
	if r.Outcome == flow.OutcomeInvalid {
		t.Errorf("a press of a match no longer on the map: %s, outcome invalid; want to carry on", describe(r))
	}
	asks(t, r, "role")
	if n := w.assetCount(); n != 1 {
		t.Errorf("%d assets; want Bob's alone until Carol's run is over", n)
	}
}

// turnPerson returns the person's id, inside a transaction.
func (p *person) turnPerson(tx *store.Tx) int64 {
	per, err := tx.Person(p.id.Channel, p.id.UserID)
	if err != nil {
		p.t.Fatal(err)
	}
	return per.ID
}

func TestOwnerNamedIsAddedAndPointedAt(t *testing.T) {
	w := newWorld(t, shippedFlows(t))
	bo := w.person("Bo")
	bo.send(Event{Kind: EventAdd})
	r := bo.fill(bo.press(addPrefix+"place"), map[string]string{
		"name": "Woodhouse Moor", "kind": "1", "location": "LS6 2AB", "owner": "Leeds City Council", "condition": "1", "role": "1",
	})
	shows(t, r, menuSummary)
	place := bo.lastAsset()
	if v := place.Fields["owner"]; !v.New || v.Text != "Leeds City Council" {
		t.Fatalf("the place's owner is %+v; want the name, not yet on the map", v)
	}
	// Confirming the place goes on to the council, its name known.
	r = bo.fill(bo.press(actConfirm), map[string]string{"area": "LS1", "role": "!knows_of", "kind": "!council", "services": "Runs the parks"})
	shows(t, r, menuSummary)
	bo.press(actConfirm)
	council := bo.lastAsset()
	if council.Kind != "organisation" || council.Name != "Leeds City Council" {
		t.Fatalf("added %+v; want the council", council)
	}
	var now store.Asset
	w.update(func(tx *store.Tx) (err error) { now, err = tx.Asset(place.ID); return err })
	if v := now.Fields["owner"]; v.Asset != council.ID || v.New {
		t.Errorf("the place's owner is now %+v; want it to point at the council (%d)", v, council.ID)
	}
	var owns []string
	if err := w.st.Links(context.Background(), func(l store.Link) error {
		if l.Type == flow.LinkOwns {
			owns = append(owns, l.From.String()+">"+l.To.String())
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if want := []string{store.AssetEnd(council.ID).String() + ">" + store.AssetEnd(place.ID).String()}; !slices.Equal(owns, want) {
		t.Errorf("owns links %q; want %q", owns, want)
	}
}
