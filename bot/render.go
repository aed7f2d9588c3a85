package bot

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/assetbot/assetbot/internal/conversation"
	"github.com/assetbot/assetbot/internal/flow"
)

// The Bot API methods the outbox sends.
const (
	methodSend       = "sendMessage"
	methodEditText   = "editMessageText"
	methodEditMarkup = "editMessageReplyMarkup"
	methodAnswer     = "answerCallbackQuery"
	methodPhoto      = "sendPhoto"
	methodDocument   = "sendDocument"
)

// Telegram's limits that shape what we send.
const (
	maxMessageRunes  = 4096
	maxCallbackRunes = 200
	maxCallbackData  = 64
	maxButtonRunes   = 40
	maxCaptionRunes  = 1024
)

// maxPairedLabel is the longest option label that still fits two buttons
// to a row on a phone.
const maxPairedLabel = 18

// outMsg is one Bot API call waiting in the outbox.
type outMsg struct {
	Method    string          `json:"m"`
	ChatID    int64           `json:"c"`
	MessageID int             `json:"mid,omitempty"`
	Text      string          `json:"t,omitempty"`
	Markup    json.RawMessage `json:"k,omitempty"`
	// Entities mark spans of Text (links, mentions): Telegram counts
	// their offsets and lengths in UTF-16 code units.
	Entities []tgbotapi.MessageEntity `json:"e,omitempty"`
	Callback string                   `json:"cb,omitempty"`
	// Photo is a PNG to upload with sendPhoto; Text is then its caption.
	Photo []byte `json:"p,omitempty"`
	// Document is a file to upload with sendDocument under the name
	// FileName; Text is then its caption.
	Document []byte `json:"d,omitempty"`
	FileName string `json:"fn,omitempty"`
}

// photoName is the file name a photo is uploaded under.
const photoName = "photo.png"

// send makes the call: an upload for a photo or a document, a plain
// request otherwise.
func (m outMsg) send(api *tgbotapi.BotAPI) error {
	switch m.Method {
	case methodPhoto:
		_, err := api.UploadFiles(m.Method, m.params(), []tgbotapi.RequestFile{{Name: "photo", Data: tgbotapi.FileBytes{Name: photoName, Bytes: m.Photo}}})
		return err
	case methodDocument:
		_, err := api.UploadFiles(m.Method, m.params(), []tgbotapi.RequestFile{{Name: "document", Data: tgbotapi.FileBytes{Name: m.FileName, Bytes: m.Document}}})
		return err
	}
	_, err := api.MakeRequest(m.Method, m.params())
	return err
}

// params turns the call into the library's request parameters.
func (m outMsg) params() tgbotapi.Params {
	p := tgbotapi.Params{}
	switch m.Method {
	case methodAnswer:
		p["callback_query_id"] = m.Callback
		if m.Text != "" {
			p["text"] = m.Text
		}
		return p
	}
	p["chat_id"] = strconv.FormatInt(m.ChatID, 10)
	if m.MessageID != 0 {
		p["message_id"] = strconv.Itoa(m.MessageID)
	}
	text, entities := "text", "entities"
	if m.Method == methodPhoto || m.Method == methodDocument {
		text, entities = "caption", "caption_entities"
	}
	if m.Text != "" {
		p[text] = m.Text
	}
	if len(m.Entities) > 0 {
		p[entities] = string(mustJSON(m.Entities))
	}
	if len(m.Markup) > 0 {
		p["reply_markup"] = string(m.Markup)
	}
	return p
}

// Callback data is "<kind>:<turn>:<value>"; the kinds are below. A
// reminder's buttons carry the reminder's id where others carry a turn.
const (
	cbOption   = "o" // choose an option
	cbToggle   = "t" // tick or untick a multi option
	cbDone     = "d" // finish a multi step
	cbBack     = "b"
	cbSkip     = "s"
	cbKeep     = "k" // keep the current answer
	cbMenu     = "m" // choose a menu action
	cbReminder = "r" // act on a scheduled message: "r:<reminder id>:<action>"
)

func callbackData(kind string, turn int64, value string) string {
	return kind + ":" + strconv.FormatInt(turn, 10) + ":" + value
}

