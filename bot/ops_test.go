package bot

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/assetbot/assetbot/bot/fakeapi"
)

// TestOpsEndpoints checks /healthz and that /metrics counts what happened.
func TestOpsEndpoints(t *testing.T) {
	h := newHarness(t, fakeapi.Options{})
	h.fake.SendCommand(7, "Ann", "/start")
	consent := h.next(7)
	h.fake.PressButton(7, consent.MessageID, consent.Markup.ButtonData("o:")[0])
	h.next(7)

	srv := httptest.NewServer(h.bot.OpsHandler())
	defer srv.Close()
	get := func(path string) (int, string) {
		t.Helper()
		resp, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(body)
	}
	if code, body := get("/healthz"); code != http.StatusOK || body != "ok\n" {
		t.Errorf("/healthz = %d %q; want 200 ok", code, body)
	}
	code, body := get("/metrics")
	if code != http.StatusOK {
		t.Fatalf("/metrics = %d", code)
	}
	for _, want := range []string{
		`assetbot_updates_handled_total{action="conversation"} 2`,
		`assetbot_answers_stored_total 1`,
		`assetbot_messages_sent_total{method="sendMessage"}`,
		`assetbot_messages_sent_total{method="editMessageText"} 1`,
		`assetbot_outbox_depth`,
		`assetbot_update_handle_seconds_count 2`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
	h.stop()
	if code, _ := get("/healthz"); code != http.StatusServiceUnavailable {
		t.Errorf("/healthz with the database closed = %d; want 503", code)
	}
}
