package store

import (
	"strings"
	"testing"
)

// TestMapWideQueriesUseIndexes checks how the queries that read a whole
// map of 100,000 people walk it: exports read answers in person order from
// the (person, flow, key) index, never sorting millions of them, and find
// answer keys with a seek each; the digest reads the totals of options
// from option_counts and groups only the answers given since.
func TestMapWideQueriesUseIndexes(t *testing.T) {
	st := planStore(t)
	for _, tc := range []struct {
		name  string
		query string
		args  []any
		want  []string
		// sorts are the sorts the plan may make: grouping the few answers
		// given since the digest's start, and their options.
		sorts int
	}{
		{"answers", answersSQL, []any{"resident"}, []string{"SCAN answers USING INDEX sqlite_autoindex_answers_1"}, 0},
		{"values", valuesSQL, []any{"resident"}, []string{"SCAN answers USING INDEX sqlite_autoindex_answers_1"}, 0},
		{"distinct keys", distinctKeysSQL, []any{"resident"}, []string{"SEARCH answers USING INDEX answers_key (flow=? AND key>?)"}, 0},
		{"first giver", firstGiverSQL, []any{"map", "resident", `["a"]`, 0}, []string{"SEARCH a USING INDEX sqlite_autoindex_answers_1 (person_id>?)"}, 0},
		{"option counts", optionCountsSQL, []any{"resident", `["hands"]`, ""}, []string{"SEARCH answers USING INDEX answers_key (flow=? AND key=?)", "SEARCH c USING PRIMARY KEY (flow=? AND key=?)"}, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := queryPlan(t, st, tc.query, tc.args...)
			for _, want := range tc.want {
				if !strings.Contains(got, want) {
					t.Errorf("query plan:\n%s\nwant %q", got, want)
				}
			}
			if tc.sorts != strings.Count(got, "TEMP B-TREE") {
				t.Errorf("query plan:\n%s\nwant %d sorts", got, tc.sorts)
			}
		})
	}
}
