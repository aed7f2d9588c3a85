package store

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// fileMode is the mode of the database and of its -wal and -shm files:
// they hold residents' personal data, so only the bot's own user may read
// them. SQLite gives the -wal and -shm files it creates the mode of the
// database file, so a database file made 0600 before SQLite opens it
// keeps all three so; SQLite itself would create it 0644 (less the umask).
const fileMode = 0o600

// walFiles are the files SQLite keeps beside the database in WAL mode.
var walFiles = []string{"-wal", "-shm"}

// protect creates the database file at path with fileMode if there is
// none, or else narrows to fileMode the database and the WAL files beside
// it where others may read or write them, logging each it narrows.
func (s *Store) protect(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, fileMode)
	if err == nil {
		// An empty file is an empty database to SQLite.
		return f.Close()
	}
	if !errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("create the database file: %w", err)
	}
	for _, name := range []string{path, path + walFiles[0], path + walFiles[1]} {
		info, err := os.Stat(name)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return fmt.Errorf("check the mode of %s: %w", name, err)
		}
		if info.Mode().Perm()&^fileMode == 0 {
			continue
		}
		if err := os.Chmod(name, fileMode); err != nil {
			return fmt.Errorf("narrow the mode of %s to %v: %w", name, fs.FileMode(fileMode), err)
		}
		s.log.Warn("database file was open to other users; narrowed it to owner only", "file", name, "was", info.Mode().Perm().String(), "now", fs.FileMode(fileMode).String())
	}
	return nil
}

// Backup writes a consistent copy of the database to path, with mode
// 0600, while the store is in use: VACUUM INTO reads one snapshot, and in
// WAL mode writers carry on meanwhile. An existing file at path is an
// error (wrapping fs.ErrExist) unless overwrite is set; either way the
// copy appears at path only once it is complete.
func (s *Store) Backup(ctx context.Context, path string, overwrite bool) error {
	if !overwrite {
		if _, err := os.Lstat(path); err == nil {
			return fmt.Errorf("back up to %s: %w", path, fs.ErrExist)
		}
	}
	// VACUUM INTO writes into a new or empty file; an empty one made here
	// keeps the mode CreateTemp gives it, 0600.
	tmp, err := os.CreateTemp(filepath.Dir(path), ".assetbot-backup-*")
	if err != nil {
		return fmt.Errorf("back up to %s: %w", path, err)
	}
	defer os.Remove(tmp.Name())
	if _, err := s.db.ExecContext(ctx, `VACUUM INTO ?`, tmp.Name()); err != nil {
		tmp.Close()
		return fmt.Errorf("back up to %s: %w", path, err)
	}
	// VACUUM INTO does not sync what it wrote.
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("back up to %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("back up to %s: %w", path, err)
	}
	place := os.Rename
	if !overwrite {
		// A link fails if path has appeared meanwhile; a rename would
		// replace it.
		place = os.Link
	}
	if err := place(tmp.Name(), path); err != nil {
		return fmt.Errorf("back up to %s: %w", path, err)
	}
	return nil
}
