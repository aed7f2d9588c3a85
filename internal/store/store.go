// Package store keeps assetbot's data in SQLite: people, their
// conversations and answers (with history), consents, the inbound events
// already applied, and the outbox of messages to send.
//
// All writes go through Update, which runs a function in a transaction.
// Concurrent Updates are committed together (group commit), so a burst of
// inbound events costs one commit instead of one each. If one of them
// fails, the batch is rolled back and the others run again without it.
package store

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/url"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	_ "github.com/mattn/go-sqlite3" // registers the "sqlite3" driver

	"github.com/assetbot/assetbot/internal/flow"
)

//go:embed migrations/*.sql
var migrations embed.FS

// ErrNotFound is returned when a row asked for does not exist.
var ErrNotFound = errors.New("not found")

// errClosed is returned by Update once Close has been called.
var errClosed = errors.New("store is closed")

// timeFormat is how times are stored: UTC, sortable as text.
const timeFormat = "2006-01-02T15:04:05.000Z"

// maxBatch bounds how many Updates share one commit.
const maxBatch = 256

// A batch smaller than groupTarget yields once for more jobs before it
// commits.
const groupTarget = 8

// busyTimeout is how long a connection waits for another's lock before
// SQLite reports the database busy.
const busyTimeout = 5 * time.Second

// maxConns bounds the pool: the writer's connection and the readers'.
const maxConns = 8

// walCheckpointPages is the WAL size, in 4 KiB pages, that triggers a
// checkpoint into the database: about 16 MB rather than SQLite's default
// 1000 pages (about 4 MB), since fewer, larger checkpoints cost less per
// write.
const walCheckpointPages = 4000

// Store is an open assetbot database.
type Store struct {
	db     *sql.DB
	now    func() time.Time
	log    *slog.Logger
	jobs   chan *job
	urgent chan *job
	done   chan struct{}
	closed chan struct{}
	// closeOnce makes Close safe to call more than once, concurrently.
	closeOnce sync.Once
	// flows tell ErasePerson which assets, and which of their fields, are
	// about the person who gave them.
	flows map[string]*flow.Flow
	// scrub asks the scrubber for a checkpoint after an erasure; scrubbed
	// is closed when the scrubber has stopped.
	scrub    chan struct{}
	scrubbed chan struct{}
	// checkpointing serialises checkpoints, which would otherwise find
	// each other busy.
	checkpointing sync.Mutex
}

// Option configures Open.
type Option func(*Store)

// WithClock makes the store read the time from now, for tests.
func WithClock(now func() time.Time) Option { return func(s *Store) { s.now = now } }

// WithLogger sets the store's logger.
func WithLogger(l *slog.Logger) Option { return func(s *Store) { s.log = l } }

// WithFlows gives the store the flows in use, by id: ErasePerson reads
// their `personal` marks to tell which assets a person added are about
// them. Without them it refuses to erase anyone who added or changed an
// asset.
func WithFlows(flows map[string]*flow.Flow) Option { return func(s *Store) { s.flows = flows } }

// Open opens (creating if need be) the database at path and brings its
// schema up to date. The database and its -wal and -shm files are kept
// readable by their owner alone (see protect).
func Open(ctx context.Context, path string, opts ...Option) (*Store, error) {
	if path == "" || strings.HasPrefix(path, ":memory:") {
		return nil, fmt.Errorf("open database: a file path is needed, got %q", path)
	}
	s := &Store{now: time.Now, log: slog.New(slog.DiscardHandler), jobs: make(chan *job, maxBatch), urgent: make(chan *job, maxBatch), done: make(chan struct{}), closed: make(chan struct{}),
		scrub: make(chan struct{}, 1), scrubbed: make(chan struct{})}
	for _, o := range opts {
		o(s)
	}
	if err := s.protect(path); err != nil {
		return nil, fmt.Errorf("open database %s: %w", path, err)
	}
	q := url.Values{}
	q.Set("_journal_mode", "WAL")
	q.Set("_busy_timeout", strconv.FormatInt(busyTimeout.Milliseconds(), 10))
	q.Set("_foreign_keys", "on")
	q.Set("_synchronous", "NORMAL")
	q.Set("_txlock", "immediate")
	// Deleted rows are overwritten with zeros, so that an erased person's
	// data does not live on in freed space of the file (see erase.go):
	// without it, TestEraseLeavesNothing finds their name and answers in
	// the file's free pages. ON rather than FAST, which zeroes only what
	// costs no extra write and so leaves whole freed pages as they were;
	// the extra writes come only when a page empties, rare for small rows.
	q.Set("_secure_delete", "on")
	db, err := sql.Open("sqlite3", "file:"+path+"?"+q.Encode())
	if err != nil {
		return nil, fmt.Errorf("open database %s: %w", path, err)
	}
	db.SetMaxOpenConns(maxConns)
	db.SetMaxIdleConns(maxConns)
	db.SetConnMaxIdleTime(0)
	s.db = db
	if err := s.migrate(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("open database %s: %w", path, err)
	}
	conn, err := db.Conn(ctx)
	if err == nil {
		_, err = conn.ExecContext(ctx, "PRAGMA wal_autocheckpoint = "+strconv.Itoa(walCheckpointPages))
	}
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("open database %s: %w", path, err)
	}
	go s.write(conn)
	go s.scrubber()
	return s, nil
}

