package bot

import (
	"errors"
	"strconv"
	"strings"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/assetbot/assetbot/internal/conversation"
	"github.com/assetbot/assetbot/internal/flow"
	"github.com/assetbot/assetbot/internal/store"
)

// channel is how Telegram people are stored.
const channel = "telegram"

// action is what the bot will do with an update.
type action struct {
	kind   actionKind
	chatID int64
	id     conversation.Identity
	event  conversation.Event
	press  *press
	// say is, for actReply, the message id of the bot's own reply, with
	// vars (name, value, ...) to fill in.
	say  string
	vars []string
	// prefix is the message id of a note put before the conversation's
	// reply; media, for the cant_read note, the message id naming what
	// was sent.
	prefix, media string
	// command and args are, for actVolunteers, actDigest and actExport, the command and what
	// followed it; word is the command as typed, for the unknown-command
	// reply a non-organiser gets.
	command, args, word string
	// org is, for a button under results or an introduction, what it
	// names.
	org organiserPress
	// found is, for an organiser's search, its results, found before the
	// transaction (see prepare); nil to search in it.
	found *found
}

type actionKind int

const (
	actIgnore             actionKind = iota // not a person talking to us in private
	actConverse                             // pass to the conversation
	actReply                                // answer with a fixed text, change nothing
	actReachable                            // the person unblocked the bot
	actUnreachable                          // the person blocked the bot
	actVolunteers                           // a volunteer command: /volunteer, /volunteers, /mystats
	actOrganiser                            // /find, /match, /stats, their page buttons and Introduce
	actIntroductionAnswer                   // a person's Share or No thanks
	actDigest                               // an organiser's /digest
	actExport                               // an organiser's /export and its buttons
)

// kindName names an action kind in logs and metrics.
func (k actionKind) String() string {
	return [...]string{"ignored", "conversation", "reply", "reachable", "unreachable", "volunteers", "organiser", "introduction_answer", "digest", "export"}[k]
}

// decide works out what an update asks of the bot. It never panics on an
// update Telegram could send, however odd.
func decide(u tgbotapi.Update, botName string) action {
	switch {
	case u.Message != nil:
		return decideMessage(u.Message, botName)
	case u.EditedMessage != nil:
		m := u.EditedMessage
		if private(m.Chat, m.From) {
			return action{kind: actReply, chatID: m.Chat.ID, id: identity(m.From), say: flow.MsgEdited}
		}
	case u.CallbackQuery != nil:
		return decideCallback(u.CallbackQuery)
	case u.MyChatMember != nil:
		cm := u.MyChatMember
		if cm.Chat.Type != "private" || cm.From.ID == 0 {
			return action{}
		}
		a := action{chatID: cm.Chat.ID, id: identity(&cm.From)}
		switch cm.NewChatMember.Status {
		case "kicked", "left":
			a.kind = actUnreachable
		case "member":
			a.kind = actReachable
		}
		return a
	}
	return action{}
}

func private(c *tgbotapi.Chat, from *tgbotapi.User) bool {
	return c != nil && from != nil && c.Type == "private" && !from.IsBot && c.ID == from.ID && from.ID > 0
}

func identity(u *tgbotapi.User) conversation.Identity {
	return conversation.Identity{Channel: channel, UserID: strconv.FormatInt(u.ID, 10), FirstName: u.FirstName, Language: u.LanguageCode}
}

func decideMessage(m *tgbotapi.Message, botName string) action {
	if !private(m.Chat, m.From) {
		return action{}
	}
	a := action{kind: actConverse, chatID: m.Chat.ID, id: identity(m.From)}
	input := func(in flow.Input) action {
		a.event = conversation.Event{Kind: conversation.EventInput, Input: in}
		return a
	}
	switch {
	case m.Location != nil:
		return input(flow.Input{Kind: flow.InputLocation, Lat: m.Location.Latitude, Lon: m.Location.Longitude})
	case m.Contact != nil:
		return reply(a, flow.MsgContact)
	case m.Text != "":
		if strings.HasPrefix(m.Text, "/") {
			return decideCommand(a, m.Text, botName)
		}
		return input(flow.Input{Kind: flow.InputText, Text: m.Text})
	}
	// Stickers, photos, voice and video notes, documents, dice, polls and
	// the like: say what works instead, and ask the question again.
	a.prefix, a.media = flow.MsgCantRead, describeMedia(m)
	return input(flow.Input{Kind: "media"})
}

