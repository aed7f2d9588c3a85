package bot

import (
	"container/heap"
	"context"
	"encoding/json"
	"log/slog"
	"strconv"
	"sync"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
	"golang.org/x/time/rate"

	"github.com/assetbot/assetbot/internal/store"
)

// callbackExpiry is how long Telegram waits for a callback query answer;
// an older one is dropped rather than sent.
const callbackExpiry = 30 * time.Second

// maxSendBackoff caps the wait between retries of a failing message.
const maxSendBackoff = time.Minute

// firstBackoff is the wait before the first retry of anything that failed.
const firstBackoff = time.Second

// backoff is the wait before retrying after the attempt-th failure in a
// row: it doubles from firstBackoff up to ceiling.
func backoff(attempt int, ceiling time.Duration) time.Duration {
	d := firstBackoff
	for i := 1; i < attempt && d < ceiling; i++ {
		d *= 2
	}
	return min(d, ceiling)
}

// forgetIdleChat is how long an idle chat's state (its rate limiter) is
// kept: by then its per-chat limit has recovered in full.
const forgetIdleChat = time.Minute

// queued is an outbox row with its decoded call. A callback answer has no
// row: its id is 0.
type queued struct {
	id      int64
	created time.Time
	tries   int
	msg     outMsg
	// scheduled marks a message the bot sends first (a reminder): it goes
	// after every reply that is ready, and within its own rate.
	scheduled bool
}

// limited reports whether the message counts against Telegram's limits:
// callback answers do not.
func (q queued) limited() bool { return q.msg.Method != methodAnswer }

// chatQueue holds one chat's waiting messages, sent strictly in order.
type chatQueue struct {
	id        int64
	msgs      []queued
	limiter   *rate.Limiter // per-chat rate; nil when lifted
	notBefore time.Time     // retry or flood wait
	busy      bool          // a worker is sending its head
	index     int           // position in the ready or sleeping heap; -1 if in neither
	lastUsed  time.Time
	// erasedUpTo is the id of the last message queued before the chat's
	// person was erased: those still queued are dropped unsent, as their
	// rows went with the person.
	erasedUpTo int64
}

// sender delivers the outbox: in order per chat, fairly across chats (the
// chat whose next message was queued first goes first), within the send
// limits, retrying what can be retried.
type sender struct {
	store   *store.Store
	api     *tgbotapi.BotAPI
	log     *slog.Logger
	redact  redactor
	metrics *metrics
	global  *sendWindow // nil when there is no global limit
	// scheduledRate limits scheduled messages, so that replies always
	// find room in the global limit; nil when lifted.
	scheduledRate *rate.Limiter
	perChat       rate.Limit
	burst         int
	workers       int
	maxAttempts   int
	now           func() time.Time
	// A lasting fault is logged when it starts, now and then while it
	// lasts, and when it clears, not once per message.
	sendFaults  *faultLog // the Bot API out of reach or failing
	storeFaults *faultLog // the outbox cannot be written

	mu          sync.Mutex
	chats       map[int64]*chatQueue
	ready       chatHeap  // chats that may send now
	sleeping    chatHeap  // chats waiting out a limit
	pausedUntil time.Time // a flood wait for the whole bot
	depth       int
	// lastScheduled is the highest id of a scheduled message queued so
	// far: pollScheduled looks for ones above it.
	lastScheduled int64
	// chatsFresh is when a chat's per-chat limit may start with its
	// burst: before then, the process before this one may have spent it.
	chatsFresh time.Time
	wake       chan struct{}
	emptied    chan struct{} // closed and replaced whenever depth reaches 0

	// Deliveries waiting to be recorded.
	recordMu   sync.Mutex
	toRecord   []int64
	recordWake chan struct{}
}

// sendLimits are the sender's settings.
type sendLimits struct {
	rate        float64
	perChatRate float64
	burst       int
	workers     int
	maxAttempts int
	// scheduledRate is the most scheduled messages a second; 0: no limit
	// of their own.
	scheduledRate float64
}

