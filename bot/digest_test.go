package bot

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/assetbot/assetbot/bot/fakeapi"
	"github.com/assetbot/assetbot/internal/store"
)

// TestDigestOnDemand sends /digest from an organiser: the digest's text
// and then its chart as a photo come back, in the organiser's language.
func TestDigestOnDemand(t *testing.T) {
	t.Parallel()
	h := newIdleHarness(t, fakeapi.Options{})
	const organiser = 7400
	chart := []byte("\x89PNG chart")
	h.opts = []Option{WithOrganisers([]int64{organiser}), WithDigest(func(_ context.Context, _ time.Time, lang string) (Digest, error) {
		return Digest{Text: "Digest in " + lang, Chart: chart, CSV: []byte("\ufeffname\nOlwen\n"), People: 1}, nil
	})}
	h.start(testConfig(h.fake))
	h.fake.SetLanguage(organiser, "cy")
	r := h.resident(t, organiser, "Olwen")
	r.say(cmdDigest)
	if got := h.next(organiser); got.Method != fakeapi.MethodSendMessage || got.Text != "Digest in cy" {
		t.Errorf("/digest first sent %s %q; want the digest's text in Welsh", got.Method, got.Text)
	}
	if got := h.next(organiser); got.Method != fakeapi.MethodSendPhoto || got.File != photoName {
		t.Errorf("/digest then sent %s %q; want the chart as a photo", got.Method, got.File)
	}
	if got := h.next(organiser); got.Method != fakeapi.MethodSendDocument || got.File != CSVName {
		t.Errorf("/digest last sent %s %q; want the people CSV as a document", got.Method, got.File)
	}
	checkAudit(t, h.store, "7400 digest 1 /digest")
}

// TestQueueDigest queues the digest to two organisers in their languages,
// making it once per language, and queues nothing when it cannot be made.
func TestQueueDigest(t *testing.T) {
	st, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "digest.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	made := map[string]int{}
	d := func(_ context.Context, _ time.Time, lang string) (Digest, error) {
		made[lang]++
		return Digest{Text: "Digest in " + lang, Chart: []byte("png"), People: 4}, nil
	}
	chats := map[int64]string{1: "en", 2: "cy", 3: "en"}
	if err := QueueDigest(context.Background(), st, d, time.Now(), chats, "scheduled"); err != nil {
		t.Fatal(err)
	}
	if made["en"] != 1 || made["cy"] != 1 {
		t.Errorf("made the digest %v times by language; want once each", made)
	}
	msgs, err := st.PendingScheduled(context.Background(), 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	const perChat = 2 // the text and the chart; no CSV was made
	if len(msgs) != len(chats)*perChat {
		t.Errorf("queued %d messages; want %d", len(msgs), len(chats)*perChat)
	}
	failing := func(context.Context, time.Time, string) (Digest, error) {
		return Digest{}, errors.New("disk gone")
	}
	if err := QueueDigest(context.Background(), st, failing, time.Now(), map[int64]string{4: "en"}, "scheduled"); err == nil {
		t.Error("QueueDigest with a digest that cannot be made succeeded; want its error")
	}
	if again, _ := st.PendingScheduled(context.Background(), 0, 100); len(again) != len(msgs) {
		t.Errorf("a failed digest queued %d messages", len(again)-len(msgs))
	}
	// Each organiser's copy is recorded, and the one that failed is not.
	checkAudit(t, st, "1 digest 4 scheduled", "2 digest 4 scheduled", "3 digest 4 scheduled")
}
