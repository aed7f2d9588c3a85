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
	st, err := Open(context.Background(), filepath.Join(t.TempDir(), "assetbot.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
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
			rows, err := st.db.Query(`EXPLAIN QUERY PLAN `+tc.query, tc.args...)
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
			got := strings.Join(plan, "\n")
			if !strings.Contains(got, tc.want) || strings.Contains(got, "SCAN") || strings.Contains(got, "TEMP B-TREE") {
				t.Errorf("query plan:\n%s\nwant %q, no scan and no sort", got, tc.want)
			}
		})
	}
}
