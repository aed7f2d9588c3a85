package bot

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/assetbot/assetbot/internal/store"
)

// cmdDigest is the organisers' /digest (see organiserCommands).
const cmdDigest = "/digest"

// digestTimeout bounds building and queuing one digest: at most a few
// seconds even for a large map.
const digestTimeout = time.Minute

// Digester makes the organisers' digest as of now in lang: its text and
// its chart as a PNG.
type Digester func(ctx context.Context, now time.Time, lang string) (text string, chart []byte, err error)

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
			if err := QueueDigest(ctx, b.store, b.digester, time.Now(), map[int64]string{chatID: lang}); err != nil {
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
// (its text, then its chart as a photo) to each chat, in the chat's
// language, among the messages the bot sends first.
func QueueDigest(ctx context.Context, st *store.Store, d Digester, now time.Time, chats map[int64]string) error {
	type made struct {
		text  string
		chart []byte
	}
	byLang := map[string]made{}
	for _, lang := range chats {
		if _, ok := byLang[lang]; ok {
			continue
		}
		text, chart, err := d(ctx, now, lang)
		if err != nil {
			return fmt.Errorf("make the digest in %s: %w", lang, err)
		}
		byLang[lang] = made{text, chart}
	}
	return st.Update(ctx, func(tx *store.Tx) error {
		for chatID, lang := range chats {
			m := byLang[lang]
			for _, chunk := range split(m.text, maxMessageRunes) {
				if _, err := enqueue(tx, outMsg{Method: methodSend, ChatID: chatID, Text: chunk}, true); err != nil {
					return err
				}
			}
			if _, err := enqueue(tx, outMsg{Method: methodPhoto, ChatID: chatID, Photo: m.chart}, true); err != nil {
				return err
			}
		}
		return nil
	})
}
