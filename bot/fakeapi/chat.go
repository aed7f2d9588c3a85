package fakeapi

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"golang.org/x/time/rate"
)

// chat is the fake's state for one chat, under its own lock so chats do not
// contend.
type chat struct {
	id      int64
	limiter *rate.Limiter // per-chat flood limit; nil when off

	mu        sync.Mutex
	firstName string
	// language is the language_code the user's updates carry ("" for en).
	language string
	// username is the @username the user's updates carry ("" for none).
	username string
	blocked  bool
	lastID   int              // last message id used in the chat (both sides)
	msgs     map[int]*message // bot messages that can still be edited
	// forceReply is the bot's latest message if it asked for a reply.
	forceReply *wireMessage

	querySeq int
	queries  map[string]struct{} // unanswered callback query ids

	history []Sent // full mode
	last    Sent
	seq     int // number of Sent recorded
	cursor  int // seq already returned by NextMessage
	// changed is closed when a Sent is recorded; nil while nobody waits.
	changed chan struct{}

	lastSendKey string
	hasSend     bool
	userSince   bool // a user update arrived after the last sendMessage
	duplicates  int
	// buttoned holds the latest sendMessages whose buttons carry callback
	// data, with Options.UniqueButtons.
	buttoned []string
}

// recentButtoned is how many buttoned messages a chat remembers.
const recentButtoned = 8

// message is a bot message as it currently stands.
type message struct {
	wire    wireMessage
	markupK string // inlineKey of its keyboard
}

// keptMessages is how many recent message ids a Light fake remembers.
const keptMessages = 32

func (s *Server) chat(id int64) *chat {
	if c, ok := s.chats.Load(id); ok {
		return c.(*chat)
	}
	c := &chat{id: id, msgs: make(map[int]*message), queries: make(map[string]struct{})}
	if s.opts.PerChatRate > 0 {
		c.limiter = rate.NewLimiter(rate.Limit(s.opts.PerChatRate), max(1, s.opts.PerChatBurst))
	}
	actual, _ := s.chats.LoadOrStore(id, c)
	return actual.(*chat)
}

// lookupChat returns the chat if the fake has seen it.
func (s *Server) lookupChat(id int64) *chat {
	if c, ok := s.chats.Load(id); ok {
		return c.(*chat)
	}
	return nil
}

// nextMessageID allocates a message id; c.mu is held.
func (c *chat) nextMessageID() int {
	c.lastID++
	return c.lastID
}

// wire is the chat as Telegram describes it; c.mu is held.
func (c *chat) wire() wireChat {
	switch {
	case c.id > 0:
		return wireChat{ID: c.id, Type: "private", FirstName: c.firstName}
	case c.id < -1000000000000:
		return wireChat{ID: c.id, Type: "supergroup", Title: "Group " + strconv.FormatInt(-c.id, 10)}
	default:
		return wireChat{ID: c.id, Type: "group", Title: "Group " + strconv.FormatInt(-c.id, 10)}
	}
}

func (c *chat) userActed() {
	c.mu.Lock()
	c.userSince = true
	c.mu.Unlock()
}

// messageForCallback is the message a callback query carries; c.mu is held.
func (c *chat) messageForCallback(id int) *wireMessage {
	if m, ok := c.msgs[id]; ok {
		w := m.wire
		return &w
	}
	return &wireMessage{MessageID: id, From: &botUser, Chat: c.wire(), Date: time.Now().Unix()}
}

// add records a Sent; c.mu is held.
func (c *chat) add(light bool, s Sent) {
	c.seq++
	c.last = s
	if !light {
		c.history = append(c.history, s)
	}
	if c.changed != nil {
		close(c.changed)
		c.changed = nil
	}
}

// remember stores a bot message for later edits; c.mu is held.
func (c *chat) remember(light bool, m *message) {
	c.msgs[m.wire.MessageID] = m
	if light {
		delete(c.msgs, m.wire.MessageID-keptMessages)
	}
}

