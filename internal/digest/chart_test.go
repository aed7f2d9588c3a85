package digest

import (
	"slices"
	"testing"

	"github.com/assetbot/assetbot/flows"
	"github.com/assetbot/assetbot/internal/flow"
	"github.com/assetbot/assetbot/internal/store"
)

// TestChartNamesKindsByTitle: the assets chart names each bar by its
// kind's flow title in the reader's language, as the text does, and by
// the kind's id when no flow in use has it.
func TestChartNamesKindsByTitle(t *testing.T) {
	all, problems := flow.LoadFS(flows.FS, ".")
	if len(problems) > 0 {
		t.Fatalf("shipped flows: %v", problems)
	}
	d := Digest{resident: all["resident"], flows: all, Kinds: []store.KindCount{
		{Kind: "association", Total: 3}, {Kind: "place", Total: 2}, {Kind: "removed_kind", Total: 1}}}
	tests := []struct {
		lang string
		want []string
	}{
		{"en", []string{"A group or club", "A place or space", "removed_kind"}},
		{"cy", []string{"Grŵp neu glwb", "Lle neu ofod", "removed_kind"}},
	}
	for _, tt := range tests {
		t.Run(tt.lang, func(t *testing.T) {
			p, err := kindBars(d, tt.lang)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, tick := range p.X.Tick.Marker.Ticks(p.X.Min, p.X.Max) {
				if tick.Label != "" {
					got = append(got, tick.Label)
				}
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("bars named %q; want %q", got, tt.want)
			}
			if title := all["resident"].Text(flow.MsgChartAssets, tt.lang); p.Title.Text != title {
				t.Errorf("chart titled %q; want %q", p.Title.Text, title)
			}
		})
	}
}
