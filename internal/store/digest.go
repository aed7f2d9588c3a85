package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// What the weekly digest reads. Each reader is one aggregate query
// (GROUP BY in SQLite, never every row in Go), so the digest of 100,000
// people costs a few table scans and holds only the counts.

// KindCount is how many assets of a kind are on the map, and how many of
// them were added since the digest's start.
type KindCount struct {
	Kind       string
	Total, New int
}

// OptionCount is how often an option id was given to a question (answer
// key), in all and since the digest's start.
type OptionCount struct {
	Key, Option string
	Total, New  int
}

// TextCount is how many answers hold one text, folded to lower case.
type TextCount struct {
	Text  string
	Count int
}

// AimMatch is someone or something that could help with the aim: a
// consenting person by first name and what they offered, or an asset by
// name and kind. It holds no way to reach a person.
type AimMatch struct {
	Name  string
	Offer string // a person's offer; "" for an asset
	Kind  string // an asset's kind; "" for a person
}

// RefreshCounts says what entries went stale and what the refreshes did.
type RefreshCounts struct {
	StalePeople, StaleAssets int
	Sent, Answered           int
}

// StepCount is how many unfinished conversations wait on a flow's step.
type StepCount struct {
	Flow, Step string
	Count      int
}

// PeopleCounts returns how many people there are and how many joined at
// or after since.
func (s *Store) PeopleCounts(ctx context.Context, since time.Time) (total, joined int, err error) {
	err = s.db.QueryRowContext(ctx, `SELECT COUNT(*), IFNULL(SUM(created_at >= ?), 0) FROM people`, formatTime(since)).Scan(&total, &joined)
	if err != nil {
		return 0, 0, fmt.Errorf("count people: %w", err)
	}
	return total, joined, nil
}

// AssetKinds returns, by kind, how many assets are on the map and how many
// were added at or after since.
func (s *Store) AssetKinds(ctx context.Context, since time.Time) ([]KindCount, error) {
	return collect(ctx, s.db, "count assets by kind", func(r *sql.Rows) (KindCount, error) {
		var k KindCount
		return k, r.Scan(&k.Kind, &k.Total, &k.New)
	}, `SELECT kind, COUNT(*), SUM(created_at >= ?) FROM assets WHERE removed_at IS NULL GROUP BY kind ORDER BY kind`, formatTime(since))
}

// jsonList encodes a list as a JSON array, bound as one parameter and read
// in SQL with json_each.
func jsonList(list []string) string {
	if list == nil {
		list = []string{}
	}
	b, _ := json.Marshal(list) // a []string always encodes
	return string(b)
}

// OptionCounts counts the option ids given to the answer keys of flowID
// (the choices of multi answers and the choice of choice answers), by key
// and option: in all and in answers first given at or after since. The
// totals are kept in option_counts as answers are written; the new ones
// are counted from the answers given since, equal answers grouped first
// so that each distinct value is parsed once: grouping every answer took
// most of the digest's time.
func (s *Store) OptionCounts(ctx context.Context, flowID string, keys []string, since time.Time) ([]OptionCount, error) {
	return collect(ctx, s.db, "count options given", func(r *sql.Rows) (OptionCount, error) {
		var o OptionCount
		return o, r.Scan(&o.Key, &o.Option, &o.Total, &o.New)
	}, optionCountsSQL, flowID, jsonList(keys), formatTime(since))
}

// optionCountsSQL counts the options given to the keys in the JSON list
// ?2 of the flow ?1, in all and since ?3.
const optionCountsSQL = `SELECT c.key, c.option, c.n, IFNULL(f.n, 0) FROM option_counts c LEFT JOIN (
		SELECT g.key, IFNULL(o.value, g.value ->> '$.choice') AS opt, SUM(g.n) AS n FROM (
			SELECT key, value, COUNT(*) AS n FROM answers
			WHERE flow = ?1 AND key IN (SELECT value FROM json_each(?2)) AND withdrawn_at IS NULL AND created_at >= ?3 GROUP BY key, value) g
		LEFT JOIN json_each(g.value, '$.choices') o
		GROUP BY g.key, opt HAVING opt IS NOT NULL) f ON f.key = c.key AND f.opt = c.option
	WHERE c.flow = ?1 AND c.key IN (SELECT value FROM json_each(?2))
	ORDER BY c.key, c.option`

