package bot

import (
	"fmt"
	"strconv"

	"github.com/assetbot/assetbot/internal/conversation"
	"github.com/assetbot/assetbot/internal/reminders"
	"github.com/assetbot/assetbot/internal/store"
)

// Notifier queues the messages the bot sends first (reminders) in the
// outbox, marked as scheduled. It needs no connection to Telegram: a
// running bot's sender finds them there, whichever process queued them,
// and sends them after the replies to people's own messages.
type Notifier struct {
	svc *conversation.Service
}

// NewNotifier returns a notifier that speaks as svc does.
func NewNotifier(svc *conversation.Service) *Notifier { return &Notifier{svc: svc} }

// Notify queues rep to person p, in tx.
func (n *Notifier) Notify(tx *store.Tx, p store.Person, rep conversation.Reply) error {
	if p.Channel != channel {
		return fmt.Errorf("person %d talks on %q: %w", p.ID, p.Channel, reminders.ErrNoChannel)
	}
	chatID, err := strconv.ParseInt(p.ChannelUserID, 10, 64)
	if err != nil {
		return fmt.Errorf("person %d has chat id %q: %w", p.ID, p.ChannelUserID, reminders.ErrNoChannel)
	}
	r := newRenderer(n.svc, chatID, p.Language)
	r.messages(rep.Messages, "", false)
	for _, m := range r.out {
		if _, err := enqueue(tx, m, true); err != nil {
			return err
		}
	}
	return nil
}
