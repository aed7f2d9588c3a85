package store

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
)

// TestReminderQueriesUseIndexes checks that what a reminders run does
// about assets walks an index from where it starts: no scan of every asset
// or reminder and no sort, so a run over 100,000 assets costs what it
// plans or marks, a page at a time.
func TestReminderQueriesUseIndexes(t *testing.T) {
	st := planStore(t)
	for _, tc := range []struct {
		name  string
		query string
		args  []any
		want  string
	}{
		{"plan asset refreshes", planAssetRefreshes, []any{ReminderRefreshAsset, "", "", "", "", 0, "", 10},
			"SEARCH a USING INDEX assets_confirmed (confirmed_at>? AND confirmed_at<?)"},
		{"mark assets stale", markAssetsStale, []any{"", ReminderRefreshAsset, OutcomeSent, ""},
			"SEARCH r USING INDEX reminders_unclosed (kind=? AND outcome=? AND sent_at<?)"},
		{"close refreshes", closeRefreshesSQL, []any{ReminderRefresh, OutcomeSent, ""},
			"SEARCH reminders USING INDEX reminders_unclosed (kind=? AND outcome=? AND sent_at<?)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := queryPlan(t, st, tc.query, tc.args...)
			if !strings.Contains(got, tc.want) || strings.Contains(got, "SCAN") || strings.Contains(got, "TEMP B-TREE") {
				t.Errorf("query plan:\n%s\nwant %q, no scan and no sort", got, tc.want)
			}
		})
	}
}

// planStore opens an empty store whose queries' plans a test reads.
func planStore(t *testing.T) *Store {
	t.Helper()
	st, err := Open(context.Background(), filepath.Join(t.TempDir(), "assetbot.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// queryPlan returns SQLite's plan for query, one step a line.
func queryPlan(t *testing.T, st *Store, query string, args ...any) string {
	t.Helper()
	rows, err := st.db.Query(`EXPLAIN QUERY PLAN `+query, args...)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var plan []string
	for rows.Next() {
		var id, parent, unused int
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			t.Fatal(err)
		}
		plan = append(plan, detail)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return strings.Join(plan, "\n")
}

// TestPersonAssetsUsesIndexes checks that listing a person's assets (on
// every /me and review menu) never reads the whole map.
func TestPersonAssetsUsesIndexes(t *testing.T) {
	st := planStore(t)
	got := queryPlan(t, st, personAssetsSQL, 1, 0)
	for _, want := range []string{"USING INDEX assets_added_by", "USING INDEX links_from_person", "USING INDEX links_to_person"} {
		if !strings.Contains(got, want) {
			t.Errorf("query plan:\n%s\nwant %q", got, want)
		}
	}
	if strings.Contains(got, "SCAN assets") || strings.Contains(got, "SCAN links") {
		t.Errorf("query plan:\n%s\nwant no scan of assets or links", got)
	}
}
