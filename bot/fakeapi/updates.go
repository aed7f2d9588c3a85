package fakeapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf16"
)

// queue holds the updates the bot has not confirmed yet.
type queue struct {
	mu     sync.Mutex
	items  []queued
	nextID int
	// wake is closed when an update arrives; nil while nobody waits.
	wake chan struct{}
	// poll is closed to end the running getUpdates with a 409 conflict.
	poll chan struct{}
}

type queued struct {
	id  int
	raw []byte
}

// push enqueues body (a JSON object without update_id), assigning the next
// id unless id > 0, and returns the id.
func (q *queue) push(body []byte, id int) int {
	q.mu.Lock()
	defer q.mu.Unlock()
	if id <= 0 {
		id = q.nextID
	}
	if id >= q.nextID {
		q.nextID = id + 1
	}
	raw := make([]byte, 0, len(body)+24)
	raw = append(raw, `{"update_id":`...)
	raw = strconv.AppendInt(raw, int64(id), 10)
	if inner := bytes.TrimSpace(body[1:]); len(inner) > 0 && inner[0] != '}' {
		raw = append(raw, ',')
	}
	raw = append(raw, body[1:]...)
	q.items = append(q.items, queued{id: id, raw: raw})
	if q.wake != nil {
		close(q.wake)
		q.wake = nil
	}
	return id
}

// confirm forgets updates the offset passed, as getUpdates does.
func (q *queue) confirm(offset int) {
	switch {
	case offset > 0:
		kept := q.items[:0]
		for _, it := range q.items {
			if it.id >= offset {
				kept = append(kept, it)
			}
		}
		clear(q.items[len(kept):])
		q.items = kept
	case offset < 0:
		if n := len(q.items) + offset; n > 0 {
			k := copy(q.items, q.items[n:])
			clear(q.items[k:])
			q.items = q.items[:k]
		}
	}
}

func (q *queue) dropAll() {
	q.mu.Lock()
	clear(q.items)
	q.items = q.items[:0]
	q.mu.Unlock()
}

// Pending is the number of updates the bot has not confirmed yet.
func (s *Server) Pending() int {
	s.queue.mu.Lock()
	defer s.queue.mu.Unlock()
	return len(s.queue.items)
}

const descConflictPoll = "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running"

// getUpdates confirms updates below offset, then returns up to limit
// pending ones, long-polling up to timeout seconds when there are none. A
// newer getUpdates ends a running one with 409, as Telegram does.
func (s *Server) getUpdates(ctx context.Context, p url.Values, _ map[string]uploaded) ([]byte, *Sent, *apiError) {
	if s.Webhook() != nil {
		return nil, nil, &apiError{code: http.StatusConflict,
			desc: "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first"}
	}
	offset, _ := strconv.Atoi(p.Get("offset"))
	limit, _ := strconv.Atoi(p.Get("limit"))
	if limit <= 0 || limit > 100 {
		limit = 100
	}
	timeout, _ := strconv.ParseFloat(p.Get("timeout"), 64)
	var deadline <-chan time.Time
	if timeout > 0 {
		t := time.NewTimer(time.Duration(timeout * float64(time.Second)))
		defer t.Stop()
		deadline = t.C
	}

	q := &s.queue
	q.mu.Lock()
	q.confirm(offset)
	if q.poll != nil {
		close(q.poll)
	}
	mine := make(chan struct{})
	q.poll = mine
	defer func() {
		q.mu.Lock()
		if q.poll == mine {
			q.poll = nil
		}
		q.mu.Unlock()
	}()
	for {
		if n := min(len(q.items), limit); n > 0 || deadline == nil {
			out := make([]byte, 0, 64*n+2)
			out = append(out, '[')
			for i, it := range q.items[:n] {
				if i > 0 {
					out = append(out, ',')
				}
				out = append(out, it.raw...)
			}
			q.mu.Unlock()
			return append(out, ']'), nil, nil
		}
		if q.wake == nil {
			q.wake = make(chan struct{})
		}
		wake := q.wake
		q.mu.Unlock()
		select {
		case <-wake:
		case <-mine:
			s.stats.conflicts.Add(1)
			return nil, nil, &apiError{code: http.StatusConflict, desc: descConflictPoll}
		case <-deadline:
			deadline = nil
		case <-ctx.Done():
			deadline = nil
		case <-s.done:
			deadline = nil
		}
		q.mu.Lock()
	}
}

