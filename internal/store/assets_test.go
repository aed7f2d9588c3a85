package store_test

import (
	"context"
	"errors"
	"regexp"
	"slices"
	"testing"
	"time"

	"github.com/assetbot/assetbot/internal/flow"
	"github.com/assetbot/assetbot/internal/store"
)

// addAsset puts an association named name on the map, added by person by.
func addAsset(t *testing.T, st *store.Store, name string, by int64) store.Asset {
	t.Helper()
	var a store.Asset
	update(t, st, func(tx *store.Tx) (err error) {
		a, err = tx.CreateAsset(store.Asset{Kind: "association", Name: name, Area: "LS6", FlowVersion: 1,
			Fields: map[string]flow.Value{"name": {Text: name}, "area": {Text: "LS6"}}}, by)
		return err
	})
	return a
}

var uuidPattern = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

func TestAssetLifecycle(t *testing.T) {
	c := newClock()
	st, _ := open(t, c.Option())
	bob := addPerson(t, st, 1)
	carol := addPerson(t, st, 2)
	a := addAsset(t, st, "Hyde Park Allotments", bob.ID)
	if !uuidPattern.MatchString(a.UID) || a.AddedBy != bob.ID || a.Rev != 1 || !a.ConfirmedAt.Equal(c.Now()) {
		t.Fatalf("created %+v; want a v4 uuid, added by %d, revision 1, confirmed now", a, bob.ID)
	}
	other := addAsset(t, st, "Chess club", bob.ID)
	if other.UID == a.UID || other.Rev != 2 {
		t.Errorf("second asset uid %s rev %d; want a new uid and revision 2", other.UID, other.Rev)
	}

	// The same fields again only confirm it; new ones keep the old in history.
	c.Advance(time.Hour)
	changed := a
	changed.Fields = map[string]flow.Value{"name": {Text: "Hyde Park Allotments"}, "area": {Text: "LS6"}}
	update(t, st, func(tx *store.Tx) error {
		got, err := tx.SaveAsset(changed, carol.ID)
		if err != nil || got {
			t.Errorf("saving the same fields = %v, %v; want no change", got, err)
		}
		changed.Fields["purpose"] = flow.Value{Text: "Growing food"}
		changed.Point = &flow.Location{Lat: 53.81, Lon: -1.57}
		got, err = tx.SaveAsset(changed, carol.ID)
		if err != nil || !got {
			t.Errorf("saving new fields = %v, %v; want a change", got, err)
		}
		h, err := tx.AssetHistory(a.ID)
		if err != nil || len(h) != 1 || len(h[0].Fields) != 2 || h[0].ChangedBy != bob.ID {
			t.Errorf("history %+v, %v; want the first version, by %d", h, err, bob.ID)
		}
		now, err := tx.Asset(a.ID)
		if err != nil || now.ChangedBy != carol.ID || now.Fields["purpose"].Text != "Growing food" || now.Point == nil || now.Rev != 3 || !now.ConfirmedAt.Equal(c.Now()) {
			t.Errorf("asset now %+v, %v; want carol's fields at revision 3, confirmed now", now, err)
		}
		return nil
	})

	// Links: replacing a source's links, people's assets, removal.
	update(t, st, func(tx *store.Tx) error {
		for _, l := range [][]store.Link{
			{{Type: flow.LinkRuns, From: store.PersonEnd(carol.ID), To: store.AssetEnd(a.ID), RecordedBy: carol.ID}},
			{{Type: flow.LinkMemberOf, From: store.PersonEnd(carol.ID), To: store.AssetEnd(a.ID), RecordedBy: carol.ID}},
		} {
			if err := tx.ReplaceLinks("association#1@2", l); err != nil {
				t.Fatal(err)
			}
		}
		if err := tx.ReplaceLinks("place#9/owner", []store.Link{{Type: flow.LinkUses, From: store.AssetEnd(other.ID), To: store.AssetEnd(a.ID)}}); err != nil {
			t.Fatal(err)
		}
		mine, err := tx.PersonAssets(carol.ID)
		if err != nil || len(mine) != 1 || mine[0].Asset.ID != a.ID || mine[0].Added || !slices.Equal(mine[0].Links, []string{flow.LinkMemberOf}) {
			t.Errorf("carol's assets %+v, %v; want only the allotments, as a member (the replaced link gone)", mine, err)
		}
		mine, err = tx.PersonAssets(bob.ID)
		if err != nil || len(mine) != 2 || !mine[0].Added || len(mine[0].Links) != 0 {
			t.Errorf("bob's assets %+v, %v; want the two he added", mine, err)
		}
		n, err := tx.OthersLinked(a.ID, carol.ID)
		if err != nil || n != 1 {
			t.Errorf("others linked with the allotments than carol = %d, %v; want the chess club's link", n, err)
		}
		if pa, err := tx.PersonAsset(carol.ID, a.ID); err != nil || !slices.Equal(pa.Links, []string{flow.LinkMemberOf}) {
			t.Errorf("carol with the allotments: %+v, %v; want a member", pa, err)
		}
		if _, err := tx.PersonAsset(carol.ID, other.ID); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("carol with the chess club: %v; want ErrNotFound", err)
		}
		if has, err := tx.HasAssets(carol.ID); err != nil || !has {
			t.Errorf("carol has assets = %v, %v; want true", has, err)
		}
		if err := tx.Unlink(carol.ID, a.ID); err != nil {
			t.Fatal(err)
		}
		if mine, _ := tx.PersonAssets(carol.ID); len(mine) != 0 {
			t.Errorf("after unlinking carol has %+v; want nothing", mine)
		}
		if has, err := tx.HasAssets(carol.ID); err != nil || has {
			t.Errorf("after unlinking carol has assets = %v, %v; want false", has, err)
		}
		if err := tx.RemoveAsset(a.ID, bob.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := tx.Asset(a.ID); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("reading a removed asset: %v; want ErrNotFound", err)
		}
		if err := tx.RemoveAsset(a.ID, bob.ID); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("removing it twice: %v; want ErrNotFound", err)
		}
		if err := tx.ConfirmAsset(a.ID); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("confirming a removed asset: %v; want ErrNotFound", err)
		}
		return nil
	})
	var links int
	if err := st.Links(context.Background(), func(store.Link) error { links++; return nil }); err != nil || links != 0 {
		t.Errorf("links after removing the asset they join: %d, %v; want none", links, err)
	}

	// The directory reads what changed since a revision: the removal too.
	var seen []string
	rev, err := st.AssetsSince(context.Background(), 2, func(a store.Asset) error {
		seen = append(seen, a.Name+" removed="+zeroText(a.RemovedAt.IsZero()))
		return nil
	})
	if err != nil || rev != 4 || !slices.Equal(seen, []string{"Hyde Park Allotments removed=false"}) {
		t.Errorf("since revision 2: %q up to %d, %v; want the removal at revision 4", seen, rev, err)
	}
	var kinds []string
	if err := st.Assets(context.Background(), "association", func(a store.Asset) error { kinds = append(kinds, a.Name); return nil }); err != nil || !slices.Equal(kinds, []string{"Chess club"}) {
		t.Errorf("associations on the map %q, %v; want only the chess club", kinds, err)
	}
}