func newSender(st *store.Store, api *tgbotapi.BotAPI, log *slog.Logger, red redactor, m *metrics, l sendLimits) *sender {
	s := &sender{
		store: st, api: api, log: log, redact: red, metrics: m,
		perChat: rate.Limit(l.perChatRate), burst: max(l.burst, 1), workers: max(l.workers, 1), maxAttempts: max(l.maxAttempts, 1),
		now: time.Now, chats: map[int64]*chatQueue{}, wake: make(chan struct{}, 1), emptied: make(chan struct{}),
		ready: chatHeap{less: byHeadMessage}, sleeping: chatHeap{less: byWakeTime},
		recordWake: make(chan struct{}, 1),
	}
	s.sendFaults = newFaultLog(log, slog.LevelWarn, "sending failed; will retry", s.now)
	s.storeFaults = newFaultLog(log, slog.LevelError, "could not write to the outbox", s.now)
	if l.rate > 0 {
		s.global = newSendWindow(l.rate, s.now)
		// A process that just started cannot know what the one before it
		// sent in its last second, which Telegram still counts: start as
		// if every slot had just been used.
		s.global.holdAll()
	}
	if l.scheduledRate > 0 {
		s.scheduledRate = rate.NewLimiter(rate.Limit(l.scheduledRate), 1)
	}
	if l.perChatRate > 0 {
		// How long a chat's burst spent by the process before this one
		// takes to come back.
		s.chatsFresh = s.now().Add(time.Duration(float64(s.burst) / l.perChatRate * float64(time.Second)))
	}
	return s
}

// outboxPage is how many outbox rows load reads at a time.
const outboxPage = 1000

// load queues what the outbox held when the bot last stopped.
func (s *sender) load(ctx context.Context) error {
	var after int64
	for {
		rows, err := s.store.Pending(ctx, after, outboxPage)
		if err != nil {
			return err
		}
		if len(rows) == 0 {
			return nil
		}
		after = rows[len(rows)-1].ID
		s.add(s.decode(ctx, rows))
	}
}

// scheduledPoll is how often the sender looks in the outbox for scheduled
// messages queued by a job or by another process.
const scheduledPoll = time.Second

// pollScheduled queues the scheduled messages committed since it last
// looked, until ctx ends. It holds back while the sender has a page of
// messages in hand, so memory stays bounded however many are due.
func (s *sender) pollScheduled(ctx context.Context) {
	tick := time.NewTicker(scheduledPoll)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		s.mu.Lock()
		after, full := s.lastScheduled, s.depth >= outboxPage
		s.mu.Unlock()
		if full {
			continue
		}
		rows, err := s.store.PendingScheduled(ctx, after, outboxPage)
		if err != nil {
			if ctx.Err() == nil {
				s.log.Error("read scheduled messages from the outbox", "err", err)
			}
			continue
		}
		s.add(s.decode(ctx, rows))
	}
}

// decode turns outbox rows into queued messages, giving up any it cannot
// read.
func (s *sender) decode(ctx context.Context, rows []store.OutboxMessage) []queued {
	batch := make([]queued, 0, len(rows))
	for _, r := range rows {
		var m outMsg
		if err := json.Unmarshal(r.Payload, &m); err != nil {
			s.log.Error("unreadable outbox message; giving it up", "message_id", r.ID, "chat_id", r.ChatID, "err", err)
			s.giveUp(ctx, r.ID, "unreadable payload")
			continue
		}
		batch = append(batch, queued{id: r.ID, created: r.CreatedAt, tries: r.Attempts, msg: m, scheduled: r.Scheduled})
	}
	return batch
}

// add queues messages already committed to the outbox.
func (s *sender) add(msgs []queued) {
	if len(msgs) == 0 {
		return
	}
	s.mu.Lock()
	now := s.now()
	for _, q := range msgs {
		c := s.chats[q.msg.ChatID]
		if c == nil {
			c = &chatQueue{id: q.msg.ChatID, index: -1}
			if s.perChat > 0 {
				c.limiter = rate.NewLimiter(s.perChat, s.burst)
				if now.Before(s.chatsFresh) {
					// As with the global window: the process before this
					// one may have spent this chat's burst just before it
					// died, so a chat met in the first moments starts with
					// none.
					c.limiter.ReserveN(now, s.burst)
				}
			}
			s.chats[c.id] = c
		}
		c.msgs = append(c.msgs, q)
		c.lastUsed = now
		s.depth++
		if q.scheduled {
			s.lastScheduled = max(s.lastScheduled, q.id)
		}
		if !c.busy && c.index < 0 {
			s.schedule(c, now)
		}
	}
	s.metrics.outboxDepth.Set(float64(s.depth))
	s.mu.Unlock()
	s.signal()
}

