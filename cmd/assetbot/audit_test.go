package main

import (
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// auditRows runs `assetbot audit` with args and returns its rows after
// the header, each as "who action people detail" (the time left out).
func auditRows(t *testing.T, cfg string, args ...string) []string {
	t.Helper()
	out, stderr, err := invoke(t, "", append([]string{"--config", cfg, "audit"}, args...)...)
	if err != nil {
		t.Fatalf("audit %q: %v\n%s", args, err, stderr)
	}
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if fields := strings.Fields(lines[0]); !slices.Equal(fields, []string{"WHEN", "WHO", "ACTION", "PEOPLE", "DETAIL"}) {
		t.Fatalf("audit header = %q", lines[0])
	}
	var rows []string
	for _, line := range lines[1:] {
		// WHEN is a date, a time and a zone.
		rows = append(rows, strings.Join(strings.Fields(line)[3:], " "))
	}
	return rows
}

func TestAuditCommand(t *testing.T) {
	cfg := configFile(t, "log:\n  level: warn\ntimezone: Europe/London\n")
	seedDuePerson(t, cfg)
	if _, stderr, err := invoke(t, "", "--config", cfg, "digest", "--since", "2000-01-01"); err != nil {
		t.Fatalf("digest: %v\n%s", err, stderr)
	}
	tests := []struct {
		name string
		args []string
		want []string
	}{
		{"all", nil, []string{"cli digest 0 since 2000-01-01"}},
		{"since long ago", []string{"--since", "2000-01-01"}, []string{"cli digest 0 since 2000-01-01"}},
		{"since a day to come", []string{"--since", "2999-01-01"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := auditRows(t, cfg, tt.args...); !slices.Equal(got, tt.want) {
				t.Errorf("audit %q: got %q; want %q", tt.args, got, tt.want)
			}
		})
	}
	for _, args := range [][]string{{"--since", "last week"}, {"--since", "2026-13-01"}, {"extra"}} {
		_, stderr, err := invoke(t, "", append([]string{"--config", cfg, "audit"}, args...)...)
		if !errors.Is(err, errUsage) {
			t.Errorf("audit %q: got %v; want a usage error", args, err)
		}
		if args[0] == "--since" && !strings.Contains(stderr, "--since takes a date like") {
			t.Errorf("audit %q: stderr %q; want it to say what --since takes", args, stderr)
		}
	}
}

func TestBackupCommand(t *testing.T) {
	cfg := configFile(t, "log:\n  level: warn\n")
	seedDuePerson(t, cfg) // two people
	dir := t.TempDir()
	backup := filepath.Join(dir, "copy.db")
	if _, stderr, err := invoke(t, "", "--config", cfg, "backup", backup); err != nil {
		t.Fatalf("backup: %v\n%s", err, stderr)
	}
	info, err := os.Stat(backup)
	if err != nil {
		t.Fatal(err)
	}
	if info.Mode().Perm() != 0o600 {
		t.Errorf("backup mode %v; want -rw-------", info.Mode().Perm())
	}
	db, err := sql.Open("sqlite3", "file:"+backup)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var check string
	var people int
	if err := db.QueryRow(`PRAGMA integrity_check`).Scan(&check); err != nil || check != "ok" {
		t.Errorf("integrity_check: %q, %v; want ok", check, err)
	}
	if err := db.QueryRow(`SELECT COUNT(*) FROM people`).Scan(&people); err != nil || people != 2 {
		t.Errorf("people in the backup: %d, %v; want 2", people, err)
	}

	// An existing file is kept unless --force, which may come either side.
	_, _, err = invoke(t, "", "--config", cfg, "backup", backup)
	if err == nil || !strings.Contains(err.Error(), backup+" exists: give --force to replace it") {
		t.Errorf("backup over a file: got %v; want a refusal naming --force", err)
	}
	for _, args := range [][]string{{backup, "--force"}, {"--force", backup}} {
		if _, stderr, err := invoke(t, "", append([]string{"--config", cfg, "backup"}, args...)...); err != nil {
			t.Errorf("backup %q: %v\n%s", args, err, stderr)
		}
	}
	for _, args := range [][]string{nil, {"a.db", "b.db"}, {"--nope", "a.db"}} {
		if _, _, err := invoke(t, "", append([]string{"--config", cfg, "backup"}, args...)...); !errors.Is(err, errUsage) {
			t.Errorf("backup %q: got %v; want a usage error", args, err)
		}
	}
	// The three backups made are audited; the refused one is not.
	want := "cli backup 2 to " + backup
	if got := auditRows(t, cfg); !slices.Equal(got, []string{want, want, want}) {
		t.Errorf("audit: got %q; want %q three times", got, want)
	}
}

// TestCommandNarrowsAWideDatabase: a command that finds the database open
// to other users narrows it to 0600 and says so.
func TestCommandNarrowsAWideDatabase(t *testing.T) {
	cfg := configFile(t, "")
	seedDuePerson(t, cfg)
	db := filepath.Join(filepath.Dir(cfg), "assetbot.db")
	if err := os.Chmod(db, 0o644); err != nil {
		t.Fatal(err)
	}
	_, stderr, err := invoke(t, "", "--config", cfg, "audit")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(stderr, "level=WARN") || !strings.Contains(stderr, "file="+db+" was=-rw-r--r--") {
		t.Errorf("stderr %q; want a warning naming the database and its mode", stderr)
	}
	info, err := os.Stat(db)
	if err != nil {
		t.Fatal(err)
	}
	if info.Mode().Perm() != 0o600 {
		t.Errorf("database mode after the command: %v; want -rw-------", info.Mode().Perm())
	}
}