// allow applies the flood limits to one send or edit.
func (s *Server) allow(c *chat) *apiError {
	now := time.Now()
	var mine *rate.Reservation
	if c.limiter != nil {
		mine = c.limiter.ReserveN(now, 1)
		if d := mine.DelayFrom(now); d > 0 {
			mine.CancelAt(now)
			return s.limited(d)
		}
	}
	if s.window != nil {
		if d := s.window.admit(); d > 0 {
			if mine != nil {
				mine.CancelAt(now)
			}
			return s.limited(d)
		}
	}
	if s.global != nil {
		r := s.global.ReserveN(now, 1)
		if d := r.DelayFrom(now); d > 0 {
			r.CancelAt(now)
			if mine != nil {
				mine.CancelAt(now)
			}
			return s.limited(d)
		}
	}
	return nil
}

func (s *Server) limited(d time.Duration) *apiError {
	s.stats.limited.Add(1)
	secs := max(1, int(math.Ceil(d.Seconds())))
	return &apiError{code: http.StatusTooManyRequests,
		desc: DefaultDescription(http.StatusTooManyRequests, secs), retryAfter: secs}
}

var errBlocked = &apiError{code: http.StatusForbidden, desc: descBlocked}

// target parses chat_id and finds the chat a send or edit acts on.
func (s *Server) target(p url.Values) (*chat, *apiError) {
	raw := p.Get("chat_id")
	if raw == "" {
		return nil, badRequest("chat_id is empty")
	}
	id, err := strconv.ParseInt(raw, 10, 64)
	if err != nil || id == 0 {
		return nil, badRequest("chat not found")
	}
	return s.chat(id), nil
}

// markupParam parses and checks reply_markup.
func markupParam(p url.Values) (*Markup, *apiError) {
	m, err := parseMarkup(p.Get("reply_markup"))
	if err != nil {
		return nil, badRequest("can't parse reply keyboard markup JSON object")
	}
	for _, b := range m.InlineButtons() {
		if b.CallbackData == "" && b.URL == "" {
			return nil, badRequest("inline keyboard button must have exactly one of the optional fields")
		}
		if len(b.CallbackData) > 64 {
			return nil, badRequest("BUTTON_DATA_INVALID")
		}
		if b.Text == "" {
			return nil, badRequest("text buttons are unallowed in the inline keyboard")
		}
	}
	if m != nil && len(m.InputFieldPlaceholder) > 0 && utf8.RuneCountInString(m.InputFieldPlaceholder) > 64 {
		return nil, badRequest("input field placeholder is too long")
	}
	return m, nil
}

// entityTypes are the entity types a bot may send.
var entityTypes = map[string]bool{
	"mention": true, "hashtag": true, "cashtag": true, "bot_command": true, "url": true, "email": true,
	"phone_number": true, "bold": true, "italic": true, "underline": true, "strikethrough": true,
	"spoiler": true, "blockquote": true, "code": true, "pre": true, "text_link": true, "text_mention": true,
	"custom_emoji": true,
}

// entitiesParam parses and checks the entities parameter (field) of a
// message whose text is text. Telegram quietly drops or clips an entity
// outside the text; the fake refuses it, so that a test sees the bug.
func entitiesParam(p url.Values, field, text string) ([]Entity, *apiError) {
	raw := p.Get(field)
	if raw == "" {
		return nil, nil
	}
	var es []Entity
	if err := json.Unmarshal([]byte(raw), &es); err != nil {
		return nil, badRequest("can't parse entities JSON object")
	}
	n := utf16Len(text)
	for _, e := range es {
		switch {
		case !entityTypes[e.Type]:
			return nil, badRequest("can't parse entities: unsupported entity type " + strconv.Quote(e.Type))
		case e.Offset < 0 || e.Length <= 0 || e.Offset+e.Length > n:
			return nil, badRequest(fmt.Sprintf("can't parse entities: %s at %d+%d is outside the text of %d UTF-16 code units", e.Type, e.Offset, e.Length, n))
		case e.Type == "text_link" && e.URL == "":
			return nil, badRequest("can't parse entities: text_link without url")
		}
	}
	return es, nil
}

func checkText(text string) *apiError {
	if strings.TrimSpace(text) == "" {
		return badRequest("message text is empty")
	}
	if utf16Len(text) > 4096 {
		return badRequest("message is too long")
	}
	return nil
}