// parseCallback reads callback data as the event it stands for; ok is
// false for anything we did not make.
func parseCallback(data string) (ev conversation.Event, ok bool) {
	if len(data) == 0 || len(data) > maxCallbackData {
		return ev, false
	}
	kind, rest, found := strings.Cut(data, ":")
	if !found {
		return ev, false
	}
	numText, value, found := strings.Cut(rest, ":")
	num, err := strconv.ParseInt(numText, 10, 64)
	if !found || err != nil || num <= 0 || num > math.MaxInt32 && kind != cbReminder {
		return ev, false
	}
	if kind == cbReminder {
		return conversation.Event{Kind: conversation.EventReminder, Reminder: num, Action: value}, value != ""
	}
	in := flow.Input{Turn: int(num)}
	switch kind {
	case cbOption, cbMenu:
		in.Kind, in.Option = flow.InputOption, value
	case cbToggle:
		in.Kind, in.Option = flow.InputToggle, value
	case cbDone:
		in.Kind = flow.InputDone
	case cbBack:
		in.Kind = flow.InputBack
	case cbSkip:
		in.Kind = flow.InputSkip
	case cbKeep:
		in.Kind = flow.InputKeep
	default:
		return ev, false
	}
	if (in.Kind == flow.InputOption || in.Kind == flow.InputToggle) && value == "" {
		return ev, false
	}
	return conversation.Event{Kind: conversation.EventInput, Input: in}, true
}

// press is the button press an update carried, if any.
type press struct {
	callbackID string
	messageID  int
	text       string // the pressed message's text
	// username is the presser's Telegram @username (without the @) at
	// the press, "" if they have none; it is never stored.
	username string
}

// renderer turns conversation replies into Bot API calls.
type renderer struct {
	chatID int64
	// text returns a catalogue message in the person's language.
	text func(msg string, vars ...string) string
	out  []outMsg
}

func (r *renderer) add(m outMsg) {
	m.ChatID = r.chatID
	r.out = append(r.out, m)
}

// answer acknowledges a button press, with an optional short note.
func (r *renderer) answer(p *press, note string) {
	if p == nil || p.callbackID == "" {
		return
	}
	r.add(outMsg{Method: methodAnswer, Callback: p.callbackID, Text: truncate(note, maxCallbackRunes)})
}

// reply renders a conversation reply to an event that may have been a
// button press.
//
// A location question shows a reply keyboard, which stays until a message
// removes it: after a shared location, the first message removes it, on its
// own if the next question needs an inline keyboard.
func (r *renderer) reply(rep conversation.Reply, p *press, prefix string, sharedLocation bool) {
	pressed := p != nil && p.callbackID != ""
	switch {
	case rep.Stale:
		r.answer(p, r.text(flow.MsgMovedOn))
		if pressed && p.messageID != 0 {
			r.add(outMsg{Method: methodEditMarkup, MessageID: p.messageID, Markup: emptyInlineKeyboard})
		}
		return
	case pressed && rep.Outcome == flow.OutcomeToggled:
		r.answer(p, "")
		if len(rep.Messages) > 0 && p.messageID != 0 {
			r.add(outMsg{Method: methodEditMarkup, MessageID: p.messageID, Markup: r.keyboard(rep.Messages[len(rep.Messages)-1])})
		}
		return
	case pressed && rep.Outcome == flow.OutcomeInvalid && len(rep.Messages) == 1:
		// The question is still on screen: say what's wrong in a toast.
		r.answer(p, rep.Messages[0].Problem)
		return
	}
	r.answer(p, "")
	if pressed && p.messageID != 0 {
		text := p.text
		if rep.Echo != "" {
			text = strings.TrimSpace(text + "\n\n» " + rep.Echo)
		}
		if text == "" {
			r.add(outMsg{Method: methodEditMarkup, MessageID: p.messageID, Markup: emptyInlineKeyboard})
		} else {
			r.add(outMsg{Method: methodEditText, MessageID: p.messageID, Text: truncate(text, maxMessageRunes), Markup: emptyInlineKeyboard})
		}
	}
	// A location the question did not take leaves its keyboard in place.
	r.messages(rep.Messages, prefix, sharedLocation && rep.Outcome != flow.OutcomeInvalid)
}