// TextCounts counts the current text answers to key in flowID, folded to
// lower case and trimmed, fewest first, at most limit of them.
func (s *Store) TextCounts(ctx context.Context, flowID, key string, limit int) ([]TextCount, error) {
	return collect(ctx, s.db, "count text answers", func(r *sql.Rows) (TextCount, error) {
		var t TextCount
		return t, r.Scan(&t.Text, &t.Count)
	}, `SELECT lower(trim(value ->> '$.text')) AS t, COUNT(*) AS n FROM answers
		WHERE flow = ? AND key = ? AND withdrawn_at IS NULL AND t <> ''
		GROUP BY t ORDER BY n, t LIMIT ?`, flowID, key, limit)
}

// aimValue is an SQL condition, true when the answer value v (a JSON
// flow.Value) holds an option id of the JSON list bound as :options or,
// in its text or "other" text, a word of the JSON list bound as :words.
func aimValue(v string) string {
	return `(` + v + ` ->> '$.choice' IN (SELECT value FROM json_each(:options))
		OR EXISTS (SELECT 1 FROM json_each(` + v + `, '$.choices') c WHERE c.value IN (SELECT value FROM json_each(:options)))
		OR EXISTS (SELECT 1 FROM json_each(:words) w WHERE instr(lower(IFNULL(` + v + ` ->> '$.text', '') || ' ' || IFNULL(` + v + ` ->> '$.other', '')), lower(w.value)) > 0))`
}

// likeEscape escapes LIKE's wildcards in s, for the escape character \.
var likeEscape = strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)

// aimFilter returns a cheap SQL condition on the raw JSON text of answer
// value v that every value aimValue accepts passes (an option id appears
// quoted; a word appears, in any case), and its arguments: it spares
// parsing the JSON of nearly every answer that cannot match.
func aimFilter(v string, options, words []string) (string, []any) {
	var terms []string
	var args []any
	add := func(pattern string) {
		name := "f" + strconv.Itoa(len(args))
		terms = append(terms, v+` LIKE :`+name+` ESCAPE '\'`)
		args = append(args, sql.Named(name, pattern))
	}
	for _, o := range options {
		add(`%"` + likeEscape.Replace(o) + `"%`)
	}
	for _, w := range words {
		add(`%` + likeEscape.Replace(w) + `%`)
	}
	if len(terms) == 0 {
		return "0", nil
	}
	return "(" + strings.Join(terms, " OR ") + ")", args
}

// aimArgs are the arguments aimValue's and aimFilter's SQL binds.
func aimArgs(v string, options, words []string) (string, []any) {
	filter, args := aimFilter(v, options, words)
	return filter + ` AND ` + aimValue(v), append(args, sql.Named("options", jsonList(options)), sql.Named("words", jsonList(words)))
}

// AimPeople returns, in order of joining, at most limit people who
// consented to purpose and whose current answers in flowID to one of keys
// hold one of options or words: their first name and their answer to
// offerKey. keys are the answer keys that can hold a match (the caller
// knows them from the flow). It walks people in order, checking each
// one's latest consent and answers to keys by index, until it has limit:
// first among the first aimFirstLook people, which is enough when many
// match; then among those with an answer that passes aimFilter, the cheap
// test, found in one pass over the (flow, key) index, which rules
// everyone out at a third of what checking each person takes when nobody
// matches.
func (s *Store) AimPeople(ctx context.Context, flowID, purpose, offerKey string, keys, options, words []string, limit int) ([]AimMatch, error) {
	match, args := aimArgs("a.value", options, words)
	args = append(args, sql.Named("flow", flowID), sql.Named("keys", jsonList(keys)), sql.Named("offer", offerKey), sql.Named("purpose", purpose),
		sql.Named("limit", limit), sql.Named("first_look", aimFirstLook))
	read := func(among string) ([]AimMatch, error) {
		return collect(ctx, s.db, "find people matching the aim", func(r *sql.Rows) (AimMatch, error) {
			var m AimMatch
			return m, r.Scan(&m.Name, &m.Offer)
		}, `SELECT p.first_name, IFNULL((SELECT o.value ->> '$.text' FROM answers o WHERE o.person_id = p.id AND o.flow = :flow AND o.key = :offer AND o.withdrawn_at IS NULL), '')
		FROM people p WHERE p.id IN (`+among+`)
		AND (SELECT granted FROM consents WHERE person_id = p.id AND purpose = :purpose ORDER BY id DESC LIMIT 1) = 1
		AND EXISTS (SELECT 1 FROM answers a WHERE a.person_id = p.id AND a.flow = :flow AND a.key IN (SELECT value FROM json_each(:keys))
			AND a.withdrawn_at IS NULL AND `+match+`)
		ORDER BY p.id LIMIT :limit`, args...)
	}
	found, err := read(`SELECT id FROM people ORDER BY id LIMIT :first_look`)
	if err != nil || len(found) == limit {
		return found, err
	}
	// The same cheap test as match's, on another alias, with the same
	// arguments.
	candidate, _ := aimFilter("c.value", options, words)
	return read(`SELECT c.person_id FROM answers c WHERE c.flow = :flow AND c.key IN (SELECT value FROM json_each(:keys))
		AND c.withdrawn_at IS NULL AND ` + candidate)
}

