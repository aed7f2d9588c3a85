package bot

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/assetbot/assetbot/bot/fakeapi"
	"github.com/assetbot/assetbot/internal/flow"
	"github.com/assetbot/assetbot/internal/store"
)

// checkAudit fails the test unless the audit holds exactly want, each
// "who action people detail", in any order (reads of different chats are
// committed concurrently).
func checkAudit(t *testing.T, st *store.Store, want ...string) {
	t.Helper()
	entries, err := st.AuditSince(context.Background(), time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	got := make([]string, len(entries))
	for i, e := range entries {
		got[i] = fmt.Sprintf("%s %s %d %s", e.Who, e.Action, e.People, e.Detail)
	}
	slices.Sort(got)
	want = slices.Sorted(slices.Values(want))
	if !slices.Equal(got, want) {
		t.Errorf("audit:\n  got  %q\n  want %q", got, want)
	}
}

// TestSearchRefusedWhenTheAuditFails: with the audit table gone, /find
// shows nobody (the organiser hears that something went wrong), since a
// read that cannot be recorded must not happen, and the failure is
// logged, naming the audit but not the words searched for.
func TestSearchRefusedWhenTheAuditFails(t *testing.T) {
	t.Parallel()
	const organiser = 860
	h := newIdleHarness(t, fakeapi.Options{})
	logs := newLogBuffer()
	h.logOut = logs
	h.opts = []Option{WithOrganisers([]int64{organiser})}
	h.start(testConfig(h.fake))
	listed(t, h.store, 861, "Rhiannon", "cooking")
	db, err := sql.Open("sqlite3", "file:"+h.dbPath+"?_busy_timeout=5000")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(`DROP TABLE audit`); err != nil {
		t.Fatal(err)
	}
	h.resident(t, organiser, "Olu").say("/find cooking")
	if got, want := h.next(organiser).Text, en(flow.MsgTrouble); got != want {
		t.Errorf("/find with no audit = %q; want %q", got, want)
	}
	for _, m := range h.fake.Messages(organiser) {
		if strings.Contains(m.Text, "Rhiannon") {
			t.Errorf("the organiser was shown %q with the audit failing", m.Text)
		}
	}
	log := logs.String()
	if !strings.Contains(log, "record the audit of find by 860") {
		t.Errorf("log %q; want the audit's failure", log)
	}
	if strings.Contains(log, "cooking") {
		t.Errorf("log %q; want no words searched for", log)
	}
}
