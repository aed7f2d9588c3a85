package store_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"

	"github.com/assetbot/assetbot/internal/flow"
	"github.com/assetbot/assetbot/internal/store"
)

// checkMode fails the test unless the file at path has mode 0600.
func checkMode(t *testing.T, path string) {
	t.Helper()
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := info.Mode().Perm(); got != 0o600 {
		t.Errorf("%s: mode %v; want -rw-------", filepath.Base(path), got)
	}
}

// TestDatabaseFilesAreOwnerOnly: a new database, and the -wal and -shm
// files SQLite makes beside it, are readable by their owner alone, even
// with a umask that lets others read what is created.
func TestDatabaseFilesAreOwnerOnly(t *testing.T) {
	defer syscall.Umask(syscall.Umask(0o022))
	st, path := open(t)
	update(t, st, func(tx *store.Tx) error { _ = person(t, tx, "1"); return nil })
	for _, name := range []string{path, path + "-wal", path + "-shm"} {
		checkMode(t, name)
	}
}

// TestOpenNarrowsAWideDatabase: a database (and WAL files) that others may
// read, say copied in with cp, is narrowed to 0600 when opened, with a
// warning naming the file.
func TestOpenNarrowsAWideDatabase(t *testing.T) {
	st, path := open(t)
	update(t, st, func(tx *store.Tx) error { _ = person(t, tx, "1"); return nil })
	st.Close()
	for _, name := range []string{path, path + "-wal", path + "-shm"} {
		if _, err := os.Stat(name); errors.Is(err, fs.ErrNotExist) {
			// Closing checkpoints the WAL away; make one as a crash leaves.
			if err := os.WriteFile(name, nil, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		if err := os.Chmod(name, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	var logs bytes.Buffer
	openAt(t, path, store.WithLogger(slog.New(slog.NewTextHandler(&logs, nil))))
	for _, name := range []string{path, path + "-wal", path + "-shm"} {
		checkMode(t, name)
		if want := fmt.Sprintf("file=%s was=-rw-r--r--", name); !strings.Contains(logs.String(), want) {
			t.Errorf("log %q; want it to name %s", logs.String(), want)
		}
	}
	// Opened again, there is nothing to say.
	logs.Reset()
	openAt(t, path, store.WithLogger(slog.New(slog.NewTextHandler(&logs, nil))))
	if strings.Contains(logs.String(), "narrowed") {
		t.Errorf("second open logged %q; want nothing narrowed", logs.String())
	}
}

// TestBackupWhileWriting backs up while goroutines save answers: the copy
// passes SQLite's integrity check, holds at least every answer committed
// before the backup began, and has mode 0600.
func TestBackupWhileWriting(t *testing.T) {
	st, path := open(t)
	ctx := context.Background()
	const writers = 4
	var saved atomic.Int64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				err := st.Update(ctx, func(tx *store.Tx) error {
					p := person(t, tx, fmt.Sprintf("%d-%d", w, i))
					_, err := tx.SaveAnswer(p.ID, "resident", flow.Answer{Key: "offer", Value: text("a cuppa"), Version: 1})
					return err
				})
				if err != nil {
					t.Errorf("save an answer: %v", err)
					return
				}
				saved.Add(1)
			}
		})
	}
	// Let the writers get going, so that the backup meets them.
	for saved.Load() < 50 {
		runtime.Gosched()
	}
	before := saved.Load()
	backup := filepath.Join(t.TempDir(), "backup.db")
	err := st.Backup(ctx, backup, false)
	close(stop)
	wg.Wait()
	if err != nil {
		t.Fatalf("Backup: %v", err)
	}
	if saved.Load() == before {
		t.Log("no answer was saved while the backup ran")
	}
	checkMode(t, backup)
	db := raw(t, backup)
	var check string
	if err := db.QueryRow(`PRAGMA integrity_check`).Scan(&check); err != nil || check != "ok" {
		t.Fatalf("integrity_check of the backup: %q, %v; want ok", check, err)
	}
	if got := count(t, db, `SELECT COUNT(*) FROM answers`); int64(got) < before {
		t.Errorf("answers in the backup: got %d; want at least the %d saved before it began", got, before)
	}
	if got, want := count(t, db, `SELECT COUNT(*) FROM answers`), count(t, raw(t, path), `SELECT COUNT(*) FROM answers`); got > want {
		t.Errorf("answers in the backup: got %d; want at most the database's %d", got, want)
	}
	// Nothing is left beside it but the backup.
	files, err := os.ReadDir(filepath.Dir(backup))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != 1 {
		t.Errorf("files beside the backup: %v; want the backup alone", files)
	}
}

// TestBackupRefusesToOverwrite: an existing file is kept unless told to
// overwrite it.
func TestBackupRefusesToOverwrite(t *testing.T) {
	st, _ := open(t)
	ctx := context.Background()
	backup := filepath.Join(t.TempDir(), "backup.db")
	if err := os.WriteFile(backup, []byte("keep me"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := st.Backup(ctx, backup, false); !errors.Is(err, fs.ErrExist) {
		t.Fatalf("Backup over a file: got %v; want fs.ErrExist", err)
	}
	if got, _ := os.ReadFile(backup); string(got) != "keep me" {
		t.Fatalf("refused backup changed the file: %q", got)
	}
	if err := st.Backup(ctx, backup, true); err != nil {
		t.Fatalf("Backup with overwrite: %v", err)
	}
	checkMode(t, backup)
	if got := count(t, raw(t, backup), `SELECT MAX(version) FROM schema_migrations`); got != store.SchemaVersion() {
		t.Errorf("schema version of the backup: got %d; want %d", got, store.SchemaVersion())
	}
}