// zeroText says whether a removal time is unset, as "true" or "false".
func zeroText(zero bool) string {
	if zero {
		return "true"
	}
	return "false"
}

func TestLinkEnds(t *testing.T) {
	st, _ := open(t)
	p := addPerson(t, st, 1)
	a := addAsset(t, st, "Chess club", p.ID)
	tests := []struct {
		name string
		link store.Link
	}{
		{"no from", store.Link{Type: flow.LinkUses, To: store.AssetEnd(a.ID)}},
		{"both ends at once", store.Link{Type: flow.LinkUses, From: store.End{Person: p.ID, Asset: a.ID}, To: store.AssetEnd(a.ID)}},
		{"a person who does not exist", store.Link{Type: flow.LinkUses, From: store.PersonEnd(999), To: store.AssetEnd(a.ID)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := st.Update(context.Background(), func(tx *store.Tx) error { return tx.ReplaceLinks("t", []store.Link{tt.link}) })
			if err == nil {
				t.Errorf("stored a link %+v; want it refused", tt.link)
			}
		})
	}
	// The same link from two sources is one link.
	l := store.Link{Type: flow.LinkMemberOf, From: store.PersonEnd(p.ID), To: store.AssetEnd(a.ID), RecordedBy: p.ID}
	update(t, st, func(tx *store.Tx) error {
		if err := tx.ReplaceLinks("one", []store.Link{l}); err != nil {
			return err
		}
		return tx.ReplaceLinks("two", []store.Link{l})
	})
	n := 0
	if err := st.Links(context.Background(), func(store.Link) error { n++; return nil }); err != nil || n != 1 {
		t.Errorf("%d links, %v; want one", n, err)
	}
}
