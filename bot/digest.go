package bot

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/assetbot/assetbot/internal/audit"
	"github.com/assetbot/assetbot/internal/store"
)

// cmdDigest is the organisers' /digest (see organiserCommands).
const cmdDigest = "/digest"

// digestTimeout bounds building and queuing one digest: at most a few
// seconds even for a large map.
const digestTimeout = time.Minute

// Digest is the organisers' digest as sent: its text, its chart as a PNG,
// and the people CSV (nil when it is too large to send). People is how
// many people it names, for the audit.
type Digest struct {
	Text   string
	Chart  []byte
	CSV    []byte
	People int
}

// Digester makes the organisers' digest as of now in lang.
type Digester func(ctx context.Context, now time.Time, lang string) (Digest, error)

// CSVName is the file name the people CSV is sent under.
const CSVName = "people.csv"

// WithDigest lets organisers ask for the digest with /digest.
func WithDigest(d Digester) Option { return func(b *Bot) { b.digester = d } }

// digestCommand carries out /digest. Building the digest reads the whole
// map, so it is not done inside the update's transaction, which would hold
// up every other write: once this one commits, the digest is built and
// queued to the organiser as the bot's scheduled messages are.
func (b *Bot) digestCommand(tx *store.Tx, a action) ([]outMsg, error) {
	lang, err := b.svc.PersonLanguage(tx, a.id)
	if err != nil {
		return nil, err
	}
	if b.digester == nil {
		return nil, errors.New("digest: the bot was started without one")
	}
	chatID := a.chatID
	tx.OnCommit(func() {
		go func() {
			ctx, cancel := context.WithTimeout(context.Background(), digestTimeout)
			defer cancel()
			if err := QueueDigest(ctx, b.store, b.digester, time.Now(), map[int64]string{chatID: lang}, cmdDigest); err != nil {
				b.log.Error("send the digest on demand", "chat_id", chatID, "err", err)
			}
		}()
	})
	return nil, nil
}

// OrganiserChats returns the organisers' private chats, by Telegram user
// id, each with the language its person reads (English for an organiser
// who never talked to the bot).
func OrganiserChats(ctx context.Context, st *store.Store, ids []int64) (map[int64]string, error) {
	chats := make(map[int64]string, len(ids))
	err := st.Update(ctx, func(tx *store.Tx) error {
		for _, id := range ids {
			chats[id] = "en"
			p, err := tx.Person(channel, strconv.FormatInt(id, 10))
			switch {
			case errors.Is(err, store.ErrNotFound):
			case err != nil:
				return err
			default:
				chats[id] = p.Language
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read the organisers' languages: %w", err)
	}
	return chats, nil
}

// QueueDigest makes the digest as of now once per language and queues it
// (its text, its chart as a photo, then the people CSV) to each chat, in the chat's
// language, among the messages the bot sends first. Each organiser's copy
// is recorded in the audit, with how (as the audit's detail: "/digest",
// "scheduled"), in the same transaction: none is queued unrecorded.
func QueueDigest(ctx context.Context, st *store.Store, d Digester, now time.Time, chats map[int64]string, how string) error {
	byLang := map[string]Digest{}
	for _, lang := range chats {
		if _, ok := byLang[lang]; ok {
			continue
		}
		made, err := d(ctx, now, lang)
		if err != nil {
			return fmt.Errorf("make the digest in %s: %w", lang, err)
		}
		byLang[lang] = made
	}
	return st.Update(ctx, func(tx *store.Tx) error {
		for chatID, lang := range chats {
			m := byLang[lang]
			if err := tx.Audit(store.AuditEntry{Who: strconv.FormatInt(chatID, 10), Action: audit.Digest, People: m.People, Detail: how}); err != nil {
				return err
			}
			var msgs []outMsg
			for _, chunk := range split(m.Text, maxMessageRunes) {
				msgs = append(msgs, outMsg{Method: methodSend, ChatID: chatID, Text: chunk})
			}
			msgs = append(msgs, outMsg{Method: methodPhoto, ChatID: chatID, Photo: m.Chart})
			if m.CSV != nil {
				msgs = append(msgs, outMsg{Method: methodDocument, ChatID: chatID, Document: m.CSV, FileName: CSVName})
			}
			for _, msg := range msgs {
				if _, err := enqueue(tx, msg, true); err != nil {
					return err
				}
			}
		}
		return nil
	})
}