func (s *Server) sendMessage(_ context.Context, p url.Values, _ map[string]uploaded) ([]byte, *Sent, *apiError) {
	text := p.Get("text")
	if e := checkText(text); e != nil {
		return nil, nil, e
	}
	entities, aerr := entitiesParam(p, "entities", text)
	if aerr != nil {
		return nil, nil, aerr
	}
	return s.send(MethodSendMessage, p, text, "", nil, func(w *wireMessage) { w.Text, w.Entities = text, entities })
}

func (s *Server) sendPhoto(_ context.Context, p url.Values, files map[string]uploaded) ([]byte, *Sent, *apiError) {
	name, size := fileParam(p, files, "photo")
	if name == "" {
		return nil, nil, badRequest("there is no photo in the request")
	}
	return s.send(MethodSendPhoto, p, p.Get("caption"), name, nil, func(w *wireMessage) {
		w.Caption = p.Get("caption")
		w.Photo = []wirePhotoSize{{FileID: "photo-" + name, FileUniqueID: name, Width: 640, Height: 480, FileSize: size}}
	})
}

func (s *Server) sendDocument(_ context.Context, p url.Values, files map[string]uploaded) ([]byte, *Sent, *apiError) {
	name, size := fileParam(p, files, "document")
	if name == "" {
		return nil, nil, badRequest("there is no document in the request")
	}
	return s.send(MethodSendDocument, p, p.Get("caption"), name, files["document"].data, func(w *wireMessage) {
		w.Caption = p.Get("caption")
		w.Document = &wireDocument{FileID: "doc-" + name, FileUniqueID: name, FileName: name, FileSize: size}
	})
}

// fileParam is the uploaded file's name, or the file_id/URL passed instead.
func fileParam(p url.Values, files map[string]uploaded, field string) (string, int64) {
	if f, ok := files[field]; ok {
		return f.name, f.size
	}
	return p.Get(field), 0
}

// send delivers a new bot message to chat_id; data is the uploaded
// document's bytes, if any.
func (s *Server) send(method string, p url.Values, text, file string, data []byte, fill func(*wireMessage)) ([]byte, *Sent, *apiError) {
	c, aerr := s.target(p)
	if aerr != nil {
		return nil, nil, aerr
	}
	markup, aerr := markupParam(p)
	if aerr != nil {
		return nil, nil, aerr
	}
	c.mu.Lock()
	blocked := c.blocked
	c.mu.Unlock()
	if blocked {
		return nil, nil, errBlocked
	}
	if aerr := s.allow(c); aerr != nil {
		return nil, nil, aerr
	}
	now := time.Now()
	rawMarkup := p.Get("reply_markup")
	key := inlineKey(markup)

	c.mu.Lock()
	defer c.mu.Unlock()
	m := &message{markupK: key}
	m.wire = wireMessage{MessageID: c.nextMessageID(), From: &botUser, Chat: c.wire(), Date: now.Unix()}
	fill(&m.wire)
	if key != "" {
		// Telegram echoes only inline keyboards in the returned message.
		m.wire.ReplyMarkup = json.RawMessage(rawMarkup)
	}
	c.remember(s.opts.Light, m)
	c.forceReply = nil
	if markup != nil && markup.ForceReply {
		w := m.wire
		c.forceReply = &w
	}
	if method == MethodSendMessage {
		dupKey := text + "\x00" + rawMarkup
		buttoned := s.opts.UniqueButtons && strings.Contains(rawMarkup, `"callback_data"`)
		if (c.hasSend && !c.userSince && dupKey == c.lastSendKey) || (buttoned && slices.Contains(c.buttoned, dupKey)) {
			c.duplicates++
			s.stats.duplicates.Add(1)
		}
		c.lastSendKey, c.hasSend, c.userSince = dupKey, true, false
		if buttoned {
			c.buttoned = append(c.buttoned, dupKey)
			if len(c.buttoned) > recentButtoned {
				c.buttoned = c.buttoned[1:]
			}
		}
	}
	s.stats.sent.Add(1)
	sent := Sent{Method: method, ChatID: c.id, MessageID: m.wire.MessageID, Text: text, Entities: m.wire.Entities,
		Markup: markup, File: file, FileData: data, Time: now, Params: p}
	c.add(s.opts.Light, sent)
	b, _ := json.Marshal(m.wire)
	return b, &sent, nil
}