// enqueue marks chatID as having a fresh user update (see Stats.Duplicates)
// and queues u.
func (s *Server) enqueue(chatID int64, u wireUpdate) int {
	body, err := json.Marshal(u)
	if err != nil {
		panic(fmt.Sprintf("fakeapi: marshal update: %v", err))
	}
	if chatID != 0 {
		s.chat(chatID).userActed()
	}
	s.stats.updates.Add(1)
	return s.queue.push(body, 0)
}

// user returns the wire form of a user, remembering firstName for later
// updates from the same user ("" keeps the known name).
func (s *Server) user(userID int64, firstName string) (wireUser, *chat) {
	c := s.chat(userID)
	c.mu.Lock()
	if firstName != "" {
		c.firstName = firstName
	} else if c.firstName == "" {
		c.firstName = "User" + strconv.FormatInt(userID, 10)
	}
	name, lang, username := c.firstName, c.language, c.username
	c.mu.Unlock()
	if lang == "" {
		lang = "en"
	}
	return wireUser{ID: userID, FirstName: name, Username: username, LanguageCode: lang}, c
}

// SetUsername sets the @username (without the @) of userID's later
// updates; the default, "", is a user without one.
func (s *Server) SetUsername(userID int64, username string) {
	c := s.chat(userID)
	c.mu.Lock()
	c.username = username
	c.mu.Unlock()
}

// SetLanguage sets the language_code of userID's later updates (Telegram
// sends the language of the user's app); the default is "en".
func (s *Server) SetLanguage(userID int64, code string) {
	c := s.chat(userID)
	c.mu.Lock()
	c.language = code
	c.mu.Unlock()
}

// userMessage builds a message from userID in its private chat, replying to
// the bot's last message if that forced a reply.
func (s *Server) userMessage(userID int64, firstName string) (*wireMessage, *chat) {
	u, c := s.user(userID, firstName)
	c.mu.Lock()
	msg := &wireMessage{
		MessageID: c.nextMessageID(),
		From:      &u,
		Chat:      c.wire(),
		Date:      time.Now().Unix(),
	}
	if c.forceReply != nil {
		msg.ReplyTo = c.forceReply
		c.forceReply = nil
	}
	c.mu.Unlock()
	return msg, c
}

// SendText injects a private text message from userID (the chat id equals
// the user id) and returns its update_id. Text starting with "/" gets a
// bot_command entity, as Telegram clients add one. firstName "" reuses the
// user's earlier name.
func (s *Server) SendText(userID int64, firstName, text string) int {
	msg, _ := s.userMessage(userID, firstName)
	msg.Text = text
	if cmd := commandToken(text); cmd != "" {
		msg.Entities = []Entity{{Type: "bot_command", Offset: 0, Length: utf16Len(cmd)}}
	}
	return s.enqueue(userID, wireUpdate{Message: msg})
}

// SendCommand injects a command such as "start", "/start" or "/start ref42"
// from userID and returns its update_id.
func (s *Server) SendCommand(userID int64, firstName, command string) int {
	return s.SendText(userID, firstName, "/"+strings.TrimPrefix(command, "/"))
}

// SendLocation injects a shared location from userID and returns its
// update_id.
func (s *Server) SendLocation(userID int64, lat, lon float64) int {
	msg, _ := s.userMessage(userID, "")
	msg.Location = &wireLocation{Latitude: lat, Longitude: lon}
	return s.enqueue(userID, wireUpdate{Message: msg})
}