// messages sends a turn's messages as one Telegram message where they fit:
// the information first, then the question with its keyboard.
func (r *renderer) messages(msgs []conversation.Message, prefix string, removeReplyKeyboard bool) {
	var parts []string
	if prefix != "" {
		parts = append(parts, prefix)
	}
	var question *conversation.Message
	for i := range msgs {
		m := &msgs[i]
		parts = append(parts, r.body(*m))
		if m.Question() {
			question = m
		}
	}
	text := strings.TrimSpace(strings.Join(parts, "\n\n"))
	if text == "" {
		return
	}
	if removeReplyKeyboard && question != nil {
		r.add(outMsg{Method: methodSend, Text: r.text(flow.MsgGotLocation), Markup: removeKeyboard})
	}
	chunks := split(text, maxMessageRunes)
	for i, chunk := range chunks {
		m := outMsg{Method: methodSend, Text: chunk}
		if i == len(chunks)-1 {
			switch {
			case question != nil:
				m.Markup = r.keyboard(*question)
			case removeReplyKeyboard:
				m.Markup = removeKeyboard
			}
		}
		r.add(m)
	}
}

// body is the text of one message: problem, text, hint and current answer.
func (r *renderer) body(m conversation.Message) string {
	var b strings.Builder
	if m.Problem != "" {
		b.WriteString("⚠️ " + m.Problem + "\n\n")
	}
	b.WriteString(m.Text)
	if m.Hint != "" {
		b.WriteString("\n\n" + m.Hint)
	}
	if m.Current != "" && m.Menu == "" {
		b.WriteString("\n\n" + r.text(flow.MsgCurrent, "answer", m.Current))
	}
	return b.String()
}

var (
	emptyInlineKeyboard = mustJSON(tgbotapi.InlineKeyboardMarkup{InlineKeyboard: [][]tgbotapi.InlineKeyboardButton{}})
	removeKeyboard      = mustJSON(tgbotapi.ReplyKeyboardRemove{RemoveKeyboard: true})
)

func mustJSON(v any) json.RawMessage {
	data, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("encode %T: %v", v, err))
	}
	return data
}

// keyboard is the reply markup for a question.
func (r *renderer) keyboard(m conversation.Message) json.RawMessage {
	var rows [][]tgbotapi.InlineKeyboardButton
	button := func(label, kind, value string) tgbotapi.InlineKeyboardButton {
		return tgbotapi.NewInlineKeyboardButtonData(truncate(label, maxButtonRunes), callbackData(kind, int64(m.Turn), value))
	}
	switch {
	case m.Reminder != 0, m.Menu != "":
		// One action a row. A reminder's buttons name the reminder, not a
		// turn: they stay good whatever the person does meanwhile.
		kind, num := cbMenu, int64(m.Turn)
		if m.Reminder != 0 {
			kind, num = cbReminder, m.Reminder
		}
		for _, o := range m.Options {
			rows = append(rows, []tgbotapi.InlineKeyboardButton{
				tgbotapi.NewInlineKeyboardButtonData(truncate(o.Label, maxButtonRunes), callbackData(kind, num, o.ID)),
			})
		}
		return mustJSON(tgbotapi.InlineKeyboardMarkup{InlineKeyboard: rows})
	case m.Type == flow.TypeLocation:
		kb := tgbotapi.NewOneTimeReplyKeyboard(tgbotapi.NewKeyboardButtonRow(tgbotapi.NewKeyboardButtonLocation(r.text(flow.MsgShareLocation))))
		kb.InputFieldPlaceholder = r.text(flow.MsgTypePlace)
		return mustJSON(kb)
	case m.Type == flow.TypeMulti:
		var buttons []tgbotapi.InlineKeyboardButton
		for _, o := range m.Options {
			label := o.Label
			if o.Selected {
				label = "✅ " + label
			}
			buttons = append(buttons, button(label, cbToggle, o.ID))
		}
		rows = grid(buttons, m.Options)
		rows = append(rows, []tgbotapi.InlineKeyboardButton{button(r.text(flow.MsgButtonDone), cbDone, "")})
	case len(m.Options) > 0:
		var buttons []tgbotapi.InlineKeyboardButton
		for _, o := range m.Options {
			buttons = append(buttons, button(o.Label, cbOption, o.ID))
		}
		rows = grid(buttons, m.Options)
	}
	var nav []tgbotapi.InlineKeyboardButton
	if m.CanBack {
		nav = append(nav, button(r.text(flow.MsgButtonBack), cbBack, ""))
	}
	if m.Current != "" {
		nav = append(nav, button(r.text(flow.MsgButtonKeep, "answer", m.Current), cbKeep, ""))
	}
	if m.Optional {
		nav = append(nav, button(r.text(flow.MsgButtonSkip), cbSkip, ""))
	}
	if len(nav) > 0 {
		rows = append(rows, nav)
	}
	if len(rows) == 0 {
		placeholder := r.text(flow.MsgTypeAnswer)
		if m.Type == flow.TypeNumber {
			placeholder = r.text(flow.MsgTypeNumber)
		}
		return mustJSON(tgbotapi.ForceReply{ForceReply: true, InputFieldPlaceholder: placeholder})
	}
	return mustJSON(tgbotapi.InlineKeyboardMarkup{InlineKeyboard: rows})
}