func (s *Server) editMessageText(_ context.Context, p url.Values, _ map[string]uploaded) ([]byte, *Sent, *apiError) {
	text := p.Get("text")
	if e := checkText(text); e != nil {
		return nil, nil, e
	}
	entities, aerr := entitiesParam(p, "entities", text)
	if aerr != nil {
		return nil, nil, aerr
	}
	return s.edit(MethodEditMessageText, p, &text, entities)
}

func (s *Server) editMessageReplyMarkup(_ context.Context, p url.Values, _ map[string]uploaded) ([]byte, *Sent, *apiError) {
	return s.edit(MethodEditMessageReplyMarkup, p, nil, nil)
}

// edit changes a bot message's text (when text is not nil, with its
// entities) and keyboard. A missing reply_markup removes the inline
// keyboard, as on Telegram.
func (s *Server) edit(method string, p url.Values, text *string, entities []Entity) ([]byte, *Sent, *apiError) {
	if p.Get("inline_message_id") != "" {
		s.stats.edited.Add(1)
		return []byte("true"), nil, nil
	}
	c, aerr := s.target(p)
	if aerr != nil {
		return nil, nil, aerr
	}
	markup, aerr := markupParam(p)
	if aerr != nil {
		return nil, nil, aerr
	}
	if markup != nil && (len(markup.Keyboard) > 0 || markup.ForceReply || markup.RemoveKeyboard) {
		return nil, nil, badRequest("inline keyboard expected")
	}
	id, _ := strconv.Atoi(p.Get("message_id"))
	if id <= 0 {
		return nil, nil, badRequest("message identifier is not specified")
	}
	if aerr := s.allow(c); aerr != nil {
		return nil, nil, aerr
	}
	now := time.Now()
	key := inlineKey(markup)

	c.mu.Lock()
	defer c.mu.Unlock()
	m, ok := c.msgs[id]
	switch {
	case ok:
	case id > c.lastID:
		return nil, nil, badRequest("message to edit not found")
	case s.opts.Light && id > c.lastID-keptMessages*4:
		// Forgotten by a Light fake: assume it was a bot message.
		m = &message{wire: wireMessage{MessageID: id, From: &botUser, Chat: c.wire(), Date: now.Unix()}, markupK: "?"}
	default:
		return nil, nil, badRequest("message can't be edited")
	}
	newText := m.wire.Text
	if text != nil {
		newText = *text
	}
	if newText == m.wire.Text && key == m.markupK {
		s.stats.notMod.Add(1)
		return nil, nil, badRequest("message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message")
	}
	e := &message{wire: m.wire, markupK: key}
	e.wire.Text = newText
	if text != nil {
		e.wire.Entities = entities
	}
	e.wire.EditDate = now.Unix()
	e.wire.ReplyMarkup = nil
	if key != "" {
		e.wire.ReplyMarkup = json.RawMessage(p.Get("reply_markup"))
	}
	c.remember(s.opts.Light, e)
	if c.forceReply != nil && c.forceReply.MessageID == id {
		c.forceReply = nil
	}
	s.stats.edited.Add(1)
	if key == "" {
		markup = nil
	}
	sent := Sent{Method: method, ChatID: c.id, MessageID: id, Text: newText, Entities: e.wire.Entities, Markup: markup, Time: now, Params: p}
	c.add(s.opts.Light, sent)
	b, _ := json.Marshal(e.wire)
	return b, &sent, nil
}

func (s *Server) deleteMessage(_ context.Context, p url.Values, _ map[string]uploaded) ([]byte, *Sent, *apiError) {
	c, aerr := s.target(p)
	if aerr != nil {
		return nil, nil, aerr
	}
	id, _ := strconv.Atoi(p.Get("message_id"))
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.msgs[id]; !ok {
		return nil, nil, badRequest("message to delete not found")
	}
	delete(c.msgs, id)
	sent := Sent{Method: MethodDeleteMessage, ChatID: c.id, MessageID: id, Time: time.Now(), Params: p}
	c.add(s.opts.Light, sent)
	return []byte("true"), &sent, nil
}

const descQueryInvalid = "query is too old and response timeout expired or query ID is invalid"

