package bot

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/assetbot/assetbot/bot/fakeapi"
	"github.com/assetbot/assetbot/internal/store"
)

// TestPhotoGoesThroughTheOutbox checks that a photo queued in the outbox
// is uploaded with its caption, in order with the chat's other messages.
// They are queued as a job would, and found by the sender's poll.
func TestPhotoGoesThroughTheOutbox(t *testing.T) {
	t.Parallel()
	h := newHarness(t, fakeapi.Options{})
	png := []byte("\x89PNG\r\n\x1a\nnot really a picture")
	msgs := []outMsg{
		{Method: methodSend, ChatID: 4242, Text: "Your link: https://t.me/x_bot?start=rABC"},
		{Method: methodPhoto, ChatID: 4242, Text: "Show this to a neighbour", Photo: png},
		{Method: methodSend, ChatID: 4242, Text: "after the photo"},
	}
	err := h.store.Update(context.Background(), func(tx *store.Tx) error {
		for _, m := range msgs {
			payload, err := json.Marshal(m)
			if err != nil {
				return err
			}
			var back outMsg
			if err := json.Unmarshal(payload, &back); err != nil || string(back.Photo) != string(m.Photo) {
				t.Errorf("%s does not survive the outbox's JSON: %v", m.Method, err)
			}
			if _, err := tx.EnqueueScheduled(m.ChatID, m.Method, payload); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	waitUntil(t, "all three sent", func() bool { return len(h.fake.Messages(4242)) == 3 })
	got := h.fake.Messages(4242)
	if got[1].Method != fakeapi.MethodSendPhoto || got[1].Text != "Show this to a neighbour" || got[1].File != photoName {
		t.Errorf("second message = %+v; want the photo with its caption", got[1])
	}
	if got[2].Text != "after the photo" {
		t.Errorf("third message = %q; want the one after the photo", got[2].Text)
	}
}

// TestClassifyUploadErrors checks that an upload's error, which comes
// without a code, is told by its description.
func TestClassifyUploadErrors(t *testing.T) {
	for _, tc := range []struct {
		err  *tgbotapi.Error
		want errorKind
	}{
		{&tgbotapi.Error{Message: "Too Many Requests: retry after 7", ResponseParameters: tgbotapi.ResponseParameters{RetryAfter: 7}}, errFlood},
		{&tgbotapi.Error{Message: "Forbidden: bot was blocked by the user"}, errBlocked},
		{&tgbotapi.Error{Message: "Bad Request: PHOTO_INVALID_DIMENSIONS"}, errBadRequest},
		{&tgbotapi.Error{Message: "Internal Server Error"}, errServer},
		{&tgbotapi.Error{Code: http.StatusTooManyRequests, Message: "Too Many Requests: retry after 2", ResponseParameters: tgbotapi.ResponseParameters{RetryAfter: 2}}, errFlood},
	} {
		if got, _ := classify(tc.err); got != tc.want {
			t.Errorf("classify(%q, code %d) = %s; want %s", tc.err.Message, tc.err.Code, got, tc.want)
		}
	}
	if _, wait := classify(&tgbotapi.Error{Message: "Too Many Requests: retry after 7", ResponseParameters: tgbotapi.ResponseParameters{RetryAfter: 7}}); wait != 7*time.Second {
		t.Errorf("flood wait of an upload = %v; want 7s", wait)
	}
}
