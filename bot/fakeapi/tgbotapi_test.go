package fakeapi

import (
	"context"
	"errors"
	"io"
	"log"
	"net/http"
	"testing"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
)

func TestTgbotapiRoundTrip(t *testing.T) {
	_ = tgbotapi.SetLogger(log.New(io.Discard, "", 0))
	s := start(t, Options{PerChatRate: 0.1, PerChatBurst: 3})
	client := &http.Client{Timeout: 10 * time.Second}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	if _, err := tgbotapi.NewBotAPIWithClient("1:wrong", s.Endpoint(), client); err == nil || err.Error() != "Unauthorized" {
		t.Fatalf("got %v for a wrong token; want Unauthorized", err)
	}
	bot, err := tgbotapi.NewBotAPIWithClient(s.Token(), s.Endpoint(), client)
	if err != nil {
		t.Fatal(err)
	}
	if bot.Self.ID != BotID || bot.Self.UserName != BotUsername || !bot.Self.IsBot {
		t.Fatalf("got %+v; want the fake bot", bot.Self)
	}
	if _, err := bot.Request(tgbotapi.DeleteWebhookConfig{}); err != nil {
		t.Fatal(err)
	}
	if _, err := bot.Request(tgbotapi.NewSetMyCommands(tgbotapi.BotCommand{Command: "start", Description: "Start over"})); err != nil {
		t.Fatal(err)
	}

	cfg := tgbotapi.NewUpdate(0)
	cfg.Timeout = 1
	updates := bot.GetUpdatesChan(cfg)
	defer func() {
		bot.StopReceivingUpdates()
		for range updates {
		}
	}()
	next := func() tgbotapi.Update {
		t.Helper()
		select {
		case u := <-updates:
			return u
		case <-ctx.Done():
			t.Fatal("no update")
			return tgbotapi.Update{}
		}
	}

	s.SendCommand(1000, "Ann", "/start hello")
	u := next()
	if !u.Message.IsCommand() || u.Message.Command() != "start" || u.Message.CommandArguments() != "hello" || u.Message.Chat.ID != 1000 {
		t.Fatalf("got %+v; want /start hello from chat 1000", u.Message)
	}

	msg := tgbotapi.NewMessage(1000, "Do you garden?")
	msg.ReplyMarkup = tgbotapi.NewInlineKeyboardMarkup(tgbotapi.NewInlineKeyboardRow(
		tgbotapi.NewInlineKeyboardButtonData("Yes", "o:1:yes"),
		tgbotapi.NewInlineKeyboardButtonData("No", "o:1:no")))
	sent, err := bot.Send(msg)
	if err != nil {
		t.Fatal(err)
	}
	if sent.MessageID == 0 || sent.Text != "Do you garden?" || sent.ReplyMarkup == nil || len(sent.ReplyMarkup.InlineKeyboard[0]) != 2 {
		t.Fatalf("got %+v; want the sent message with its keyboard", sent)
	}
	if got, err := s.NextMessage(ctx, 1000); err != nil || got.Markup.ButtonData("o:")[1] != "o:1:no" {
		t.Fatalf("got %+v, %v; want the question recorded", got, err)
	}

	s.PressButton(1000, sent.MessageID, "o:1:yes")
	u = next()
	cq := u.CallbackQuery
	if cq == nil || cq.Data != "o:1:yes" || cq.Message.MessageID != sent.MessageID || cq.From.ID != 1000 {
		t.Fatalf("got %+v; want the press", cq)
	}
	if _, err := bot.Request(tgbotapi.NewCallback(cq.ID, "")); err != nil {
		t.Fatal(err)
	}
	edited, err := bot.Send(tgbotapi.NewEditMessageText(1000, sent.MessageID, "Do you garden? Yes"))
	if err != nil || edited.Text != "Do you garden? Yes" {
		t.Fatalf("got %+v, %v; want the edited message", edited, err)
	}
	_, err = bot.Send(tgbotapi.NewEditMessageText(1000, sent.MessageID, "Do you garden? Yes"))
	var apiErr *tgbotapi.Error
	if !errors.As(err, &apiErr) || apiErr.Code != 400 {
		t.Fatalf("got %v; want a 400 not modified", err)
	}

	// The send, the edit and the refused edit used the burst of 3.
	_, err = bot.Send(tgbotapi.NewMessage(1000, "Where is it?"))
	if !errors.As(err, &apiErr) || apiErr.Code != 429 || apiErr.RetryAfter < 1 {
		t.Fatalf("got %v; want 429 with retry_after", err)
	}

	// Another chat has its own bucket.
	loc := tgbotapi.NewMessage(1001, "Share the location")
	loc.ReplyMarkup = tgbotapi.NewOneTimeReplyKeyboard(tgbotapi.NewKeyboardButtonRow(tgbotapi.NewKeyboardButtonLocation("Send location")))
	if _, err := bot.Send(loc); err != nil {
		t.Fatal(err)
	}
	s.SendLocation(1001, 53.8, -1.55)
	if u := next(); u.Message.Location == nil || u.Message.Location.Latitude != 53.8 {
		t.Fatalf("got %+v; want a location", u.Message)
	}

	doc := tgbotapi.NewDocument(1001, tgbotapi.FileBytes{Name: "assets.csv", Bytes: []byte("id,name\n1,Hall\n")})
	doc.Caption = "Your export"
	if _, err := bot.Send(doc); err != nil {
		t.Fatal(err)
	}
	last, _ := s.Last(1001)
	if last.Method != MethodSendDocument || last.File != "assets.csv" || last.Text != "Your export" {
		t.Errorf("got %+v; want the document", last)
	}
	if _, err := bot.Request(tgbotapi.NewDeleteMessage(1001, last.MessageID)); err != nil {
		t.Errorf("got %v deleting; want none", err)
	}

	_, err = bot.MakeRequest("sendPoll", tgbotapi.Params{"chat_id": "1000"})
	if !errors.As(err, &apiErr) || apiErr.Code != 404 {
		t.Fatalf("got %v; want 404", err)
	}
	if n := s.UnansweredCallbacks(); n != 0 {
		t.Errorf("got %d unanswered callbacks; want 0", n)
	}
}