// Close waits for pending writes and closes the database.
func (s *Store) Close() error {
	s.closeOnce.Do(func() { close(s.done) })
	<-s.closed
	<-s.scrubbed
	if err := s.db.Close(); err != nil {
		return fmt.Errorf("close database: %w", err)
	}
	return nil
}

// Now returns the store's current time.
func (s *Store) Now() time.Time { return s.now().UTC() }

// migration is one numbered schema change.
type migration struct {
	version int
	name    string
	sql     string
}

func loadMigrations() ([]migration, error) {
	entries, err := fs.ReadDir(migrations, "migrations")
	if err != nil {
		return nil, err
	}
	var ms []migration
	for _, e := range entries {
		num, _, ok := strings.Cut(e.Name(), "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil {
			return nil, fmt.Errorf("migration %s: name must start with a number and _", e.Name())
		}
		data, err := migrations.ReadFile("migrations/" + e.Name())
		if err != nil {
			return nil, err
		}
		ms = append(ms, migration{version: v, name: e.Name(), sql: string(data)})
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].version < ms[j].version })
	return ms, nil
}

// migrate applies, each in its own transaction, the migrations the
// database has not seen.
func (s *Store) migrate(ctx context.Context) error {
	ms, err := loadMigrations()
	if err != nil {
		return fmt.Errorf("read migrations: %w", err)
	}
	if _, err := s.db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)`); err != nil {
		return fmt.Errorf("create schema_migrations: %w", err)
	}
	var current int
	if err := s.db.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&current); err != nil {
		return fmt.Errorf("read schema version: %w", err)
	}
	if latest := ms[len(ms)-1].version; current > latest {
		return fmt.Errorf("database schema is version %d, newer than this assetbot knows (%d): upgrade assetbot", current, latest)
	}
	for _, m := range ms {
		if m.version <= current {
			continue
		}
		if err := s.apply(ctx, m); err != nil {
			return err
		}
		s.log.Info("applied migration", "version", m.version, "name", m.name)
	}
	return nil
}

func (s *Store) apply(ctx context.Context, m migration) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("migration %s: %w", m.name, err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, m.sql); err != nil {
		return fmt.Errorf("migration %s: %w", m.name, err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)`,
		m.version, m.name, s.Now().Format(timeFormat)); err != nil {
		return fmt.Errorf("migration %s: record: %w", m.name, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("migration %s: commit: %w", m.name, err)
	}
	return nil
}

// job is one Update waiting for the writer.
type job struct {
	ctx      context.Context
	fn       func(*Tx) error
	onCommit []func()
	err      error
	done     chan struct{}
}

// Update runs fn in a write transaction and returns once it is committed
// (or has failed). fn must not keep tx after it returns. An error or a
// panic in fn undoes fn's writes only. fn may run more than once (when
// another Update in its batch fails), so it must do nothing but read and
// write through tx, and say what to do after the commit with OnCommit.
func (s *Store) Update(ctx context.Context, fn func(*Tx) error) error {
	return s.enqueue(ctx, s.jobs, fn)
}

// UpdateFirst is Update for small writes that should not wait behind the
// queue: the writer takes them into its next batch ahead of any queued
// Update. The outbox sender records deliveries this way, so
// that a crash resends as few messages as possible.
func (s *Store) UpdateFirst(ctx context.Context, fn func(*Tx) error) error {
	return s.enqueue(ctx, s.urgent, fn)
}

func (s *Store) enqueue(ctx context.Context, lane chan *job, fn func(*Tx) error) error {
	j := &job{ctx: ctx, fn: fn, done: make(chan struct{})}
	select {
	case lane <- j:
	case <-s.done:
		return errClosed
	case <-ctx.Done():
		return ctx.Err()
	}
	// Once queued, the job runs even if ctx ends: its outcome must be known
	// before the caller can say whether the event was applied.
	select {
	case <-j.done:
	case <-s.closed:
		// The writer has stopped. A job it took was finished before it
		// stopped; one queued after its last look never will be.
		select {
		case <-j.done:
		default:
			return errClosed
		}
	}
	return j.err
}