// unknownCommand makes a the reply to a command word the bot does not
// know. A refused organiser command gets it too, built from the same
// fields, so that the two cannot differ by a byte.
func unknownCommand(a action, word string) action {
	return reply(action{chatID: a.chatID, id: a.id}, flow.MsgUnknownCommand, "command", truncate(word, maxCommandEcho))
}

// reply makes a the bot's own reply: message id msg with vars filled in.
func reply(a action, msg string, vars ...string) action {
	a.kind, a.say, a.vars = actReply, msg, vars
	return a
}

// describeMedia returns the message id naming what m carries.
func describeMedia(m *tgbotapi.Message) string {
	switch {
	case m.Sticker != nil:
		return flow.MsgMediaStickers
	case m.Photo != nil:
		return flow.MsgMediaPhotos
	case m.Voice != nil:
		return flow.MsgMediaVoice
	case m.VideoNote != nil, m.Video != nil, m.Animation != nil:
		return flow.MsgMediaVideos
	case m.Audio != nil:
		return flow.MsgMediaAudio
	case m.Document != nil:
		return flow.MsgMediaFiles
	case m.Dice != nil:
		return flow.MsgMediaDice
	case m.Poll != nil:
		return flow.MsgMediaPolls
	}
	return flow.MsgMediaOther
}

// decideCommand handles "/cmd", "/cmd@bot" and "/start payload". Telegram
// marks commands with an entity, but some clients and emulators do not, so
// the text is what counts.
func decideCommand(a action, text, botName string) action {
	word, args, _ := strings.Cut(strings.TrimSpace(text), " ")
	cmd, target, addressed := strings.Cut(strings.ToLower(word), "@")
	if addressed && !strings.EqualFold(target, botName) {
		return reply(a, flow.MsgOtherBot)
	}
	switch cmd {
	case cmdVolunteer, cmdVolunteers, cmdMyStats:
		a.kind, a.command, a.args, a.word = actVolunteers, cmd, strings.TrimSpace(args), word
		return a
	case cmdFind, cmdMatch, cmdStats:
		a.kind, a.command, a.args, a.word = actOrganiser, cmd, strings.TrimSpace(args), word
		return a
	case cmdDigest:
		a.kind, a.command, a.word = actDigest, cmd, word
		return a
	case cmdExport:
		a.kind, a.command, a.args, a.word = actExport, cmd, strings.TrimSpace(args), word
		return a
	}
	ev, ok := conversation.Command(cmd)
	if !ok {
		return unknownCommand(a, word)
	}
	// A deep-link payload ("/start abc") goes to the conversation, which
	// attributes the person to the link's owner; one that is unknown,
	// malformed or oversized starts the bot as plain /start does, and is
	// only logged.
	if args = strings.TrimSpace(args); ev.Kind == conversation.EventStart && args != "" {
		ev.Payload = args
	}
	a.event = ev
	return a
}

func decideCallback(q *tgbotapi.CallbackQuery) action {
	if q.From == nil || q.ID == "" {
		return action{}
	}
	p := &press{callbackID: q.ID}
	if q.Message == nil || !private(q.Message.Chat, q.From) {
		// An inline-mode button or one in a group: no private chat to answer in.
		return action{kind: actReply, id: identity(q.From), press: p, say: flow.MsgInlineButton}
	}
	p.messageID, p.text = q.Message.MessageID, q.Message.Text
	a := action{kind: actConverse, chatID: q.Message.Chat.ID, id: identity(q.From), press: p}
	if org, ok := decideOrganiserPress(a, q.Data); ok {
		return org
	}
	if ex, ok := decideExportPress(a, q.Data); ok {
		return ex
	}
	ev, ok := parseCallback(q.Data)
	if !ok {
		return reply(a, flow.MsgBadButton)
	}
	a.event = ev
	return a
}

