package bot

import (
	"context"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/assetbot/assetbot/bot/fakeapi"
	"github.com/assetbot/assetbot/flows"
	"github.com/assetbot/assetbot/internal/config"
	"github.com/assetbot/assetbot/internal/conversation"
	"github.com/assetbot/assetbot/internal/flow"
	"github.com/assetbot/assetbot/internal/store"
)

// harness runs a real Bot against a fake Bot API and a database file.
type harness struct {
	t      testing.TB
	fake   *fakeapi.Server
	store  *store.Store
	bot    *Bot
	dbPath string
	cancel context.CancelFunc
	done   chan error
	// logOut, if set, receives the bot's log at debug level.
	logOut io.Writer
	// opts are passed to New.
	opts []Option
}

// newBotMu serialises calls to New across parallel tests.
var newBotMu sync.Mutex

func testConfig(fake *fakeapi.Server) config.Telegram {
	cfg := config.Default().Telegram
	cfg.Token = fake.Token()
	cfg.APIEndpoint = fake.URL()
	cfg.PollTimeout = time.Second
	cfg.Send.Rate, cfg.Send.PerChatRate = 0, 0
	return cfg
}

func newHarness(t testing.TB, opts fakeapi.Options) *harness {
	t.Helper()
	h := newIdleHarness(t, opts)
	h.start(testConfig(h.fake))
	return h
}

// newIdleHarness is a harness whose bot is not started yet, for tests that
// set up the fake, the config or the log first.
func newIdleHarness(t testing.TB, opts fakeapi.Options) *harness {
	t.Helper()
	fake := fakeapi.New(opts)
	if err := fake.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(fake.Close)
	return &harness{t: t, fake: fake, dbPath: filepath.Join(t.TempDir(), "bot.db")}
}

func (h *harness) start(cfg config.Telegram) {
	t := h.t
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	switch {
	case h.logOut != nil:
		log = slog.New(slog.NewTextHandler(h.logOut, &slog.HandlerOptions{Level: slog.LevelDebug}))
	case testing.Verbose():
		log = slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	fl, problems := flow.LoadFS(flows.FS, ".")
	if problems != nil {
		t.Fatal(problems)
	}
	st, err := store.Open(ctx, h.dbPath, store.WithLogger(log), store.WithFlows(fl))
	if err != nil {
		t.Fatal(err)
	}
	svc, err := conversation.New(fl, "resident", log, conversation.WithStore(st))
	if err != nil {
		t.Fatal(err)
	}
	// New sets go-telegram-bot-api's package-wide logger: bots made at
	// once in parallel tests would race on it.
	newBotMu.Lock()
	b, err := New(ctx, cfg, st, svc, log, h.opts...)
	newBotMu.Unlock()
	if err != nil {
		t.Fatal(err)
	}
	h.store, h.bot, h.cancel, h.done = st, b, cancel, make(chan error, 1)
	go func() { h.done <- b.Run(ctx) }()
	t.Cleanup(h.stop)
}

// stop shuts the bot down cleanly and closes the database.
func (h *harness) stop() {
	if h.cancel == nil {
		return
	}
	h.cancel()
	if err := <-h.done; err != nil {
		h.t.Errorf("Run: %v", err)
	}
	h.store.Close()
	h.cancel = nil
}

type testWriter struct{ t testing.TB }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

// next waits for the bot's next new message to user.
func (h *harness) next(user int64) fakeapi.Sent {
	h.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	m, err := h.fake.NextMessage(ctx, user)
	if err != nil {
		h.t.Fatalf("waiting for a message to %d: %v (got so far: %v)", user, err, texts(h.fake.Messages(user)))
	}
	return m
}

func texts(sent []fakeapi.Sent) []string {
	var out []string
	for _, s := range sent {
		out = append(out, s.Method+": "+s.Text)
	}
	return out
}