// write is the single writer: it takes the queued jobs and runs them
// together in one transaction on its own connection.
func (s *Store) write(conn *sql.Conn) {
	defer close(s.closed)
	defer conn.Close()
	w := &writer{conn: conn, stmts: map[string]*sql.Stmt{}}
	defer w.closeStmts()
	batch := make([]*job, 0, maxBatch)
	for {
		// An empty batch gathers urgent jobs first, then the queue.
		if batch = s.collect(batch[:0]); len(batch) > 0 {
			s.commit(w, batch)
			continue
		}
		select {
		case j := <-s.urgent:
			batch = append(batch[:0], j)
		case j := <-s.jobs:
			batch = append(batch[:0], j)
		case <-s.done:
			// Drain what was queued before Close.
			for {
				if batch = s.collect(batch[:0]); len(batch) == 0 {
					return
				}
				s.commit(w, batch)
			}
		}
		s.commit(w, s.collect(batch))
	}
}

// collect adds to batch the jobs queued now. If that leaves the batch
// small, it lets the other goroutines run once and takes what they queued:
// under load a commit then serves many jobs instead of one, and a job
// alone waits no longer than a yield.
func (s *Store) collect(batch []*job) []*job {
	yielded := false
	for len(batch) < maxBatch {
		select {
		case j := <-s.urgent:
			batch = append(batch, j)
			continue
		default:
		}
		select {
		case j := <-s.jobs:
			batch = append(batch, j)
			continue
		default:
		}
		if yielded || len(batch) >= groupTarget || len(batch) == 0 {
			return batch
		}
		runtime.Gosched()
		yielded = true
	}
	return batch
}

func (s *Store) commit(w *writer, batch []*job) {
	ctx := context.Background()
	// Run the batch in one transaction. If a job fails, roll back, let that
	// job go with its error, and run the others again: jobs are functions
	// of what the database holds, and failures are rare, so this is cheaper
	// than a savepoint around every job.
	pending, now := batch, s.Now()
	for len(pending) > 0 {
		failed, err := s.attempt(ctx, w, pending, now)
		if err != nil {
			for _, j := range pending {
				j.err = err
				close(j.done)
			}
			return
		}
		if failed < 0 {
			for _, j := range pending {
				for _, fn := range j.onCommit {
					fn()
				}
				close(j.done)
			}
			return
		}
		close(pending[failed].done)
		pending = append(pending[:failed:failed], pending[failed+1:]...)
	}
}

// attempt runs jobs in one transaction and commits it, or, at the first job
// that fails, rolls it back and returns that job's index (-1 if none
// failed). err is set when the transaction itself failed.
func (s *Store) attempt(ctx context.Context, w *writer, jobs []*job, now time.Time) (failed int, err error) {
	if _, err := w.conn.ExecContext(ctx, "BEGIN IMMEDIATE"); err != nil {
		return -1, fmt.Errorf("begin: %w", err)
	}
	for i, j := range jobs {
		j.onCommit = nil
		// The job's statements must not be cancelled part-way: SQLite
		// interrupts a cancelled statement, which can undo the whole
		// batch, not just this job.
		if j.err = run(j, &Tx{w: w, ctx: context.WithoutCancel(j.ctx), now: now, job: j, store: s}); j.err != nil {
			if _, err := w.conn.ExecContext(ctx, "ROLLBACK"); err != nil {
				return -1, fmt.Errorf("roll back: %w", err)
			}
			return i, nil
		}
	}
	if _, err := w.conn.ExecContext(ctx, "COMMIT"); err != nil {
		_, _ = w.conn.ExecContext(ctx, "ROLLBACK")
		return -1, fmt.Errorf("commit: %w", err)
	}
	return -1, nil
}

// run calls the job's function, turning a panic into an error.
func run(j *job, tx *Tx) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = &PanicError{Value: r}
		}
	}()
	return j.fn(tx)
}

// PanicError is returned by Update when its function panicked.
type PanicError struct{ Value any }

func (e *PanicError) Error() string { return fmt.Sprintf("panic in transaction: %v", e.Value) }

// writer holds the writer connection and its prepared statements.
type writer struct {
	conn  *sql.Conn
	stmts map[string]*sql.Stmt
}

func (w *writer) stmt(ctx context.Context, query string) (*sql.Stmt, error) {
	if st, ok := w.stmts[query]; ok {
		return st, nil
	}
	st, err := w.conn.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	w.stmts[query] = st
	return st, nil
}

