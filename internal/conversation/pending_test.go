package conversation

import (
	"slices"
	"strings"
	"testing"

	"github.com/assetbot/assetbot/internal/flow"
	"github.com/assetbot/assetbot/internal/store"
)

// TestGroupNamedAddedAfterwards names a group not on the map in the
// resident flow: once the summary is confirmed, the run about it knows its
// name in every question, not just the first, and at its end the group is
// on the map under that name with the person a member, as the resident
// flow's answer says, though they answer that they only know of it.
func TestGroupNamedAddedAfterwards(t *testing.T) {
	const group = "Hyde Park Allotments"
	fl := shippedFlows(t)
	w := newWorld(t, fl)
	ada := w.person("Ada")
	ada.answerUpTo("groups")
	asks(t, ada.say("5"), "group_name") // Allotment
	asks(t, ada.say(group), "connector")
	asks(t, ada.say("no"), "contact")
	ada.consentTo("contact", "shown")
	shows(t, ada.say("LS6"), menuSummary)

	r := ada.press(actConfirm)
	// Each question of the group's run, and the answer that follows it.
	steps := []struct {
		step   string
		answer func() Reply
	}{
		{"area", func() Reply { return ada.say("LS6") }},
		{"role", func() Reply { return ada.press("knows_of") }},
		{"purpose", func() Reply { return ada.say("Grows veg") }},
		{"kind", func() Reply { return ada.press("gardening") }},
		{"meets_at", func() Reply { return ada.do(flow.InputSkip) }},
		{"meets_when", func() Reply { return ada.do(flow.InputSkip) }},
		{"size", func() Reply { return ada.press("10_to_30") }},
		{"newcomers", func() Reply { return ada.do(flow.InputSkip) }},
		{"contact", func() Reply { return ada.do(flow.InputSkip) }},
		{"offer", func() Reply { return ada.do(flow.InputSkip) }},
		{"need", func() Reply { return ada.do(flow.InputSkip) }},
	}
	for _, s := range steps {
		q := asks(t, r, s.step)
		if strings.Contains(fl["association"].Step(s.step).Text.In("en"), "{name}") && !strings.Contains(q.Text, group) {
			t.Errorf("question %s reads %q; want it to name %s", s.step, q.Text, group)
		}
		r = s.answer()
	}
	shows(t, r, menuSummary)
	ada.press(actConfirm)

	var mine []store.PersonAsset
	ada.update(func(tx *store.Tx) error {
		p, err := tx.Person(ada.id.Channel, ada.id.UserID)
		if err != nil {
			return err
		}
		mine, err = tx.PersonAssets(p.ID)
		return err
	})
	if len(mine) != 1 || mine[0].Asset.Name != group || mine[0].Asset.Kind != "association" || !mine[0].Added {
		t.Fatalf("Ada's assets: got %+v; want the association %s, added by her", mine, group)
	}
	if !slices.Equal(mine[0].Links, []string{flow.LinkMemberOf}) {
		t.Errorf("Ada's links with %s: got %v; want [member_of], from her answer in the resident flow", group, mine[0].Links)
	}
}
