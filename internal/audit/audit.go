// Package audit names what the audit of organisers' reads of personal data
// records, and lists it. The rows themselves are kept by internal/store.
//
// Every read of residents' data by an organiser is recorded: /find, /match
// and /stats, /export and `assetbot export`, introductions, and the digest
// (scheduled, /digest and `assetbot digest`), and `assetbot backup`. A
// read whose audit cannot be written is refused: the audit is written in
// the same transaction as the messages that carry the data, or before a
// file on the host is put in place, so no data leaves unrecorded.
//
// What was searched for is not recorded, only how many words: search
// words are often a resident's name or something they said, and the audit
// is kept for good, after the residents it counts have been erased, so it
// must name nobody.
package audit

import (
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/assetbot/assetbot/internal/store"
)

// The actions the audit records.
const (
	Find      = "find"      // /find: people and assets matching words
	Match     = "match"     // /match: those fitting the aim
	Stats     = "stats"     // /stats: the totals
	Export    = "export"    // /export or `assetbot export`
	Introduce = "introduce" // an introduction started, or a person's Telegram shared
	Digest    = "digest"    // the organisers' digest
	Backup    = "backup"    // `assetbot backup`: a copy of the whole database
)

// CLI is who, in the audit, ran an assetbot command on the host: whoever
// can run it can read the database file anyway, so no finer name is known.
const CLI = "cli"

// timeLayout is how Print shows when: to the second, with the zone.
const timeLayout = "2006-01-02 15:04:05 MST"

// Print writes entries as a table, oldest first as given, with times in
// loc.
func Print(w io.Writer, entries []store.AuditEntry, loc *time.Location) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "WHEN\tWHO\tACTION\tPEOPLE\tDETAIL")
	for _, e := range entries {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\n", e.At.In(loc).Format(timeLayout), e.Who, e.Action, e.People, e.Detail)
	}
	if err := tw.Flush(); err != nil {
		return fmt.Errorf("print the audit: %w", err)
	}
	return nil
}
