package fakeapi

import (
	"encoding/json"
	"net/url"
	"strings"
	"time"
	"unicode/utf16"
)

// Method names the fake records in a chat's history.
const (
	MethodSendMessage            = "sendMessage"
	MethodEditMessageText        = "editMessageText"
	MethodEditMessageReplyMarkup = "editMessageReplyMarkup"
	MethodAnswerCallbackQuery    = "answerCallbackQuery"
	MethodDeleteMessage          = "deleteMessage"
	MethodSendPhoto              = "sendPhoto"
	MethodSendDocument           = "sendDocument"
)

// Sent is one bot call that acted on a chat, as the fake recorded it:
// a new message, an edit, a deletion or a callback answer.
type Sent struct {
	// Method is the Bot API method, e.g. MethodSendMessage.
	Method string
	// ChatID is the chat the call acted on; for answerCallbackQuery the chat
	// of the pressed message.
	ChatID int64
	// MessageID is the message sent, edited or deleted (0 for callback answers).
	MessageID int
	// Text is the message text after the call (the caption for photos and
	// documents, the notification text for callback answers).
	Text string
	// Markup is the parsed reply_markup parameter, nil when there was none.
	// For edits it is the keyboard the message has afterwards.
	Markup *Markup
	// Entities are the parsed entities parameter of a text message, after
	// the call (sendMessage, editMessageText); nil when there were none.
	Entities []Entity
	// CallbackQueryID is the answered query (answerCallbackQuery only).
	CallbackQueryID string
	// File is the uploaded file name or file_id (sendPhoto, sendDocument).
	File string
	// FileData is the uploaded document's bytes (sendDocument only), so
	// tests can read what was sent.
	FileData []byte
	// Time is when the fake accepted the call.
	Time time.Time
	// Params holds every request parameter as received.
	Params url.Values
}

// EntityText returns the part of the message's text that e spans.
func (s Sent) EntityText(e Entity) string {
	units := utf16.Encode([]rune(s.Text))
	if e.Offset < 0 || e.Length < 0 || e.Offset+e.Length > len(units) {
		return ""
	}
	return string(utf16.Decode(units[e.Offset : e.Offset+e.Length]))
}

// IsEdit reports whether s is an edit of an existing message.
func (s Sent) IsEdit() bool {
	return s.Method == MethodEditMessageText || s.Method == MethodEditMessageReplyMarkup
}

// Markup is any Telegram reply_markup: an inline keyboard, a reply keyboard,
// a keyboard removal or a force reply. Only the fields of the kind sent are set.
type Markup struct {
	InlineKeyboard        [][]InlineButton   `json:"inline_keyboard,omitempty"`
	Keyboard              [][]KeyboardButton `json:"keyboard,omitempty"`
	ResizeKeyboard        bool               `json:"resize_keyboard,omitempty"`
	OneTimeKeyboard       bool               `json:"one_time_keyboard,omitempty"`
	RemoveKeyboard        bool               `json:"remove_keyboard,omitempty"`
	ForceReply            bool               `json:"force_reply,omitempty"`
	InputFieldPlaceholder string             `json:"input_field_placeholder,omitempty"`
	Selective             bool               `json:"selective,omitempty"`
}

// InlineButton is one button of an inline keyboard.
type InlineButton struct {
	Text         string `json:"text"`
	CallbackData string `json:"callback_data,omitempty"`
	URL          string `json:"url,omitempty"`
}

// KeyboardButton is one button of a reply keyboard.
type KeyboardButton struct {
	Text            string `json:"text"`
	RequestLocation bool   `json:"request_location,omitempty"`
	RequestContact  bool   `json:"request_contact,omitempty"`
}

// InlineButtons returns the inline keyboard's buttons row by row, flattened.
func (m *Markup) InlineButtons() []InlineButton {
	if m == nil {
		return nil
	}
	var out []InlineButton
	for _, row := range m.InlineKeyboard {
		out = append(out, row...)
	}
	return out
}

// KeyboardButtons returns the reply keyboard's buttons row by row, flattened.
func (m *Markup) KeyboardButtons() []KeyboardButton {
	if m == nil {
		return nil
	}
	var out []KeyboardButton
	for _, row := range m.Keyboard {
		out = append(out, row...)
	}
	return out
}

// ButtonData returns the callback_data of every inline button starting with
// prefix, in keyboard order.
func (m *Markup) ButtonData(prefix string) []string {
	var out []string
	for _, b := range m.InlineButtons() {
		if b.CallbackData != "" && strings.HasPrefix(b.CallbackData, prefix) {
			out = append(out, b.CallbackData)
		}
	}
	return out
}