func (s *Server) answerCallbackQuery(_ context.Context, p url.Values, _ map[string]uploaded) ([]byte, *Sent, *apiError) {
	id := p.Get("callback_query_id")
	owner, _, ok := strings.Cut(id, "_")
	chatID, err := strconv.ParseInt(owner, 10, 64)
	if !ok || err != nil {
		return nil, nil, badRequest(descQueryInvalid)
	}
	c := s.lookupChat(chatID)
	if c == nil {
		return nil, nil, badRequest(descQueryInvalid)
	}
	if utf8.RuneCountInString(p.Get("text")) > 200 {
		return nil, nil, badRequest("MESSAGE_TOO_LONG")
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.queries[id]; !ok {
		return nil, nil, badRequest(descQueryInvalid)
	}
	delete(c.queries, id)
	s.stats.answers.Add(1)
	sent := Sent{Method: MethodAnswerCallbackQuery, ChatID: c.id, Text: p.Get("text"),
		CallbackQueryID: id, Time: time.Now(), Params: p}
	c.add(s.opts.Light, sent)
	return []byte("true"), &sent, nil
}

// Messages returns what the bot did in a chat, oldest first: every
// recorded sendMessage, edit, deletion and callback answer. A Light fake
// returns only the last one.
func (s *Server) Messages(chatID int64) []Sent {
	c := s.lookupChat(chatID)
	if c == nil {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.snapshot(s.opts.Light)
}

// snapshot shares the append-only history without copying; c.mu is held.
func (c *chat) snapshot(light bool) []Sent {
	if light {
		if c.seq == 0 {
			return nil
		}
		return []Sent{c.last}
	}
	return c.history[:len(c.history):len(c.history)]
}

// Last returns the most recent Sent in a chat.
func (s *Server) Last(chatID int64) (Sent, bool) {
	c := s.lookupChat(chatID)
	if c == nil {
		return Sent{}, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.last, c.seq > 0
}

// WaitFor blocks until done reports true for the chat's Messages (checked
// now and after every new Sent) and returns them, or returns ctx's error.
// done must not call back into the Server.
func (s *Server) WaitFor(ctx context.Context, chatID int64, done func([]Sent) bool) ([]Sent, error) {
	c := s.chat(chatID)
	for {
		c.mu.Lock()
		snap := c.snapshot(s.opts.Light)
		if done(snap) {
			c.mu.Unlock()
			return snap, nil
		}
		if err := c.awaitChange(ctx); err != nil {
			return snap, err
		}
	}
}

// awaitChange releases c.mu, which the caller holds, and waits until the
// chat changes or ctx ends.
func (c *chat) awaitChange(ctx context.Context) error {
	if c.changed == nil {
		c.changed = make(chan struct{})
	}
	changed := c.changed
	c.mu.Unlock()
	select {
	case <-changed:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// NextMessage waits for the chat's next new message (sendMessage, sendPhoto
// or sendDocument) not yet returned by NextMessage, skipping edits and
// callback answers, and returns it. In a Light fake only the last Sent is
// visible, so messages can be skipped.
func (s *Server) NextMessage(ctx context.Context, chatID int64) (Sent, error) {
	c := s.chat(chatID)
	for {
		c.mu.Lock()
		for c.cursor < c.seq {
			var next Sent
			if s.opts.Light {
				c.cursor = c.seq
				next = c.last
			} else {
				next = c.history[c.cursor]
				c.cursor++
			}
			if next.Method == MethodSendMessage || next.Method == MethodSendPhoto || next.Method == MethodSendDocument {
				c.mu.Unlock()
				return next, nil
			}
		}
		if err := c.awaitChange(ctx); err != nil {
			return Sent{}, err
		}
	}
}

// Duplicates is how many sendMessage calls to chatID repeated the previous
// one with no user update in between, or, with Options.UniqueButtons, one of
// the latest messages with callback buttons.
func (s *Server) Duplicates(chatID int64) int {
	c := s.lookupChat(chatID)
	if c == nil {
		return 0
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.duplicates
}

// UnansweredCallbacks is the number of injected button presses the bot has
// not answered with answerCallbackQuery.
func (s *Server) UnansweredCallbacks() int {
	n := 0
	s.chats.Range(func(_, v any) bool {
		c := v.(*chat)
		c.mu.Lock()
		n += len(c.queries)
		c.mu.Unlock()
		return true
	})
	return n
}
