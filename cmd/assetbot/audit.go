package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"
	"time"

	"github.com/assetbot/assetbot/internal/audit"
	"github.com/assetbot/assetbot/internal/store"
)

// listAudit runs `assetbot audit [--since DATE]`: the organisers' reads
// of personal data, oldest first, so the newest are at the foot.
func (e *environment) listAudit(ctx context.Context, args []string) error {
	flags := e.flagSet("audit")
	sinceText := flags.String("since", "", "from this date (YYYY-MM-DD, in the config's timezone; default: from the start)")
	if err := parse(flags, args); err != nil {
		return err
	}
	cfg, err := e.config()
	if err != nil {
		return err
	}
	var since time.Time
	if *sinceText != "" {
		if since, err = time.ParseInLocation(sinceLayout, *sinceText, cfg.Location()); err != nil {
			fmt.Fprintf(e.stderr, "assetbot audit: --since takes a date like %s; got %q\n", time.Now().Format(sinceLayout), *sinceText)
			return errUsage
		}
	}
	st, err := e.openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	entries, err := st.AuditSince(ctx, since)
	if err != nil {
		return err
	}
	return audit.Print(e.stdout, entries, cfg.Location())
}

// backup runs `assetbot backup FILE [--force]`: a consistent copy of the
// database, taken while the bot runs, readable by its owner alone.
func (e *environment) backup(ctx context.Context, args []string) error {
	flags := e.flagSet("backup")
	force := flags.Bool("force", false, "replace FILE if it exists")
	// FILE may come before the flags: "backup FILE --force".
	var file []string
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		file, args = args[:1], args[1:]
	}
	if err := flags.Parse(args); err != nil {
		return errUsage
	}
	if file = append(file, flags.Args()...); len(file) != 1 || file[0] == "" {
		fmt.Fprintln(e.stderr, "usage: assetbot backup FILE [--force]")
		return errUsage
	}
	path := file[0]
	cfg, st, err := e.configAndStore(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	if err := st.Backup(ctx, path, *force); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return fmt.Errorf("%s exists: give --force to replace it", path)
		}
		return err
	}
	people, _, err := st.PeopleCounts(ctx, st.Now())
	if err == nil {
		err = st.Audit(ctx, store.AuditEntry{Who: audit.CLI, Action: audit.Backup, People: people, Detail: "to " + path})
	}
	if err != nil {
		// A copy of everyone's data that the audit does not show is not
		// left behind.
		os.Remove(path)
		return fmt.Errorf("record the backup in the audit (the backup is removed): %w", err)
	}
	fmt.Fprintf(e.stderr, "backed up %s to %s (%d people)\n", cfg.Database.Path, path, people)
	return nil
}