// grid lays buttons out two to a row, or one when a label is longer than
// maxPairedLabel.
func grid(buttons []tgbotapi.InlineKeyboardButton, options []flow.Choice) [][]tgbotapi.InlineKeyboardButton {
	perRow := 2
	for _, o := range options {
		if utf8.RuneCountInString(o.Label) > maxPairedLabel {
			perRow = 1
		}
	}
	var rows [][]tgbotapi.InlineKeyboardButton
	for i := 0; i < len(buttons); i += perRow {
		rows = append(rows, buttons[i:min(i+perRow, len(buttons))])
	}
	return rows
}

// linked is a value to fill into a message's {placeholder} with an entity
// (a link, a mention) over it.
type linked struct {
	placeholder, value string
	// entity gives the entity's Type and URL; its offset and length are
	// where value lands.
	entity tgbotapi.MessageEntity
}

// fillLinked fills the {placeholders} of template, a message with its
// placeholders still in it, with the values of links, and returns the text
// with an entity over each value. The placeholders are the sentinels:
// wherever the message's wording puts them, there the entity goes. It
// fills in one pass from the left, so a value that looks like a
// placeholder stays as it is. A value whose placeholder the wording lacks
// goes on a line of its own at the end: the link is never lost.
func fillLinked(template string, links ...linked) (string, []tgbotapi.MessageEntity) {
	var b strings.Builder
	var entities []tgbotapi.MessageEntity
	units := 0 // the UTF-16 length of b
	write := func(s string) {
		b.WriteString(s)
		for _, r := range s {
			units += utf16.RuneLen(r)
		}
	}
	put := func(l linked) {
		e := l.entity
		e.Offset = units
		write(l.value)
		// An empty value has nothing to tap: Telegram refuses an empty entity.
		if e.Length = units - e.Offset; e.Length > 0 {
			entities = append(entities, e)
		}
	}
	placed := make([]bool, len(links))
	for rest := template; ; {
		at, which := len(rest), -1
		for i, l := range links {
			if j := strings.Index(rest, "{"+l.placeholder+"}"); j >= 0 && j < at {
				at, which = j, i
			}
		}
		write(rest[:at])
		if which < 0 {
			break
		}
		put(links[which])
		placed[which] = true
		rest = rest[at+len(links[which].placeholder)+len("{}"):]
	}
	for i, l := range links {
		if !placed[i] {
			write("\n")
			put(l)
		}
	}
	return b.String(), entities
}

// truncate cuts s to at most n runes, marking the cut.
func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}

// split cuts text into pieces of at most n runes, at line breaks where it can.
func split(text string, n int) []string {
	var out []string
	for utf8.RuneCountInString(text) > n {
		r := []rune(text)
		cut := n
		if i := strings.LastIndex(string(r[:n]), "\n"); i > 0 {
			cut = utf8.RuneCountInString(string(r[:n])[:i])
		}
		out = append(out, strings.TrimSpace(string(r[:cut])))
		text = strings.TrimSpace(string(r[cut:]))
	}
	if text != "" {
		out = append(out, text)
	}
	return out
}
