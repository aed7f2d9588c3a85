package store

import (
	"context"
	"database/sql"
	"fmt"
)

// Reading a query's rows one at a time: into a list (collect), or handed
// on as they come (each, and Tx.each in a transaction).

// collect runs query and scans each row with scan; what says what it reads.
func collect[T any](ctx context.Context, db *sql.DB, what string, scan func(*sql.Rows) (T, error), query string, args ...any) ([]T, error) {
	var out []T
	err := each(ctx, db, what, scan, func(v T) error {
		out = append(out, v)
		return nil
	}, query, args...)
	if err != nil {
		return nil, err
	}
	return out, nil
}

// each runs query and calls fn with each row as scan reads it, one row at
// a time, stopping at fn's first error, which it returns as it is; what
// says what it reads.
func each[T any](ctx context.Context, db *sql.DB, what string, scan func(*sql.Rows) (T, error), fn func(T) error, query string, args ...any) error {
	rows, err := db.QueryContext(ctx, query, args...)
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	var stopped error // fn's
	err = eachRow(rows, func(r *sql.Rows) error {
		v, err := scan(r)
		if err != nil {
			return err
		}
		stopped = fn(v)
		return stopped
	})
	if err != nil && stopped == nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	return err
}

// each runs query in tx and calls scan for each row.
func (tx *Tx) each(scan func(*sql.Rows) error, query string, args ...any) error {
	rows, err := tx.query(query, args...)
	if err != nil {
		return err
	}
	return eachRow(rows, scan)
}

// eachRow calls fn for each of rows, stopping at its first error, and
// closes them.
func eachRow(rows *sql.Rows, fn func(*sql.Rows) error) error {
	defer rows.Close()
	for rows.Next() {
		if err := fn(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}