func (s *sender) signal() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// schedule puts an idle chat with messages where a worker will find it.
// Callers hold s.mu.
func (s *sender) schedule(c *chatQueue, now time.Time) {
	if len(c.msgs) == 0 {
		return
	}
	if c.notBefore.After(now) {
		heap.Push(&s.sleeping, c)
	} else {
		heap.Push(&s.ready, c)
	}
}

// next waits for a chat whose head message may be sent now and marks it
// busy. It returns nil once ctx has ended, even with chats ready: a worker
// that gave a chat back because ctx ended must not be handed it again.
func (s *sender) next(ctx context.Context) *chatQueue {
	for ctx.Err() == nil {
		s.mu.Lock()
		now := s.now()
		for s.sleeping.Len() > 0 && !s.sleeping.peek().notBefore.After(now) {
			c := heap.Pop(&s.sleeping).(*chatQueue)
			heap.Push(&s.ready, c)
		}
		var wait time.Duration = -1
		for s.ready.Len() > 0 {
			c := heap.Pop(&s.ready).(*chatQueue)
			if c.limiter != nil && c.msgs[0].limited() {
				if d := untilToken(c.limiter, now); d > 0 {
					c.notBefore = now.Add(d)
					heap.Push(&s.sleeping, c)
					continue
				}
			}
			if c.msgs[0].scheduled && s.scheduledRate != nil {
				// The token is taken only once the message has a slot (see
				// deliver): a reminder refused for want of room costs none.
				if d := untilToken(s.scheduledRate, now); d > 0 {
					c.notBefore = now.Add(d)
					heap.Push(&s.sleeping, c)
					continue
				}
			}
			c.busy = true
			s.mu.Unlock()
			return c
		}
		if s.sleeping.Len() > 0 {
			wait = s.sleeping.peek().notBefore.Sub(now)
		}
		s.mu.Unlock()
		var timer *time.Timer
		var fire <-chan time.Time
		if wait >= 0 {
			timer = time.NewTimer(wait)
			fire = timer.C
		}
		select {
		case <-ctx.Done():
		case <-s.wake:
		case <-fire:
		}
		if timer != nil {
			timer.Stop()
		}
	}
	return nil
}

// run is one send worker.
func (s *sender) run(ctx context.Context) {
	for {
		c := s.next(ctx)
		if c == nil {
			return
		}
		s.deliver(ctx, c)
	}
}

// erased drops, unsent, what is queued so far for the chat of a person
// just erased. Replies to the event that erased them come after, and go.
func (s *sender) erased(chatID int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if c := s.chats[chatID]; c != nil {
		for _, q := range c.msgs {
			c.erasedUpTo = max(c.erasedUpTo, q.id)
		}
	}
}

