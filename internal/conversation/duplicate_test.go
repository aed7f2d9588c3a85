package conversation

import (
	"slices"
	"testing"

	"github.com/assetbot/assetbot/internal/flow"
	"github.com/assetbot/assetbot/internal/store"
)

// TestDuplicateMenuText checks what the duplicate check says when the
// group being added is on the map once (it names that one) and more than
// once (it names what was typed, and the options name each).
func TestDuplicateMenuText(t *testing.T) {
	const typed = "Hyde Park Allotments"
	onMap := []struct{ name, area string }{{"Hyde Park Allotments", "LS6"}, {"hyde park allotments", "ls6"}}
	tests := []struct {
		name     string
		existing int // how many of onMap are on the map
		want     string
		options  int // the "same_" options offered
	}{
		{name: "once", existing: 1, want: (&flow.Flow{}).Text(flow.MsgDuplicate, "en", "existing", "Hyde Park Allotments (LS6)"), options: 1},
		{name: "twice", existing: 2, want: (&flow.Flow{}).Text(flow.MsgDuplicates, "en", "name", typed), options: 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newWorld(t, shippedFlows(t))
			w.update(func(tx *store.Tx) error {
				for _, a := range onMap[:tt.existing] {
					fields := map[string]flow.Value{"name": {Text: a.name}, "area": {Text: a.area}}
					if _, err := tx.CreateAsset(store.Asset{Kind: "association", Name: a.name, Area: a.area, Fields: fields, FlowVersion: 1}, 0); err != nil {
						return err
					}
				}
				return nil
			})
			p := w.person("Eve")
			p.finish()
			shows(t, p.send(Event{Kind: EventAdd}), menuAdd)
			asks(t, p.press(addPrefix+"association"), "name")
			asks(t, p.say(typed), "area")
			m := shows(t, p.say("LS6"), menuDup)
			if m.Text != tt.want {
				t.Errorf("got text %q; want %q", m.Text, tt.want)
			}
			ids := optionIDs(m)
			same := len(slices.DeleteFunc(slices.Clone(ids), func(id string) bool { return id == actDifferent }))
			if same != tt.options || !slices.Contains(ids, actDifferent) {
				t.Errorf("got options %q; want %d for the ones on the map and %q", ids, tt.options, actDifferent)
			}
		})
	}
}
