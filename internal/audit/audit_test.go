package audit_test

import (
	"bytes"
	"testing"
	"time"

	"github.com/assetbot/assetbot/internal/audit"
	"github.com/assetbot/assetbot/internal/store"
)

// TestPrint lists entries as an aligned table, in the order given, with
// times in the zone asked for (summer time included).
func TestPrint(t *testing.T) {
	london, err := time.LoadLocation("Europe/London")
	if err != nil {
		t.Fatal(err)
	}
	entries := []store.AuditEntry{
		{At: time.Date(2026, 7, 3, 10, 12, 9, 0, time.UTC), Who: "611", Action: audit.Find, People: 5, Detail: "page 1/2, found 7, words 1"},
		{At: time.Date(2026, 11, 10, 17, 30, 55, 0, time.UTC), Who: audit.CLI, Action: audit.Export, People: 120, Detail: "csv resident"},
	}
	tests := []struct {
		name    string
		entries []store.AuditEntry
		want    string
	}{
		{"none", nil, "WHEN  WHO  ACTION  PEOPLE  DETAIL\n"},
		{"two", entries, "" +
			"WHEN                     WHO  ACTION  PEOPLE  DETAIL\n" +
			"2026-07-03 11:12:09 BST  611  find    5       page 1/2, found 7, words 1\n" +
			"2026-11-10 17:30:55 GMT  cli  export  120     csv resident\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			if err := audit.Print(&out, tt.entries, london); err != nil {
				t.Fatal(err)
			}
			if got := out.String(); got != tt.want {
				t.Errorf("got\n%s\nwant\n%s", got, tt.want)
			}
		})
	}
}