// parseMarkup decodes a reply_markup parameter; "" gives nil.
func parseMarkup(raw string) (*Markup, error) {
	if raw == "" {
		return nil, nil
	}
	var m Markup
	if err := json.Unmarshal([]byte(raw), &m); err != nil {
		return nil, err
	}
	return &m, nil
}

// inlineKey is the canonical form of the inline keyboard a message carries
// after a call, "" for none; Telegram compares it to detect unmodified edits.
func inlineKey(m *Markup) string {
	if m == nil || len(m.InlineButtons()) == 0 {
		return ""
	}
	b, _ := json.Marshal(Markup{InlineKeyboard: m.InlineKeyboard})
	return string(b)
}

// Wire types: the JSON Telegram sends. Only what the bot can use is modelled.

type wireUser struct {
	ID           int64  `json:"id"`
	IsBot        bool   `json:"is_bot"`
	FirstName    string `json:"first_name"`
	Username     string `json:"username,omitempty"`
	LanguageCode string `json:"language_code,omitempty"`
}

type wireChat struct {
	ID        int64  `json:"id"`
	Type      string `json:"type"`
	FirstName string `json:"first_name,omitempty"`
	Title     string `json:"title,omitempty"`
}

// Entity is a message entity: a span of a text, in UTF-16 code units as
// on Telegram, with what it marks (a command, a link, ...).
type Entity struct {
	Type   string `json:"type"`
	Offset int    `json:"offset"`
	Length int    `json:"length"`
	// URL is where a text_link leads.
	URL string `json:"url,omitempty"`
}

type wireLocation struct {
	Latitude  float64 `json:"latitude"`
	Longitude float64 `json:"longitude"`
}

type wireDocument struct {
	FileID       string `json:"file_id"`
	FileUniqueID string `json:"file_unique_id"`
	FileName     string `json:"file_name,omitempty"`
	FileSize     int64  `json:"file_size,omitempty"`
}

type wirePhotoSize struct {
	FileID       string `json:"file_id"`
	FileUniqueID string `json:"file_unique_id"`
	Width        int    `json:"width"`
	Height       int    `json:"height"`
	FileSize     int64  `json:"file_size,omitempty"`
}

type wireMessage struct {
	MessageID   int             `json:"message_id"`
	From        *wireUser       `json:"from,omitempty"`
	Chat        wireChat        `json:"chat"`
	Date        int64           `json:"date"`
	EditDate    int64           `json:"edit_date,omitempty"`
	ReplyTo     *wireMessage    `json:"reply_to_message,omitempty"`
	Text        string          `json:"text,omitempty"`
	Entities    []Entity        `json:"entities,omitempty"`
	Caption     string          `json:"caption,omitempty"`
	Document    *wireDocument   `json:"document,omitempty"`
	Photo       []wirePhotoSize `json:"photo,omitempty"`
	Location    *wireLocation   `json:"location,omitempty"`
	ReplyMarkup json.RawMessage `json:"reply_markup,omitempty"`
}

type wireCallbackQuery struct {
	ID           string       `json:"id"`
	From         wireUser     `json:"from"`
	Message      *wireMessage `json:"message,omitempty"`
	ChatInstance string       `json:"chat_instance"`
	Data         string       `json:"data,omitempty"`
}

type wireChatMember struct {
	User   wireUser `json:"user"`
	Status string   `json:"status"`
}

type wireChatMemberUpdated struct {
	Chat          wireChat       `json:"chat"`
	From          wireUser       `json:"from"`
	Date          int64          `json:"date"`
	OldChatMember wireChatMember `json:"old_chat_member"`
	NewChatMember wireChatMember `json:"new_chat_member"`
}

// wireUpdate has no update_id: the queue splices it in when the update is
// enqueued, so ids follow queue order.
type wireUpdate struct {
	Message       *wireMessage           `json:"message,omitempty"`
	CallbackQuery *wireCallbackQuery     `json:"callback_query,omitempty"`
	MyChatMember  *wireChatMemberUpdated `json:"my_chat_member,omitempty"`
}

// botUser is the fake bot's own account, as getMe returns it.
var botUser = wireUser{ID: BotID, IsBot: true, FirstName: "Assetbot Test", Username: BotUsername}

type wireGetMe struct {
	wireUser
	CanJoinGroups           bool `json:"can_join_groups"`
	CanReadAllGroupMessages bool `json:"can_read_all_group_messages"`
	SupportsInlineQueries   bool `json:"supports_inline_queries"`
}

type wireWebhookInfo struct {
	URL                  string   `json:"url"`
	HasCustomCertificate bool     `json:"has_custom_certificate"`
	PendingUpdateCount   int      `json:"pending_update_count"`
	MaxConnections       int      `json:"max_connections,omitempty"`
	IPAddress            string   `json:"ip_address,omitempty"`
	AllowedUpdates       []string `json:"allowed_updates,omitempty"`
}
