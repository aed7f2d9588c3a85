package bot

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
)

// secretHeader is where Telegram echoes the webhook's secret_token.
const secretHeader = "X-Telegram-Bot-Api-Secret-Token"

// Telegram sends an update in one small request: a client slower than
// this is not Telegram.
const (
	webhookHeaderTimeout = 10 * time.Second
	webhookReadTimeout   = 30 * time.Second
)

// maxUpdateBytes bounds a webhook request body; updates are a few kilobytes.
const maxUpdateBytes = 1 << 20

// serveWebhook registers the webhook with Telegram and serves it until ctx
// ends. Telegram gets 200 only once an update's effects are committed, so
// it redelivers anything we could not apply.
func (b *Bot) serveWebhook(ctx context.Context, api *tgbotapi.BotAPI) error {
	hook, err := url.Parse(b.cfg.Webhook.URL)
	if err != nil {
		return fmt.Errorf("telegram.webhook.url: %w", err)
	}
	params := tgbotapi.Params{"url": b.cfg.Webhook.URL}
	if b.cfg.Webhook.Secret != "" {
		params["secret_token"] = b.cfg.Webhook.Secret
	}
	if err := params.AddInterface("allowed_updates", allowedUpdates); err != nil {
		return fmt.Errorf("encode allowed_updates: %w", err)
	}
	if _, err := api.MakeRequest("setWebhook", params); err != nil {
		if kind, _ := classify(err); kind == errAuth {
			return ErrUnauthorized
		}
		return fmt.Errorf("setWebhook: %w", b.redact.Wrap(err))
	}
	mux := http.NewServeMux()
	path := hook.Path
	if path == "" {
		path = "/"
	}
	mux.Handle(path, b.webhookHandler(ctx))
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: webhookHeaderTimeout, ReadTimeout: webhookReadTimeout}
	ln, err := net.Listen("tcp", b.cfg.Webhook.Listen)
	if err != nil {
		return fmt.Errorf("listen for the webhook on %s: %w", b.cfg.Webhook.Listen, err)
	}
	b.log.Info("receiving updates by webhook", "listen", ln.Addr().String(), "path", path)
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("webhook server: %w", err)
	case <-ctx.Done():
	}
	// Stop taking requests; those in hand finish (Shutdown waits for them)
	// within the shutdown grace, or are cut off: Telegram sends again what
	// it got no answer for.
	shutdownCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), shutdownGrace)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		b.log.Warn("webhook requests still in hand at shutdown; Telegram will send them again", "err", err)
		_ = srv.Close()
	}
	return nil
}

// webhookHandler checks the secret, then applies the update before
// answering; stop is the bot's shutdown.
func (b *Bot) webhookHandler(stop context.Context) http.Handler {
	secret := []byte(b.cfg.Webhook.Secret)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			w.Header().Set("Allow", http.MethodPost)
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		if len(secret) > 0 && subtle.ConstantTimeCompare([]byte(r.Header.Get(secretHeader)), secret) != 1 {
			b.metrics.webhookRejected.Inc()
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		var u tgbotapi.Update
		body := http.MaxBytesReader(w, r.Body, maxUpdateBytes)
		if err := json.NewDecoder(body).Decode(&u); err != nil {
			b.log.Warn("unreadable webhook request", "err", err)
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		_, _ = io.Copy(io.Discard, body)
		if err := <-b.queues.push(stop, u, decide(u, b.name)); err != nil {
			b.applyFaults.fail("update_id", u.UpdateID, "err", err)
			http.Error(w, "try again", http.StatusServiceUnavailable)
			return
		}
		b.applyFaults.ok()
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, strings.TrimSpace(`{"ok":true}`))
	})
}