// deliver sends a chat's head message and decides what happens to it.
func (s *sender) deliver(ctx context.Context, c *chatQueue) {
	s.mu.Lock()
	q := c.msgs[0]
	erased := q.id != 0 && q.id <= c.erasedUpTo
	s.mu.Unlock()
	if erased {
		s.finish(ctx, c, q, "person erased")
		return
	}
	attrs := []any{"chat_id", c.id, "message_id", q.id, "method", q.msg.Method}

	if q.msg.Method == methodAnswer && s.now().Sub(q.created) > callbackExpiry {
		s.finish(ctx, c, q, "expired")
		return
	}
	slot := -1
	if q.limited() {
		switch {
		case s.global == nil:
		case q.scheduled:
			// A reminder never waits for a slot, holding a worker a reply
			// may need: it takes one only if it is free now, leaves the
			// replies' reserve alone, and no reply is waiting.
			var wait time.Duration
			if slot, wait = s.global.tryAcquire(); slot < 0 {
				s.release(c, wait)
				return
			}
		default:
			if slot = s.global.acquire(ctx); slot < 0 {
				s.release(c, 0)
				return
			}
		}
		if q.scheduled && s.scheduledRate != nil {
			s.scheduledRate.ReserveN(s.now(), 1)
		}
		// Looked at only now, since a 429 may have come while this worker
		// waited for its slot. The chat waits out the pause, not the worker.
		if paused := s.pausedFor(); paused > 0 {
			if slot >= 0 {
				s.global.unused(slot)
			}
			s.release(c, paused)
			return
		}
	}
	start := s.now()
	err := q.msg.send(s.api)
	done := s.now()
	if slot >= 0 {
		s.global.release(slot)
	}
	s.metrics.sendSeconds.Observe(done.Sub(start).Seconds())
	if q.limited() && c.limiter != nil {
		// Telegram counts a message when it arrives, which is some time
		// between our sending it and its answer: counting it at the answer
		// and the next one at its departure keeps us within the limit.
		c.limiter.ReserveN(done, 1)
	}
	if err == nil {
		s.sendFaults.ok()
		s.metrics.sent.WithLabelValues(q.msg.Method).Inc()
		s.finish(ctx, c, q, "")
		return
	}
	kind, wait := classify(err)
	s.metrics.sendErrors.WithLabelValues(string(kind)).Inc()
	switch kind {
	case errUnchanged, errQueryTooOld:
		s.finish(ctx, c, q, string(kind))
	case errCanceled:
		s.release(c, 0)
	case errFlood:
		s.log.Warn("Telegram asked us to slow down", append(attrs, "retry_after", wait)...)
		s.mu.Lock()
		s.pausedUntil = s.now().Add(wait)
		s.mu.Unlock()
		s.release(c, wait)
	case errBlocked:
		s.log.Info("person has blocked the bot; dropping their messages", attrs...)
		s.blocked(ctx, c)
	case errBadRequest:
		s.log.Error("Telegram refused a message; giving it up", append(attrs, "err", s.redact.Err(err))...)
		s.giveUp(ctx, q.id, s.redact.Err(err))
		s.pop(c)
	default:
		q.tries++
		if q.tries >= s.maxAttempts {
			s.log.Error("giving up a message after repeated failures", append(attrs, "attempts", q.tries, "kind", kind, "err", s.redact.Err(err))...)
			s.giveUp(ctx, q.id, s.redact.Err(err))
			s.pop(c)
			return
		}
		retryIn := backoff(q.tries, maxSendBackoff)
		s.sendFaults.fail(append(attrs, "attempt", q.tries, "kind", kind, "retry_in", retryIn, "err", s.redact.Err(err))...)
		if q.id != 0 {
			s.recordFate(s.store.Update(context.WithoutCancel(ctx), func(tx *store.Tx) error { return tx.Attempted(q.id, s.redact.Err(err)) }),
				"send attempt", attrs...)
		}
		s.mu.Lock()
		c.msgs[0].tries = q.tries
		s.mu.Unlock()
		s.release(c, retryIn)
	}
}

// pausedFor is how long a flood wait for the whole bot has still to run.
func (s *sender) pausedFor() time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.pausedUntil.Sub(s.now())
}

// finish records a message as done with and moves the chat on.
func (s *sender) finish(ctx context.Context, c *chatQueue, q queued, why string) {
	if q.id != 0 {
		s.record(q.id)
	}
	if why != "" {
		s.log.Debug("message settled without sending", "chat_id", c.id, "message_id", q.id, "why", why)
	}
	s.pop(c)
}

// record queues a sent message to be marked delivered. The chat moves on
// at once; the recorder commits deliveries in batches, in the order they
// were sent. A message sent but not yet recorded when the process dies is
// sent again at restart: the recorder keeps that window to one commit.
func (s *sender) record(id int64) {
	s.recordMu.Lock()
	s.toRecord = append(s.toRecord, id)
	s.recordMu.Unlock()
	select {
	case s.recordWake <- struct{}{}:
	default:
	}
}

// recordDeliveries commits deliveries in batches until stop is closed and
// none are left.
func (s *sender) recordDeliveries(stop <-chan struct{}) {
	for {
		select {
		case <-s.recordWake:
		case <-stop:
		}
		s.recordMu.Lock()
		ids := s.toRecord
		s.toRecord = nil
		s.recordMu.Unlock()
		if len(ids) == 0 {
			select {
			case <-stop:
				return
			default:
				continue
			}
		}
		err := s.store.UpdateFirst(context.Background(), func(tx *store.Tx) error { return tx.Delivered(ids...) })
		s.recordFate(err, "delivered (they may be sent again after a restart)", "messages", len(ids))
	}
}

func (s *sender) giveUp(ctx context.Context, id int64, reason string) {
	if id == 0 {
		return
	}
	s.recordFate(s.store.Update(context.WithoutCancel(ctx), func(tx *store.Tx) error { return tx.GiveUp(id, reason) }),
		"given up", "message_id", id)
}