// aimFirstLook is how many people AimPeople checks one by one before it
// reads every answer that could match: when many people match, the first
// few hundred hold enough of them.
const aimFirstLook = 1000

// AimAssets returns, in order of adding, at most limit assets on the map
// whose name or fields hold one of options or words.
func (s *Store) AimAssets(ctx context.Context, options, words []string, limit int) ([]AimMatch, error) {
	match, args := aimArgs("f.value", options, words)
	return collect(ctx, s.db, "find assets matching the aim", func(r *sql.Rows) (AimMatch, error) {
		var m AimMatch
		return m, r.Scan(&m.Name, &m.Kind)
	}, `SELECT a.name, a.kind FROM assets a WHERE a.removed_at IS NULL AND (
		EXISTS (SELECT 1 FROM json_each(:words) w WHERE instr(lower(a.name), lower(w.value)) > 0)
		OR EXISTS (SELECT 1 FROM json_each(a.fields) f WHERE `+match+`))
		ORDER BY a.id LIMIT :limit`, append(args, sql.Named("limit", limit))...)
}

// Refreshes returns how many entries (people's and assets') went stale at
// or after since, how many refreshes were sent since, and how many of
// those the entry's confirmation answered.
func (s *Store) Refreshes(ctx context.Context, since time.Time) (RefreshCounts, error) {
	var c RefreshCounts
	from := formatTime(since)
	err := s.db.QueryRowContext(ctx, `SELECT
		(SELECT COUNT(*) FROM people WHERE stale_at >= ?1),
		(SELECT COUNT(*) FROM assets WHERE stale_at >= ?1 AND removed_at IS NULL),
		(SELECT COUNT(*) FROM reminders WHERE kind IN (?2, ?3) AND sent_at >= ?1),
		(SELECT COUNT(*) FROM reminders r WHERE r.kind IN (?2, ?3) AND r.sent_at >= ?1 AND (
			(r.kind = ?2 AND EXISTS (SELECT 1 FROM people p WHERE p.id = r.person_id AND p.confirmed_at > r.sent_at))
			OR (r.kind = ?3 AND EXISTS (SELECT 1 FROM assets a WHERE a.id = r.asset_id AND a.confirmed_at > r.sent_at))))`,
		from, ReminderRefresh, ReminderRefreshAsset).Scan(&c.StalePeople, &c.StaleAssets, &c.Sent, &c.Answered)
	if err != nil {
		return c, fmt.Errorf("count refreshes: %w", err)
	}
	return c, nil
}

// DropOff counts the unfinished conversations by flow and the step they
// wait on, most first.
func (s *Store) DropOff(ctx context.Context) ([]StepCount, error) {
	return collect(ctx, s.db, "count unfinished conversations", func(r *sql.Rows) (StepCount, error) {
		var c StepCount
		return c, r.Scan(&c.Flow, &c.Step, &c.Count)
	}, `SELECT flow, IFNULL(state ->> '$.flow.step', '') AS step, COUNT(*) AS n FROM conversations
		WHERE status IN ('active', 'paused') GROUP BY flow, step HAVING step <> '' ORDER BY n DESC, flow, step`)
}

// PeoplePerWeek counts the people who joined in each of the weeks weeks
// before now: counts[0] is the week ending now, counts[weeks-1] the
// earliest.
func (s *Store) PeoplePerWeek(ctx context.Context, now time.Time, weeks int) ([]int, error) {
	counts := make([]int, weeks)
	const week = 7 * 24 * time.Hour
	rows, err := collect(ctx, s.db, "count people per week", func(r *sql.Rows) ([2]int, error) {
		var wc [2]int
		return wc, r.Scan(&wc[0], &wc[1])
	}, `SELECT CAST((julianday(?1) - julianday(created_at)) / 7 AS INTEGER) AS w, COUNT(*) FROM people
		WHERE created_at > ?2 AND created_at <= ?1 GROUP BY w`, formatTime(now), formatTime(now.Add(-time.Duration(weeks)*week)))
	if err != nil {
		return nil, err
	}
	for _, wc := range rows {
		if wc[0] >= 0 && wc[0] < weeks {
			counts[wc[0]] += wc[1]
		}
	}
	return counts, nil
}
