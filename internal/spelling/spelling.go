// Package spelling finds the word a misspelt one was meant to be, for
// "did you mean" in messages about configuration and flow files.
package spelling

import "strings"

// Closest returns the name in names that s most likely misspells, or "".
// Case, "-" versus "_" and dropped separators always match; otherwise one
// edit is allowed, or two for names of six letters or more.
func Closest(s string, names []string) string {
	best, bestDist := "", 3
	for _, c := range names {
		if Fold(c) == Fold(s) {
			return c
		}
		dist := distance(strings.ToLower(s), c)
		if dist < bestDist && (dist == 1 || len(c) >= 6) {
			best, bestDist = c, dist
		}
	}
	return best
}

// Fold reduces a key name to what matters for matching a misspelling.
func Fold(s string) string {
	return strings.NewReplacer("_", "", "-", "").Replace(strings.ToLower(s))
}

// distance is Distance, giving up early, returning 3, when the lengths
// alone say the distance is more than 2.
func distance(a, b string) int {
	if len(a)-len(b) > 2 || len(b)-len(a) > 2 {
		return 3
	}
	return Distance(a, b)
}

// Distance is the optimal string alignment distance between a and b, by
// bytes: the edits (insert, delete, substitute, swap two neighbours) that
// turn one into the other.
func Distance(a, b string) int {
	// rows[i][j] is the distance between a[:i] and b[:j].
	rows := make([][]int, len(a)+1)
	for i := range rows {
		rows[i] = make([]int, len(b)+1)
		rows[i][0] = i
	}
	for j := range rows[0] {
		rows[0][j] = j
	}
	for i := 1; i <= len(a); i++ {
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			rows[i][j] = min(rows[i-1][j]+1, rows[i][j-1]+1, rows[i-1][j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				rows[i][j] = min(rows[i][j], rows[i-2][j-2]+1)
			}
		}
	}
	return rows[len(a)][len(b)]
}