// apply carries out an action inside a transaction, queueing what to send.
func (b *Bot) apply(tx *store.Tx, a action) ([]outMsg, error) {
	if out, refused, err := b.refused(tx, a); refused {
		return out, err
	}
	if in, ok, err := b.introductionDraft(tx, a); ok || err != nil {
		if err != nil {
			return nil, err
		}
		return b.sendIntroduction(tx, a, in)
	}
	switch a.kind {
	case actReply:
		lang, err := b.svc.PersonLanguage(tx, a.id)
		if err != nil {
			return nil, err
		}
		r := b.renderer(a.chatID, lang)
		if a.press != nil {
			r.answer(a.press, r.text(a.say, a.vars...))
		} else {
			r.add(outMsg{Method: methodSend, Text: r.text(a.say, a.vars...)})
		}
		return r.out, nil
	case actConverse:
		rep, err := b.svc.Handle(tx, a.id, a.event)
		if err != nil {
			return nil, err
		}
		if n := float64(rep.Recorded); n > 0 {
			tx.OnCommit(func() { b.metrics.answers.Add(n) })
		}
		if rep.Erased {
			chat := a.chatID
			tx.OnCommit(func() { b.sender.erased(chat) })
		}
		r := b.renderer(a.chatID, rep.Person.Language)
		var prefix string
		switch {
		case a.media != "":
			prefix = r.text(a.prefix, "what", r.text(a.media))
		case a.prefix != "":
			prefix = r.text(a.prefix)
		}
		for i, m := range rep.Messages {
			if m.Invite != "" {
				// The end of the flow: the link goes under the thanks,
				// and /invite gives the QR code too.
				rep.Messages[i].Text += "\n\n" + r.text(flow.MsgInvite, "link", b.link(m.Invite))
			}
		}
		r.reply(rep, a.press, prefix, a.event.Input.Kind == flow.InputLocation)
		if rep.Invite != "" {
			b.sendLink(r, flow.MsgInvite, rep.Invite, "link", b.link(rep.Invite))
		}
		if d := rep.Document; d != nil {
			// Queued with the reply, so it is sent once, after the
			// message, under the same limits as every other message.
			r.add(outMsg{Method: methodDocument, Document: d.Data, FileName: d.Name})
		}
		return r.out, nil
	case actReachable, actUnreachable:
		if err := setReachable(tx, a.chatID, a.id.UserID, a.kind == actReachable); err != nil {
			return nil, err
		}
	case actVolunteers:
		return b.volunteerCommand(tx, a)
	case actOrganiser:
		return b.organiserCommand(tx, a)
	case actIntroductionAnswer:
		return b.answerIntroduction(tx, a)
	case actDigest:
		return b.digestCommand(tx, a)
	case actExport:
		return b.exportCommand(tx, a)
	}
	return nil, nil
}

// maxCommandEcho bounds an unknown command quoted back to the person.
const maxCommandEcho = 40

// renderer returns a renderer for a chat whose person reads lang.
func (b *Bot) renderer(chatID int64, lang string) *renderer { return newRenderer(b.svc, chatID, lang) }

// newRenderer returns a renderer for a chat whose person reads lang, in
// svc's words.
func newRenderer(svc *conversation.Service, chatID int64, lang string) *renderer {
	return &renderer{chatID: chatID, text: func(msg string, vars ...string) string {
		return svc.Text(lang, msg, vars...)
	}}
}

// setReachable records whether a person can be reached in their private
// chat, whether we learn it from an update or from a refused message: one
// who blocked the bot also loses what was queued for them, for good.
func setReachable(tx *store.Tx, chatID int64, userID string, reachable bool) error {
	p, err := tx.Person(channel, userID)
	switch {
	case errors.Is(err, store.ErrNotFound):
		// Nobody to mark; replies to one who never started may be queued.
	case err != nil:
		return err
	default:
		p.Reachable = reachable
		if err := tx.UpdatePerson(p); err != nil {
			return err
		}
	}
	if !reachable {
		if _, err := tx.DropPending(chatID, "blocked by the user"); err != nil {
			return err
		}
	}
	return nil
}
