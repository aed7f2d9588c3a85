package loadtest

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os/exec"
	"path/filepath"
	"sync"
	"time"
)

// ErrBackup means a backup taken during the run failed, or the copy it
// made fails SQLite's integrity check.
var ErrBackup = errors.New("bad backups")

// backupName is the file each backup of a run replaces, in its folder.
const backupName = "backup.db"

// backups runs `assetbot backup` on the bot's database, again and again,
// while the residents play, and checks each copy (see startBackups).
type backups struct {
	stop     chan struct{}
	done     chan struct{}
	stopOnce sync.Once
	// taken and errs are set before done closes.
	taken int
	errs  []error
}

// startBackups takes a backup of the database config names into dir
// every interval, each with `binary backup --force` (so it replaces the
// last), and checks it with PRAGMA integrity_check, until finish.
func startBackups(ctx context.Context, binary, config, dir string, interval time.Duration) *backups {
	b := &backups{stop: make(chan struct{}), done: make(chan struct{})}
	path := filepath.Join(dir, backupName)
	go func() {
		defer close(b.done)
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-b.stop:
				return
			case <-t.C:
			}
			if err := backUp(ctx, binary, config, path); err != nil {
				b.errs = append(b.errs, fmt.Errorf("backup %d: %w", b.taken+len(b.errs)+1, err))
				continue
			}
			b.taken++
		}
	}()
	return b
}

// finish stops taking backups, waits for the one under way, and returns
// how many passed, with an ErrBackup error if any failed.
func (b *backups) finish() (int, error) {
	b.stopOnce.Do(func() { close(b.stop) })
	<-b.done
	if len(b.errs) > 0 {
		return b.taken, fmt.Errorf("%w: %d of %d: %w", ErrBackup, len(b.errs), b.taken+len(b.errs), errors.Join(b.errs...))
	}
	return b.taken, nil
}

// backUp runs one backup to path and checks the copy.
func backUp(ctx context.Context, binary, config, path string) error {
	out, err := exec.CommandContext(ctx, binary, "backup", "--config", config, "--force", path).CombinedOutput()
	if err != nil {
		return fmt.Errorf("%w: %s", err, tailOf(out))
	}
	db, err := sql.Open("sqlite3", "file:"+path+"?mode=ro")
	if err != nil {
		return fmt.Errorf("open the copy: %w", err)
	}
	defer db.Close()
	var check string
	if err := db.QueryRowContext(ctx, `PRAGMA integrity_check`).Scan(&check); err != nil {
		return fmt.Errorf("check the copy: %w", err)
	}
	if check != "ok" {
		return fmt.Errorf("integrity_check of the copy: %s", check)
	}
	return nil
}

// tailOf is the end of a command's output, for an error.
func tailOf(out []byte) string {
	return string(out[max(0, len(out)-logTail):])
}
