package bot

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"testing"

	"github.com/assetbot/assetbot/bot/fakeapi"
	"github.com/assetbot/assetbot/internal/flow"
	"github.com/assetbot/assetbot/internal/leakscan"
	"github.com/assetbot/assetbot/internal/store"
)

// TestDeleteLeavesNothing plays a resident who answers in their own words,
// asks to /delete, says no, then yes: afterwards no table, column or byte
// of the database file or WAL holds their id, Telegram id, name or any
// of their words, and /start meets them as someone new.
func TestDeleteLeavesNothing(t *testing.T) {
	h := newHarness(t, fakeapi.Options{})
	const (
		user     = 987654321
		name     = "Quillonia"
		personID = 7340031
	)
	// Ids so far from every other value that finding one means it was left.
	db, err := sql.Open("sqlite3", "file:"+h.dbPath+"?_busy_timeout=5000")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(`INSERT INTO people (id, channel, channel_user_id, created_at, updated_at) VALUES (?, 'test', 'filler', '', '')`, personID-1); err != nil {
		t.Fatal(err)
	}
	r := h.resident(t, user, name)
	r.reach("head")
	r.say("zanzibar quilting")
	r.asked("heart")
	r.say("Green spaces")
	r.asked("offer")
	r.say("heron watching")
	r.asked("learn")
	if p, _ := h.person(t, user); p.ID != personID {
		t.Fatalf("the resident has id %d; want %d", p.ID, personID)
	}

	needles := leakscan.Needles{Numbers: []int64{personID, user}, Strings: []string{name, "zanzibar quilting", "heron watching"}}
	if found, err := leakscan.Scan(h.dbPath, needles); err != nil || len(found) == 0 {
		t.Fatalf("before deleting the scan finds %d places (err %v); want some, or it proves nothing", len(found), err)
	}

	en := func(msg string) string { return h.bot.svc.Text("en", msg) }
	r.say("/delete")
	confirm := r.reply()
	if confirm.Text != en(flow.MsgDelete) {
		t.Errorf("/delete says %q; want the confirmation %q", confirm.Text, en(flow.MsgDelete))
	}
	r.press(confirm, button(t, confirm, "m", actDeleteNo))
	if got := r.pressed(confirm, en(flow.MsgMenuDeleteNo)); got.Text != en(flow.MsgKept) {
		t.Errorf("after No: %q; want %q", got.Text, en(flow.MsgKept))
	}
	if _, found := h.person(t, user); !found {
		t.Fatal("No deleted the resident")
	}
	r.say("/delete")
	confirm = r.reply()
	r.press(confirm, button(t, confirm, "m", actDeleteYes))
	if got := r.pressed(confirm, en(flow.MsgMenuDeleteYes)); got.Text != en(flow.MsgDeleted) {
		t.Errorf("after Yes: %q; want %q", got.Text, en(flow.MsgDeleted))
	}
	if p, found := h.person(t, user); found {
		t.Fatalf("after deleting, the store still has %+v", p)
	}

	// The bar: once what was queued to them is sent and the WAL emptied.
	waitUntil(t, "the messages to the resident are sent", func() bool { return len(h.pending(t, user)) == 0 })
	waitUntil(t, "a checkpoint empties the WAL", func() bool {
		err := h.store.Checkpoint(context.Background())
		if err != nil && !errors.Is(err, store.ErrBusy) {
			t.Fatal(err)
		}
		return err == nil
	})
	found, err := leakscan.Scan(h.dbPath, needles)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range found {
		t.Errorf("left behind: %s", f)
	}

	r.say("/start")
	if consent := r.asked("consent"); !strings.Contains(consent.Text, "Hi "+name) {
		t.Errorf("starting again: %q; want the welcome, as for someone new", consent.Text)
	}
	if p, _ := h.person(t, user); p.ID == personID {
		t.Errorf("starting again took the erased id %d", personID)
	}
}

// TestDeleteDropsWhatWasQueued: a message queued to a resident before
// they were erased, still waiting for the chat's rate limit, is not sent
// after the erasure: its row went with them. The confirmation is.
func TestDeleteDropsWhatWasQueued(t *testing.T) {
	t.Parallel()
	h := newIdleHarness(t, fakeapi.Options{})
	cfg := testConfig(h.fake)
	cfg.Send.PerChatRate, cfg.Send.PerChatBurst = 0.5, 1
	h.start(cfg)
	const user = 1401
	r := h.resident(t, user, "Sol")
	r.say("/delete")
	confirm := r.reply()
	r.say("/help") // its reply waits two seconds for the chat's limit
	waitUntil(t, "the reply to /help is queued", func() bool { return len(h.pending(t, user)) == 1 })
	r.press(confirm, button(t, confirm, "m", actDeleteYes))
	got := r.await("the press handled and the confirmation sent", func(s []fakeapi.Sent) bool { return len(sends(s)) > 0 })
	want := h.bot.svc.Text("en", flow.MsgDeleted)
	if s := sends(got); len(s) != 1 || s[0].Text != want {
		t.Errorf("after Yes the chat got %q; want only %q", texts(got), want)
	}
}
