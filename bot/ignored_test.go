package bot

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/assetbot/assetbot/bot/fakeapi"
)

// TestIgnoredUpdates checks that updates which are not a person talking to
// the bot in private are confirmed without a reply, without creating
// anyone, and without stopping the bot.
func TestIgnoredUpdates(t *testing.T) {
	h := newHarness(t, fakeapi.Options{})
	const user = 701
	group := map[string]any{"id": -4001, "type": "group", "title": "Allotment society"}
	supergroup := map[string]any{"id": -1001234567890, "type": "supergroup", "title": "Neighbours"}
	channelChat := map[string]any{"id": -1009876543210, "type": "channel", "title": "News"}
	now := time.Now().Unix()
	for _, tc := range []struct {
		name   string
		update map[string]any
		chats  []int64 // chats that must get nothing
	}{
		{"group message", map[string]any{"message": map[string]any{
			"message_id": 1, "from": rawUser(user), "chat": group, "date": now, "text": "/start",
			"entities": []any{map[string]any{"type": "bot_command", "offset": 0, "length": 6}},
		}}, []int64{-4001, user}},
		{"supergroup message", map[string]any{"message": map[string]any{
			"message_id": 2, "from": rawUser(user), "chat": supergroup, "date": now, "text": "hello everyone",
		}}, []int64{-1001234567890, user}},
		{"channel post", map[string]any{"channel_post": map[string]any{
			"message_id": 3, "sender_chat": channelChat, "chat": channelChat, "date": now, "text": "/start",
		}}, []int64{-1009876543210}},
		{"inline query", map[string]any{"inline_query": map[string]any{
			"id": "iq1", "from": rawUser(user), "query": "cooking", "offset": "",
		}}, []int64{user}},
		{"unknown update type", map[string]any{"something_new": map[string]any{}}, nil},
		{"message without a sender", map[string]any{"message": map[string]any{
			"message_id": 4, "chat": map[string]any{"id": user, "type": "private"}, "date": now, "text": "/start",
		}}, []int64{user}},
		{"message from a bot", map[string]any{"message": map[string]any{
			"message_id": 5, "from": map[string]any{"id": user, "is_bot": true, "first_name": "Spambot"},
			"chat": map[string]any{"id": user, "type": "private"}, "date": now, "text": "/start",
		}}, []int64{user}},
		{"my_chat_member in a group", map[string]any{"my_chat_member": map[string]any{
			"chat": group, "from": rawUser(user), "date": now,
			"old_chat_member": map[string]any{"user": map[string]any{"id": fakeapi.BotID, "is_bot": true, "first_name": "Bot"}, "status": "left"},
			"new_chat_member": map[string]any{"user": map[string]any{"id": fakeapi.BotID, "is_bot": true, "first_name": "Bot"}, "status": "member"},
		}}, []int64{-4001, user}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sent := h.fake.Stats().Sent
			if _, err := h.fake.InjectRaw(mustMarshal(tc.update)); err != nil {
				t.Fatal(err)
			}
			waitUntil(t, "the update is confirmed", func() bool { return h.fake.Pending() == 0 })
			// Its effects, if any, were committed before it was confirmed.
			if queued, err := h.store.Pending(context.Background(), 0, 1); err != nil || len(queued) != 0 {
				t.Errorf("outbox holds %v (%v); want nothing", queued, err)
			}
			if got := h.fake.Stats().Sent; got != sent {
				t.Errorf("the bot sent %d messages; want none", got-sent)
			}
			for _, c := range tc.chats {
				if got := h.fake.Messages(c); len(got) != 0 {
					t.Errorf("chat %d got %q; want nothing", c, texts(got))
				}
			}
			if _, found := h.person(t, user); found {
				t.Errorf("person %d was created; want nobody", user)
			}
		})
	}

	// The bot still answers people.
	r := h.resident(t, 702, "Ivy")
	r.say("/start")
	r.asked("consent")
}

// TestBlockedAndUnblocked checks that my_chat_member updates in a private
// chat mark the person unreachable when they block the bot and reachable
// again when they unblock it.
func TestBlockedAndUnblocked(t *testing.T) {
	h := newHarness(t, fakeapi.Options{})
	const user = 711
	r := h.resident(t, user, "Bo")
	r.say("/start")
	r.asked("consent")
	if p, found := h.person(t, user); !found || !p.Reachable {
		t.Fatalf("after /start person is %+v (found %v); want reachable", p, found)
	}

	h.fake.Block(user)
	waitUntil(t, "the block is confirmed", func() bool { return h.fake.Pending() == 0 })
	if p, _ := h.person(t, user); p.Reachable {
		t.Errorf("after blocking the bot the person is reachable; want unreachable")
	}
	if got := r.await("nothing", func([]fakeapi.Sent) bool { return true }); len(got) != 0 {
		t.Errorf("after blocking the bot sent %q; want nothing", texts(got))
	}

	h.fake.Unblock(user)
	waitUntil(t, "the unblock is confirmed", func() bool { return h.fake.Pending() == 0 })
	if p, _ := h.person(t, user); !p.Reachable {
		t.Errorf("after unblocking the person is unreachable; want reachable")
	}
	r.say("/help")
	if m := r.reply(); !strings.Contains(m.Text, "/start") {
		t.Errorf("after unblocking /help got %q", m.Text)
	}

	// Someone the bot never met blocking it changes nothing.
	h.fake.Block(712)
	waitUntil(t, "the stranger's block is confirmed", func() bool { return h.fake.Pending() == 0 })
	if _, found := h.person(t, 712); found {
		t.Errorf("a stranger blocking the bot created a person")
	}
}
