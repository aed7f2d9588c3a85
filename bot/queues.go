package bot

import (
	"context"
	"sync"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
)

// chatQueues runs updates one chat at a time, in arrival order, while
// different chats run concurrently: a goroutine per chat with work, gone
// when its queue empties.
type chatQueues struct {
	handle  func(context.Context, tgbotapi.Update, action) error
	mu      sync.Mutex
	pending map[int64][]queuedUpdate
	running sync.WaitGroup
}

type queuedUpdate struct {
	ctx    context.Context
	update tgbotapi.Update
	action action
	done   chan error
}

func newChatQueues(handle func(context.Context, tgbotapi.Update, action) error) *chatQueues {
	return &chatQueues{handle: handle, pending: map[int64][]queuedUpdate{}}
}

// push queues an update, with what it asks of the bot, for its chat and
// returns a channel that receives the outcome once it is handled. Handling
// ends early, leaving the update to come again, if ctx ends while it waits
// to retry.
func (q *chatQueues) push(ctx context.Context, u tgbotapi.Update, a action) chan error {
	done := make(chan error, 1)
	q.mu.Lock()
	list := q.pending[a.chatID]
	q.pending[a.chatID] = append(list, queuedUpdate{ctx: ctx, update: u, action: a, done: done})
	if len(list) == 0 {
		q.running.Add(1)
		go q.drain(a.chatID)
	}
	q.mu.Unlock()
	return done
}

// drain handles a chat's updates until its queue is empty. The queue is
// removed in the same critical section that finds it empty, so that a push
// after that starts a new drain and never races this one.
func (q *chatQueues) drain(chatID int64) {
	defer q.running.Done()
	q.mu.Lock()
	for {
		head := q.pending[chatID][0]
		q.mu.Unlock()
		head.done <- q.handle(head.ctx, head.update, head.action)
		q.mu.Lock()
		rest := q.pending[chatID][1:]
		if len(rest) == 0 {
			delete(q.pending, chatID)
			q.mu.Unlock()
			return
		}
		q.pending[chatID] = rest
	}
}

// wait returns when every queued update has been handled.
func (q *chatQueues) wait() { q.running.Wait() }
