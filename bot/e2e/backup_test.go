package e2e

import (
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"testing"

	_ "github.com/mattn/go-sqlite3" // to read the backups
)

// TestBackupWhileRunning runs `assetbot backup`, again and again, while
// the bot serves residents answering at once: every backup passes
// SQLite's integrity check and is readable by its owner alone, as are the
// database and its WAL files, and one taken at the end holds everyone.
func TestBackupWhileRunning(t *testing.T) {
	const residents = 4
	d := newDeployment(t)
	bot := d.start()
	var wg sync.WaitGroup
	for i := range residents {
		r := newResident(t, d, int64(301+i), fmt.Sprintf("Resident%d", i))
		r.fatalf = func(format string, args ...any) {
			t.Errorf(r.name+": "+format, args...)
			runtime.Goexit()
		}
		wg.Go(func() {
			m := r.play(r.say("/start", "Hi "+r.name+"!"), shortPlan(), "")
			r.pick(m, "m", "confirm", textSaved)
		})
	}
	played := make(chan struct{})
	go func() {
		wg.Wait()
		close(played)
	}()
	dir := t.TempDir()
	var backups []string
	backup := func() string {
		path := filepath.Join(dir, fmt.Sprintf("backup-%d.db", len(backups)))
		d.cli("backup", path)
		backups = append(backups, path)
		return path
	}
	for running := true; running; {
		backup()
		select {
		case <-played:
			running = false
		default:
		}
	}
	// The bot has been writing: its WAL files are there, owner-only too.
	for _, name := range []string{d.database(), d.database() + "-wal", d.database() + "-shm"} {
		checkOwnerOnly(t, name)
	}
	bot.terminate(t)
	final := backup()
	t.Logf("%d backups taken while the residents answered", len(backups)-1)
	for _, path := range backups {
		checkOwnerOnly(t, path)
		db, err := sql.Open("sqlite3", "file:"+path+"?mode=ro")
		if err != nil {
			t.Fatal(err)
		}
		var check string
		if err := db.QueryRow(`PRAGMA integrity_check`).Scan(&check); err != nil || check != "ok" {
			t.Errorf("%s: integrity_check %q, %v; want ok", filepath.Base(path), check, err)
		}
		if path == final {
			var people int
			if err := db.QueryRow(`SELECT COUNT(*) FROM people WHERE confirmed_at IS NOT NULL`).Scan(&people); err != nil || people != residents {
				t.Errorf("people confirmed in the last backup: %d, %v; want %d", people, err, residents)
			}
		}
		db.Close()
	}
}

// checkOwnerOnly fails the test unless the file has mode 0600.
func checkOwnerOnly(t *testing.T, path string) {
	t.Helper()
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := info.Mode().Perm(); got != 0o600 {
		t.Errorf("%s: mode %v; want -rw-------", filepath.Base(path), got)
	}
}