func (w *writer) closeStmts() {
	for _, st := range w.stmts {
		st.Close()
	}
}

// Tx is a write transaction handed to an Update function.
type Tx struct {
	w      *writer
	ctx    context.Context
	now    time.Time
	bumped map[int64]bool // people whose revision this transaction bumped
	job    *job
	store  *Store
}

// OnCommit runs fn once this Update's writes are committed; never if they
// are rolled back. Callers use it to keep in-memory copies of stored data
// exactly as current as the database.
func (tx *Tx) OnCommit(fn func()) { tx.job.onCommit = append(tx.job.onCommit, fn) }

// Now is the time of the transaction.
func (tx *Tx) Now() time.Time { return tx.now }

func (tx *Tx) exec(query string, args ...any) (sql.Result, error) {
	st, err := tx.w.stmt(tx.ctx, query)
	if err != nil {
		return nil, err
	}
	return st.ExecContext(tx.ctx, args...)
}

func (tx *Tx) queryRow(query string, args ...any) *sql.Row {
	st, err := tx.w.stmt(tx.ctx, query)
	if err != nil {
		// Surface the prepare error through the row's Scan.
		return tx.w.conn.QueryRowContext(tx.ctx, query, args...)
	}
	return st.QueryRowContext(tx.ctx, args...)
}

func (tx *Tx) query(query string, args ...any) (*sql.Rows, error) {
	st, err := tx.w.stmt(tx.ctx, query)
	if err != nil {
		return nil, err
	}
	return st.QueryContext(tx.ctx, args...)
}

func formatTime(t time.Time) string { return t.UTC().Format(timeFormat) }

// sqlTime scans a time column written with formatTime into a time.Time:
// (*sqlTime)(&t) as a Scan destination. Anything else in the column is an
// error rather than a zero time, which would read as "never".
type sqlTime time.Time

// Scan implements sql.Scanner.
func (t *sqlTime) Scan(v any) error {
	var s string
	switch v := v.(type) {
	case string:
		s = v
	case []byte:
		s = string(v)
	default:
		return fmt.Errorf("scan time: got %T, want text", v)
	}
	parsed, err := parseTime(s)
	if err != nil {
		return fmt.Errorf("scan time: %w", err)
	}
	*t = sqlTime(parsed)
	return nil
}

// parseTime reads a time written with formatTime. time.Parse takes about
// ten times as long, which counts when an export reads three times for
// each of millions of answers; it is left what does not match the layout
// exactly, and gives the error.
func parseTime(s string) (time.Time, error) {
	// digits reads the n digits at s[i:]; ok is false if one is not.
	digits := func(i, n int) (v int, ok bool) {
		for _, c := range []byte(s[i : i+n]) {
			if c < '0' || c > '9' {
				return 0, false
			}
			v = v*10 + int(c-'0')
		}
		return v, true
	}
	if len(s) == len(timeFormat) && s[4] == '-' && s[7] == '-' && s[10] == 'T' && s[13] == ':' && s[16] == ':' && s[19] == '.' && s[23] == 'Z' {
		year, ok1 := digits(0, 4)
		month, ok2 := digits(5, 2)
		day, ok3 := digits(8, 2)
		hour, ok4 := digits(11, 2)
		minute, ok5 := digits(14, 2)
		sec, ok6 := digits(17, 2)
		milli, ok7 := digits(20, 3)
		if ok1 && ok2 && ok3 && ok4 && ok5 && ok6 && ok7 && month >= 1 && month <= 12 && day >= 1 && day <= daysIn(month, year) &&
			hour < 24 && minute < 60 && sec < 60 {
			return time.Date(year, time.Month(month), day, hour, minute, sec, milli*int(time.Millisecond), time.UTC), nil
		}
	}
	return time.Parse(timeFormat, s)
}

// daysIn is how many days the month (1 to 12) of year has.
func daysIn(month, year int) int {
	if month == 2 && year%4 == 0 && (year%100 != 0 || year%400 == 0) {
		return 29
	}
	return [...]int{31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31}[month-1]
}

// nullTime scans a time column that may be NULL (a time not yet reached,
// such as the end of a run in progress) as the zero time.
type nullTime time.Time

// Scan implements sql.Scanner.
func (t *nullTime) Scan(v any) error {
	if v == nil {
		*t = nullTime{}
		return nil
	}
	return (*sqlTime)(t).Scan(v)
}

// Ping checks that the database answers.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.db.PingContext(ctx); err != nil {
		return fmt.Errorf("ping database: %w", err)
	}
	return nil
}