// blocked drops everything queued for a chat whose person blocked the bot
// and marks them unreachable.
func (s *sender) blocked(ctx context.Context, c *chatQueue) {
	err := s.store.Update(context.WithoutCancel(ctx), func(tx *store.Tx) error {
		return setReachable(tx, c.id, strconv.FormatInt(c.id, 10), false)
	})
	s.recordFate(err, "person unreachable", "chat_id", c.id)
	s.mu.Lock()
	s.depth -= len(c.msgs)
	c.msgs = nil
	c.busy = false
	s.settle()
	s.mu.Unlock()
}

// recordFate reports the outcome of writing what became of a message (what)
// to the outbox: a failure is part of a lasting fault, such as a full disk.
func (s *sender) recordFate(err error, what string, attrs ...any) {
	if err == nil {
		s.storeFaults.ok()
		return
	}
	s.storeFaults.fail(append(attrs, "record", what, "err", err)...)
}

// pop removes the chat's head message and frees the chat.
func (s *sender) pop(c *chatQueue) {
	s.mu.Lock()
	c.msgs = c.msgs[1:]
	s.depth--
	c.busy = false
	c.lastUsed = s.now()
	s.schedule(c, s.now())
	s.settle()
	s.mu.Unlock()
	s.signal()
}

// release frees the chat without sending, to be tried again after wait.
func (s *sender) release(c *chatQueue, wait time.Duration) {
	s.mu.Lock()
	c.busy = false
	c.notBefore = s.now().Add(wait)
	s.schedule(c, s.now())
	s.mu.Unlock()
	s.signal()
}

// settle updates the depth gauge, wakes flushers and forgets idle chats
// whose rate limit has recovered. Callers hold s.mu.
func (s *sender) settle() {
	s.metrics.outboxDepth.Set(float64(s.depth))
	if s.depth == 0 {
		close(s.emptied)
		s.emptied = make(chan struct{})
		now := s.now()
		for id, c := range s.chats {
			if !c.busy && len(c.msgs) == 0 && now.Sub(c.lastUsed) > forgetIdleChat {
				delete(s.chats, id)
			}
		}
	}
}

// flush waits until nothing is queued or ctx ends.
func (s *sender) flush(ctx context.Context) bool {
	for {
		s.mu.Lock()
		if s.depth == 0 {
			s.mu.Unlock()
			return true
		}
		emptied := s.emptied
		s.mu.Unlock()
		select {
		case <-emptied:
		case <-ctx.Done():
			return false
		}
	}
}

// Depth is how many messages wait to be sent.
func (s *sender) Depth() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.depth
}

// untilToken is how long until lim has a whole token, without taking it.
func untilToken(lim *rate.Limiter, now time.Time) time.Duration {
	tokens := lim.TokensAt(now)
	if tokens >= 1 {
		return 0
	}
	return time.Duration((1 - tokens) / float64(lim.Limit()) * float64(time.Second))
}

func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// chatHeap is a priority queue of chats, ordered by less.
type chatHeap struct {
	items []*chatQueue
	less  func(a, b *chatQueue) bool
}

func (h *chatHeap) Len() int           { return len(h.items) }
func (h *chatHeap) Less(i, j int) bool { return h.less(h.items[i], h.items[j]) }
func (h *chatHeap) Swap(i, j int) {
	h.items[i], h.items[j] = h.items[j], h.items[i]
	h.items[i].index, h.items[j].index = i, j
}
func (h *chatHeap) Push(x any) {
	c := x.(*chatQueue)
	c.index = len(h.items)
	h.items = append(h.items, c)
}
func (h *chatHeap) Pop() any {
	c := h.items[len(h.items)-1]
	h.items = h.items[:len(h.items)-1]
	c.index = -1
	return c
}
func (h *chatHeap) peek() *chatQueue { return h.items[0] }

// byHeadMessage is replies first, then first come, first served across
// chats: the chat whose next message was queued first goes first.
func byHeadMessage(a, b *chatQueue) bool {
	if sa, sb := a.msgs[0].scheduled, b.msgs[0].scheduled; sa != sb {
		return sb
	}
	return a.msgs[0].id < b.msgs[0].id
}

// byWakeTime orders chats waiting out a limit by when they may go.
func byWakeTime(a, b *chatQueue) bool { return a.notBefore.Before(b.notBefore) }