// PressButton injects a callback query for an inline button with
// callbackData on the bot's message messageID in userID's private chat and
// returns its update_id. The query id is unique; answering it twice fails
// as on Telegram.
func (s *Server) PressButton(userID int64, messageID int, callbackData string) int {
	u, c := s.user(userID, "")
	c.mu.Lock()
	c.querySeq++
	id := strconv.FormatInt(userID, 10) + "_" + strconv.Itoa(c.querySeq)
	c.queries[id] = struct{}{}
	msg := c.messageForCallback(messageID)
	c.mu.Unlock()
	return s.enqueue(userID, wireUpdate{CallbackQuery: &wireCallbackQuery{
		ID:           id,
		From:         u,
		Message:      msg,
		ChatInstance: strconv.FormatInt(userID*7919, 10),
		Data:         callbackData,
	}})
}

// Block makes userID block the bot: a my_chat_member update (status
// "kicked") is injected and later sends to the chat get 403 Forbidden.
// It returns the update_id.
func (s *Server) Block(userID int64) int {
	return s.setBlocked(userID, true)
}

// Unblock undoes Block, injecting a my_chat_member update (status
// "member"), and returns its update_id.
func (s *Server) Unblock(userID int64) int {
	return s.setBlocked(userID, false)
}

func (s *Server) setBlocked(userID int64, blocked bool) int {
	u, c := s.user(userID, "")
	c.mu.Lock()
	c.blocked = blocked
	wc := c.wire()
	c.mu.Unlock()
	old, now := "member", "kicked"
	if !blocked {
		old, now = now, old
	}
	return s.enqueue(userID, wireUpdate{MyChatMember: &wireChatMemberUpdated{
		Chat:          wc,
		From:          u,
		Date:          time.Now().Unix(),
		OldChatMember: wireChatMember{User: botUser, Status: old},
		NewChatMember: wireChatMember{User: botUser, Status: now},
	}})
}

// rawProbe finds the update_id and chat of an arbitrary update.
type rawProbe struct {
	UpdateID      int       `json:"update_id"`
	Message       *rawChatd `json:"message"`
	EditedMessage *rawChatd `json:"edited_message"`
	ChannelPost   *rawChatd `json:"channel_post"`
	CallbackQuery *struct {
		From    struct{ ID int64 } `json:"from"`
		Message *rawChatd          `json:"message"`
	} `json:"callback_query"`
	MyChatMember *rawChatd `json:"my_chat_member"`
	ChatMember   *rawChatd `json:"chat_member"`
}

type rawChatd struct {
	Chat struct {
		ID int64 `json:"id"`
	} `json:"chat"`
}

// InjectRaw queues an arbitrary update given as a JSON object (stickers,
// group posts, my_chat_member, ...) and returns its update_id. A missing or
// zero update_id is assigned the next id; a given one is kept as is.
func (s *Server) InjectRaw(update []byte) (int, error) {
	var probe rawProbe
	if err := json.Unmarshal(update, &probe); err != nil {
		return 0, fmt.Errorf("decode raw update: %w", err)
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(update, &obj); err != nil || obj == nil {
		return 0, errors.New("decode raw update: not a JSON object")
	}
	delete(obj, "update_id")
	body, err := json.Marshal(obj)
	if err != nil {
		return 0, fmt.Errorf("encode raw update: %w", err)
	}
	var chatID int64
	for _, m := range []*rawChatd{probe.Message, probe.EditedMessage, probe.ChannelPost, probe.MyChatMember, probe.ChatMember} {
		if m != nil {
			chatID = m.Chat.ID
		}
	}
	if cq := probe.CallbackQuery; cq != nil {
		chatID = cq.From.ID
		if cq.Message != nil {
			chatID = cq.Message.Chat.ID
		}
	}
	if chatID != 0 {
		s.chat(chatID).userActed()
	}
	s.stats.updates.Add(1)
	return s.queue.push(body, probe.UpdateID), nil
}

// commandToken returns the "/command[@bot]" word text starts with, or "".
func commandToken(text string) string {
	if len(text) < 2 || text[0] != '/' {
		return ""
	}
	end := strings.IndexAny(text, " \n\t")
	if end < 0 {
		end = len(text)
	}
	return text[:end]
}

func utf16Len(s string) int {
	return len(utf16.Encode([]rune(s)))
}
