package bot

import (
	"context"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
)

// TestChatQueuesOneAtATimeInOrder pushes updates for a few chats from many
// goroutines, each push racing the end of its chat's drain: every update
// is handled exactly once, one at a time per chat, in the order pushed.
func TestChatQueuesOneAtATimeInOrder(t *testing.T) {
	const chats, perChat = 4, 2000
	var inFlight [chats]atomic.Int32
	var mu sync.Mutex
	handled := map[int][]int{}
	q := newChatQueues(func(_ context.Context, u tgbotapi.Update, a action) error {
		c := int(a.chatID)
		if n := inFlight[c].Add(1); n != 1 {
			t.Errorf("chat %d: %d updates handled at once", c, n)
		}
		mu.Lock()
		handled[c] = append(handled[c], u.UpdateID)
		mu.Unlock()
		inFlight[c].Add(-1)
		return nil
	})
	var pushers sync.WaitGroup
	for c := range chats {
		pushers.Go(func() {
			var last chan error
			for i := range perChat {
				// Now and then let the queue run dry, so that pushes race
				// the end of a drain.
				if i%3 == 0 && last != nil {
					<-last
					runtime.Gosched()
				}
				last = q.push(context.Background(), tgbotapi.Update{UpdateID: i}, action{chatID: int64(c)})
			}
		})
	}
	finished := make(chan struct{})
	go func() { pushers.Wait(); q.wait(); close(finished) }()
	select {
	case <-finished:
	case <-time.After(time.Minute):
		// An update handled twice blocks on its one-slot done channel.
		t.Fatal("the queues did not finish within a minute: an update was handled twice, or lost")
	}
	for c := range chats {
		if len(handled[c]) != perChat {
			t.Fatalf("chat %d: %d updates handled; want %d", c, len(handled[c]), perChat)
		}
		for i, id := range handled[c] {
			if id != i {
				t.Fatalf("chat %d: update %d handled at position %d", c, id, i)
			}
		}
	}
}
