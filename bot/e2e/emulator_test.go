package e2e

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// emulator talks to telegram-test-api's client API: the routes a test uses
// to play Telegram users (node_modules/telegram-test-api/lib/routes/client).
//
//   - POST /sendMessage, /sendCommand: body is a Message plus "botToken";
//     queued as an update for the bot with its fields as they are (a
//     "location" and no "text" is a shared location). sendCommand
//     requires "entities".
//   - POST /sendCallback: body is a CallbackQuery (from, message, data)
//     plus "botToken"; the emulator adds the query id.
//   - POST /getUpdatesHistory {"token"}: every stored message, the user's
//     and the bot's, edits applied in place; this is what the tests read.
type emulator struct {
	url  string
	http *http.Client

	mu      sync.Mutex // serialises history reads, so residents share one
	fetched time.Time
	entries []historyEntry
}

func newEmulator(url string) *emulator {
	return &emulator{url: url, http: &http.Client{Timeout: 10 * time.Second}}
}

// post sends a client request and checks that the emulator accepted it.
func (e *emulator) post(route string, body any, result any) error {
	data, err := json.Marshal(body)
	if err != nil {
		return err
	}
	resp, err := e.http.Post(e.url+route, "application/json", bytes.NewReader(data))
	if err != nil {
		return fmt.Errorf("emulator %s: %w", route, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return fmt.Errorf("emulator %s: %w", route, err)
	}
	var reply struct {
		OK     bool            `json:"ok"`
		Result json.RawMessage `json:"result"`
	}
	if resp.StatusCode != http.StatusOK || json.Unmarshal(raw, &reply) != nil || !reply.OK {
		return fmt.Errorf("emulator %s: status %d: %s", route, resp.StatusCode, raw)
	}
	if result == nil {
		return nil
	}
	if err := json.Unmarshal(reply.Result, result); err != nil {
		return fmt.Errorf("emulator %s: %w", route, err)
	}
	return nil
}

// historyEntry is one stored message: the bot's (Message.ChatID set) or a
// user's (Message.Chat or CallbackQuery set).
type historyEntry struct {
	MessageID     int             `json:"messageId"`
	UpdateID      int             `json:"updateId"`
	Message       *storedMessage  `json:"message"`
	CallbackQuery json.RawMessage `json:"callbackQuery"`
}

// storedMessage is the stored body of a message. The bot's messages keep
// the Bot API parameters it sent (form values, so chat_id is a string).
type storedMessage struct {
	ChatID      json.RawMessage `json:"chat_id"`
	Text        string          `json:"text"`
	ReplyMarkup *markup         `json:"reply_markup"`
	// Entities are the entities parameter, which the emulator parses.
	Entities []entity `json:"entities"`
}

// entity is a message entity the bot sent: offset and length count UTF-16
// code units.
type entity struct {
	Type   string `json:"type"`
	Offset int    `json:"offset"`
	Length int    `json:"length"`
	URL    string `json:"url"`
}

// markup is any reply_markup the bot sends.
type markup struct {
	InlineKeyboard        [][]button `json:"inline_keyboard"`
	Keyboard              [][]button `json:"keyboard"`
	ForceReply            bool       `json:"force_reply"`
	InputFieldPlaceholder string     `json:"input_field_placeholder"`
	RemoveKeyboard        bool       `json:"remove_keyboard"`
}

type button struct {
	Text            string `json:"text"`
	CallbackData    string `json:"callback_data"`
	RequestLocation bool   `json:"request_location"`
}

// botMessage is a message the bot sent, as it stands now.
type botMessage struct {
	ID       int
	Text     string
	Markup   markup
	Entities []entity
}

// botMessage returns the entry as a bot message to chat, if it is one.
func (h historyEntry) botMessage(chat int64) (botMessage, bool) {
	if h.Message == nil || len(h.Message.ChatID) == 0 {
		return botMessage{}, false
	}
	id, err := strconv.ParseInt(strings.Trim(string(h.Message.ChatID), `"`), 10, 64)
	if err != nil || id != chat {
		return botMessage{}, false
	}
	m := botMessage{ID: h.MessageID, Text: h.Message.Text, Entities: h.Message.Entities}
	if h.Message.ReplyMarkup != nil {
		m.Markup = *h.Message.ReplyMarkup
	}
	return m, true
}

// history returns what the emulator holds, fetched at most every 20 ms
// however many residents ask.
func (e *emulator) history() ([]historyEntry, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if time.Since(e.fetched) < 20*time.Millisecond {
		return e.entries, nil
	}
	var entries []historyEntry
	if err := e.post("/getUpdatesHistory", map[string]string{"token": token}, &entries); err != nil {
		return nil, err
	}
	e.entries, e.fetched = entries, time.Now()
	return entries, nil
}

// messagesTo returns the bot's messages to chat, oldest first.
func (e *emulator) messagesTo(chat int64) ([]botMessage, error) {
	entries, err := e.history()
	if err != nil {
		return nil, err
	}
	var out []botMessage
	for _, h := range entries {
		if m, ok := h.botMessage(chat); ok {
			out = append(out, m)
		}
	}
	// The history is sorted by time in milliseconds; ids are in sending order.
	slices.SortFunc(out, func(a, b botMessage) int { return cmp.Compare(a.ID, b.ID) })
	return out, nil
}

// await polls the bot's messages to chat until cond finds what it wants.
func (e *emulator) await(ctx context.Context, chat int64, cond func([]botMessage) bool) ([]botMessage, error) {
	tick := time.NewTicker(pollEvery)
	defer tick.Stop()
	for {
		msgs, err := e.messagesTo(chat)
		if err != nil {
			return nil, err
		}
		if cond(msgs) {
			return msgs, nil
		}
		select {
		case <-ctx.Done():
			return msgs, ctx.Err()
		case <-tick.C:
		}
	}
}
