package bot

import (
	"bytes"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/assetbot/assetbot/bot/fakeapi"
)

// freeAddr returns a loopback address with a port nobody listens on.
func freeAddr(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	if err := ln.Close(); err != nil {
		t.Fatal(err)
	}
	return addr
}

// TestWebhook runs the bot in webhook mode and checks that it registers
// its webhook with the secret, refuses requests without the secret
// without acting on them, and answers people when the secret is right.
func TestWebhook(t *testing.T) {
	t.Parallel()
	h := newIdleHarness(t, fakeapi.Options{})
	addr := freeAddr(t)
	const secret = "s3cret_Token-for-tests"
	hook := "http://" + addr + "/telegram/hook"
	cfg := testConfig(h.fake)
	cfg.Mode = "webhook"
	cfg.Webhook.Listen = addr
	cfg.Webhook.URL = hook
	cfg.Webhook.Secret = secret
	h.start(cfg)

	waitUntil(t, "the webhook is set", func() bool { return h.fake.Webhook() != nil })
	wh := h.fake.Webhook()
	if got := wh.Get("url"); got != hook {
		t.Errorf("setWebhook url %q; want %q", got, hook)
	}
	if got := wh.Get("secret_token"); got != secret {
		t.Errorf("setWebhook secret_token %q; want %q", got, secret)
	}
	waitUntil(t, "the bot listens", func() bool {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			c.Close()
		}
		return err == nil
	})

	const user = 1401
	update := []byte(`{"update_id":777001,"message":{"message_id":1,"from":{"id":1401,"is_bot":false,"first_name":"Wendy","language_code":"en"},` +
		`"chat":{"id":1401,"type":"private","first_name":"Wendy"},"date":1700000000,"text":"/start",` +
		`"entities":[{"type":"bot_command","offset":0,"length":6}]}}`)
	send := func(method, path string, header map[string]string, body []byte) int {
		t.Helper()
		req, err := http.NewRequest(method, "http://"+addr+path, bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/json")
		for k, v := range header {
			req.Header.Set(k, v)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatalf("%s %s: %v", method, path, err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	post := func(method, path string, header map[string]string) int {
		t.Helper()
		return send(method, path, header, update)
	}
	for _, tc := range []struct {
		name   string
		method string
		header map[string]string
		want   int
	}{
		{"no secret", http.MethodPost, nil, http.StatusUnauthorized},
		{"wrong secret", http.MethodPost, map[string]string{"X-Telegram-Bot-Api-Secret-Token": "guess"}, http.StatusUnauthorized},
		{"secret with a suffix", http.MethodPost, map[string]string{"X-Telegram-Bot-Api-Secret-Token": secret + "x"}, http.StatusUnauthorized},
		{"GET with the secret", http.MethodGet, map[string]string{"X-Telegram-Bot-Api-Secret-Token": secret}, http.StatusMethodNotAllowed},
	} {
		if got := post(tc.method, "/telegram/hook", tc.header); got != tc.want {
			t.Errorf("%s: status %d; want %d", tc.name, got, tc.want)
		}
	}
	// Nothing was applied: no person, nothing queued, nothing sent.
	if _, found := h.person(t, user); found {
		t.Errorf("a refused request created the person")
	}
	if got := h.pending(t, user); len(got) != 0 {
		t.Errorf("a refused request queued %d messages", len(got))
	}

	// The same update with the right secret is applied: it was not marked
	// as seen by the refused requests.
	if got := post(http.MethodPost, "/telegram/hook", map[string]string{"X-Telegram-Bot-Api-Secret-Token": secret}); got != http.StatusOK {
		t.Fatalf("with the secret: status %d; want 200", got)
	}
	r := h.resident(t, user, "Wendy")
	if m := r.asked("consent"); !strings.Contains(m.Text, "Hi Wendy") {
		t.Errorf("got %q; want the welcome", m.Text)
	}
	// Telegram resending it changes nothing.
	if got := post(http.MethodPost, "/telegram/hook", map[string]string{"X-Telegram-Bot-Api-Secret-Token": secret}); got != http.StatusOK {
		t.Errorf("resent: status %d; want 200", got)
	}
	help := bytes.Replace(bytes.Replace(update, []byte("777001"), []byte("777002"), 1), []byte(`"/start"`), []byte(`"/help"`), 1)
	help = bytes.Replace(help, []byte(`"length":6`), []byte(`"length":5`), 1)
	if got := send(http.MethodPost, "/telegram/hook", map[string]string{"X-Telegram-Bot-Api-Secret-Token": secret}, help); got != http.StatusOK {
		t.Errorf("/help: status %d; want 200", got)
	}
	if m := r.reply(); !strings.Contains(m.Text, "/skip") {
		t.Errorf("after a resent update got %q; want only the reply to /help", m.Text)
	}
}
