package bot

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/assetbot/assetbot/bot/fakeapi"
	"github.com/assetbot/assetbot/flows"
	"github.com/assetbot/assetbot/internal/conversation"
	"github.com/assetbot/assetbot/internal/flow"
	"github.com/assetbot/assetbot/internal/store"
)

// logBuffer collects log output and lets a test wait for a line.
type logBuffer struct {
	mu      sync.Mutex
	buf     bytes.Buffer
	changed chan struct{}
}

func newLogBuffer() *logBuffer { return &logBuffer{changed: make(chan struct{})} }

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	close(l.changed)
	l.changed = make(chan struct{})
	return l.buf.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// waitFor waits until the log holds text.
func (l *logBuffer) waitFor(t testing.TB, text string) {
	t.Helper()
	timeout := time.After(waitTimeout)
	for {
		l.mu.Lock()
		found := strings.Contains(l.buf.String(), text)
		changed := l.changed
		l.mu.Unlock()
		if found {
			return
		}
		select {
		case <-changed:
		case <-timeout:
			t.Fatalf("timed out waiting for %q in the log:\n%s", text, l.String())
		}
	}
}

// stopRun cancels the bot's context and returns what Run returned.
func (h *harness) stopRun(t testing.TB) error {
	t.Helper()
	h.cancel()
	var err error
	select {
	case err = <-h.done:
	case <-time.After(waitTimeout):
		t.Fatal("Run did not return after its context was cancelled")
	}
	h.store.Close()
	h.cancel = nil
	return err
}

// TestSetMyCommandsFailureNotFatal checks that the bot runs on when it
// cannot register its command menu.
func TestSetMyCommandsFailureNotFatal(t *testing.T) {
	t.Parallel()
	h := newIdleHarness(t, fakeapi.Options{})
	h.fake.Fail("setMyCommands", 0, fakeapi.InternalError())
	h.start(testConfig(h.fake))
	r := h.resident(t, 1501, "Cam")
	r.say("/start")
	r.asked("consent")
	if n := h.fake.Stats().Requests["setMyCommands"]; n == 0 {
		t.Errorf("setMyCommands was never tried")
	}
	if err := h.stopRun(t); err != nil {
		t.Errorf("Run returned %v; want nil", err)
	}
}

// TestCommandsRegistered checks the command menu the bot registers.
func TestCommandsRegistered(t *testing.T) {
	t.Parallel()
	h := newHarness(t, fakeapi.Options{})
	r := h.resident(t, 1511, "Cam")
	r.say("/start")
	r.asked("consent")
	calls := h.fake.Calls("setMyCommands")
	if len(calls) == 0 {
		t.Fatal("setMyCommands was not called")
	}
	list := calls[0].Get("commands")
	for _, c := range []string{"start", "back", "skip", "cancel", "me", "privacy", "stop", "help"} {
		if !strings.Contains(list, `"command":"`+c+`"`) {
			t.Errorf("commands %s lack /%s", list, c)
		}
	}
}

// TestRunStopsOnCancel checks that Run returns nil when its context ends,
// polling or serving a webhook.
func TestRunStopsOnCancel(t *testing.T) {
	t.Parallel()
	for _, mode := range []string{"polling", "webhook"} {
		t.Run(mode, func(t *testing.T) {
			h := newIdleHarness(t, fakeapi.Options{})
			cfg := testConfig(h.fake)
			cfg.Mode = mode
			if mode == "webhook" {
				addr := freeAddr(t)
				cfg.Webhook.Listen, cfg.Webhook.URL, cfg.Webhook.Secret = addr, "http://"+addr+"/hook", "secret"
			}
			h.start(cfg)
			if mode == "webhook" {
				waitUntil(t, "the webhook is set", func() bool { return h.fake.Webhook() != nil })
			} else {
				r := h.resident(t, 1521, "Dot")
				r.say("/start")
				r.asked("consent")
			}
			if err := h.stopRun(t); err != nil {
				t.Errorf("Run returned %v; want nil", err)
			}
		})
	}
}

// TestNewRefusesBadTokens checks the errors New gives for a missing and
// a refused token.
func TestNewRefusesBadTokens(t *testing.T) {
	t.Parallel()
	h := newIdleHarness(t, fakeapi.Options{Token: "42:right-token"})
	st, svc := openService(t)
	for _, tc := range []struct {
		token string
		want  error
	}{
		{"", ErrNoToken},
		{"42:wrong-token", ErrUnauthorized},
	} {
		cfg := testConfig(h.fake)
		cfg.Token = tc.token
		newBotMu.Lock()
		_, err := New(context.Background(), cfg, st, svc, slog.New(slog.DiscardHandler))
		newBotMu.Unlock()
		if !errors.Is(err, tc.want) {
			t.Errorf("token %q: New returned %v; want %v", tc.token, err, tc.want)
		}
	}
}

// openService opens a store and a conversation service for calling New
// directly.
func openService(t testing.TB) (*store.Store, *conversation.Service) {
	t.Helper()
	log := slog.New(slog.DiscardHandler)
	st, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "bot.db"), store.WithLogger(log))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	fl, problems := flow.LoadFS(flows.FS, ".")
	if problems != nil {
		t.Fatal(problems)
	}
	svc, err := conversation.New(fl, "resident", log, conversation.WithStore(st))
	if err != nil {
		t.Fatal(err)
	}
	return st, svc
}

// secretToken looks like a real bot token, so that a leak is unmistakable.
const secretToken = "7355608:AAH-sup3r_SECRET-t0ken-VALUE"

// TestNetworkErrorsDoNotLogToken checks that network errors, whose text
// holds the request URL and with it the token, are logged without it:
// while the Bot API cannot be reached at start, and when it goes away
// while the bot runs.
func TestNetworkErrorsDoNotLogToken(t *testing.T) {
	t.Parallel()
	noToken := func(t *testing.T, log string) {
		t.Helper()
		for _, leak := range []string{secretToken, "sup3r_SECRET-t0ken-VALUE"} {
			if strings.Contains(log, leak) {
				t.Errorf("the log holds the token:\n%s", log)
			}
		}
	}

	t.Run("unreachable at start", func(t *testing.T) {
		t.Parallel()
		st, svc := openService(t)
		cfg := testConfig(fakeapi.New(fakeapi.Options{}))
		cfg.Token = secretToken
		cfg.APIEndpoint = "http://" + freeAddr(t)
		buf := newLogBuffer()
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		done := make(chan error, 1)
		newBotMu.Lock()
		log := slog.New(slog.NewTextHandler(buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
		go func() {
			_, err := New(ctx, cfg, st, svc, log)
			done <- err
		}()
		buf.waitFor(t, "cannot reach the Telegram Bot API")
		cancel()
		err := <-done
		newBotMu.Unlock()
		if err == nil {
			t.Errorf("New succeeded with nothing to reach")
		}
		if out := buf.String(); !strings.Contains(out, "getMe") {
			t.Errorf("the log does not say what failed:\n%s", out)
		}
		noToken(t, buf.String())
	})

	t.Run("gone while running", func(t *testing.T) {
		t.Parallel()
		h := newIdleHarness(t, fakeapi.Options{Token: secretToken})
		buf := newLogBuffer()
		h.logOut = buf
		h.start(testConfig(h.fake))
		r := h.resident(t, 1531, "Eve")
		r.say("/start")
		r.asked("consent")
		h.fake.Close()
		buf.waitFor(t, "getUpdates failed")
		if err := h.stopRun(t); err != nil {
			t.Errorf("Run returned %v; want nil", err)
		}
		noToken(t, buf.String())
	})
}
