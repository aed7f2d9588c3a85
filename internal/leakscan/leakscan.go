// Package leakscan looks through a whole assetbot database for what an
// erased person left behind: every column of every table, found from
// sqlite_master and table_info (so a table added later is scanned too),
// and the raw bytes of the database file and its WAL, where freed pages
// and old frames could still hold what the tables no longer show. Tests
// use it; the product never imports it.
package leakscan

import (
	"bytes"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"regexp"
	"strconv"

	_ "github.com/mattn/go-sqlite3" // registers the "sqlite3" driver
)

// Needles are what must not be found. Numbers are looked for as column
// values and, in text, as whole numbers; Strings in text and raw bytes.
// A number is looked for in the raw bytes only as text (a Telegram id in
// a message), since SQLite stores integers in binary forms that any other
// value may also take.
type Needles struct {
	Numbers []int64
	Strings []string
}

// Scan returns every place in the database at path (and its WAL) holding a
// needle, one line each; none when the person is gone. The caller
// checkpoints first, so that the WAL holds no frames from before.
func Scan(path string, n Needles) ([]string, error) {
	found, err := scanTables(path, n)
	if err != nil {
		return nil, err
	}
	for _, file := range []string{path, path + "-wal"} {
		data, err := os.ReadFile(file)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", file, err)
		}
		for _, s := range n.rawStrings() {
			if i := bytes.Index(data, []byte(s)); i >= 0 {
				found = append(found, fmt.Sprintf("%s: bytes at offset %d hold %q", file, i, s))
			}
		}
	}
	return found, nil
}

// rawStrings are the needles looked for in the raw bytes.
func (n Needles) rawStrings() []string {
	out := append([]string(nil), n.Strings...)
	for _, num := range n.Numbers {
		out = append(out, strconv.FormatInt(num, 10))
	}
	return out
}

// scanTables reads every value of every column of every table.
func scanTables(path string, n Needles) ([]string, error) {
	db, err := sql.Open("sqlite3", "file:"+path+"?mode=ro&_busy_timeout=5000")
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	defer db.Close()
	tables, err := column(db, `SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name`)
	if err != nil {
		return nil, fmt.Errorf("list tables: %w", err)
	}
	if len(tables) == 0 {
		return nil, fmt.Errorf("no tables in %s", path)
	}
	numbers := make([]*regexp.Regexp, len(n.Numbers))
	for i, num := range n.Numbers {
		numbers[i] = regexp.MustCompile(`(^|[^0-9])` + strconv.FormatInt(num, 10) + `($|[^0-9])`)
	}
	var found []string
	for _, table := range tables {
		cols, err := column(db, `SELECT name FROM pragma_table_info(?) ORDER BY cid`, table)
		if err != nil {
			return nil, fmt.Errorf("columns of %s: %w", table, err)
		}
		for _, col := range cols {
			values, err := db.Query(fmt.Sprintf(`SELECT %s FROM %s`, quote(col), quote(table)))
			if err != nil {
				return nil, fmt.Errorf("read %s.%s: %w", table, col, err)
			}
			for values.Next() {
				var v any
				if err := values.Scan(&v); err != nil {
					values.Close()
					return nil, fmt.Errorf("read %s.%s: %w", table, col, err)
				}
				if what := match(v, n, numbers); what != "" {
					found = append(found, fmt.Sprintf("%s.%s holds %s: %v", table, col, what, printable(v)))
				}
			}
			values.Close()
			if err := values.Err(); err != nil {
				return nil, fmt.Errorf("read %s.%s: %w", table, col, err)
			}
		}
	}
	return found, nil
}

// match names the needle v holds, or returns "".
func match(v any, n Needles, numbers []*regexp.Regexp) string {
	var text []byte
	switch v := v.(type) {
	case int64:
		for _, num := range n.Numbers {
			if v == num {
				return strconv.FormatInt(num, 10)
			}
		}
		return ""
	case float64:
		for _, num := range n.Numbers {
			if v == float64(num) {
				return strconv.FormatInt(num, 10)
			}
		}
		return ""
	case string:
		text = []byte(v)
	case []byte:
		text = v
	default:
		return ""
	}
	for _, s := range n.Strings {
		if bytes.Contains(text, []byte(s)) {
			return strconv.Quote(s)
		}
	}
	for i, re := range numbers {
		if re.Match(text) {
			return strconv.FormatInt(n.Numbers[i], 10)
		}
	}
	return ""
}

func printable(v any) any {
	if b, ok := v.([]byte); ok {
		return string(b)
	}
	return v
}

// quote makes a name an SQL identifier.
func quote(name string) string {
	return `"` + string(bytes.ReplaceAll([]byte(name), []byte(`"`), []byte(`""`))) + `"`
}

// column reads a one-column query.
func column(db *sql.DB, query string, args ...any) ([]string, error) {
	rows, err := db.Query(query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}
