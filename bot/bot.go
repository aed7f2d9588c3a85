// Package bot puts assetbot's conversations on Telegram. It is the only
// package that speaks the Bot API.
//
// Updates are received exactly once in effect: each is applied in one
// store transaction together with its update id and the messages it causes
// (queued in the outbox), and only then confirmed to Telegram. A crash at
// any instant loses nothing, and a redelivered update changes nothing. The
// outbox is sent by a sender that keeps within Telegram's limits.
package bot

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/assetbot/assetbot/internal/config"
	"github.com/assetbot/assetbot/internal/conversation"
	"github.com/assetbot/assetbot/internal/flow"
	"github.com/assetbot/assetbot/internal/search"
	"github.com/assetbot/assetbot/internal/store"
)

// ErrNoToken is returned by New when no bot token is configured.
var ErrNoToken = errors.New(`no Telegram bot token: create a bot with @BotFather in Telegram (send it /newbot), then put the token in telegram.token in the config file or in the TELEGRAM_BOT_TOKEN environment variable. To try the conversation without Telegram, run "assetbot try"`)

// ErrUnauthorized is returned when Telegram refuses the token.
var ErrUnauthorized = errors.New("the bot token was refused by Telegram (401 Unauthorized): check telegram.token, or get a new token from @BotFather")

// allowedUpdates are the update types the bot asks for.
var allowedUpdates = []string{"message", "edited_message", "callback_query", "my_chat_member"}

// commands are registered with setMyCommands so Telegram shows a menu:
// each command with the message id of its description.
var commands = []struct{ command, description string }{
	{"start", flow.MsgCmdStart},
	{"back", flow.MsgCmdBack},
	{"skip", flow.MsgCmdSkip},
	{"cancel", flow.MsgCmdCancel},
	{"me", flow.MsgCmdMe},
	{"privacy", flow.MsgCmdPrivacy},
	{"delete", flow.MsgCmdDelete},
	{"mydata", flow.MsgCmdMyData},
	{"language", flow.MsgCmdLanguage},
	{"add", flow.MsgCmdAdd},
	{"invite", flow.MsgCmdInvite},
	{"stop", flow.MsgCmdStop},
	{"help", flow.MsgCmdHelp},
}

// commandMenus returns the setMyCommands calls that register the command
// menu: the default one in English, then one for each other language the
// main flow offers, which Telegram shows to people using that language.
func (b *Bot) commandMenus() []tgbotapi.SetMyCommandsConfig {
	var menus []tgbotapi.SetMyCommandsConfig
	for _, lang := range b.svc.Flow().Languages() {
		cmds := make([]tgbotapi.BotCommand, len(commands))
		for i, c := range commands {
			cmds[i] = tgbotapi.BotCommand{Command: c.command, Description: b.svc.Text(lang, c.description)}
		}
		menu := tgbotapi.NewSetMyCommands(cmds...)
		if lang != "en" {
			menu.LanguageCode = lang
		}
		menus = append(menus, menu)
	}
	return menus
}

// setLibraryLogger installs, once per process, the logger that keeps the
// library's own (token-bearing) log lines out of sight: the library has one
// logger for the whole process.
var setLibraryLogger sync.Once

// maxConnectBackoff caps the wait between tries to reach the Bot API, at
// start and when polling.
const maxConnectBackoff = 30 * time.Second

// Waits in the receiving loop.
const (
	// conflictWait is how long to wait while another poller or a webhook
	// holds the updates: that is for a person to sort out, not a retry.
	conflictWait = 10 * time.Second
	// applyRetryWait is the pause before receiving updates again that
	// could not be applied.
	applyRetryWait = time.Second
	// minIdle and maxIdle bound the pause after an empty answer that came
	// at once (an emulator that does not long poll).
	minIdle = 20 * time.Millisecond
	maxIdle = 500 * time.Millisecond
	// updateRetryStep is the pause before an update's second try; each
	// further try waits one step longer.
	updateRetryStep = 50 * time.Millisecond
)

// maxUpdatesPerPoll is getUpdates' largest limit.
const maxUpdatesPerPoll = 100

// maxAttemptsPerUpdate bounds retries of an update whose handling fails
// before it is answered with an apology and let go.
const maxAttemptsPerUpdate = 3

// Bot is the Telegram bot.
type Bot struct {
	cfg     config.Telegram
	store   *store.Store
	svc     *conversation.Service
	log     *slog.Logger
	redact  redactor
	client  *http.Client
	api     *tgbotapi.BotAPI
	name    string
	metrics *metrics
	sender  *sender
	queues  *chatQueues
	// Lasting faults, logged when they start, now and then while they
	// last, and when they clear: not once per update or retry.
	handleFaults *faultLog // an update's transaction fails (a full disk)
	applyFaults  *faultLog // updates left unconfirmed, to come again
	pollFaults   *faultLog // getUpdates fails
	// scheduledRate bounds the messages the bot sends first (0: only the
	// global limit), so that replies always find room.
	scheduledRate float64
	// organisers are the Telegram user ids allowed the organiser commands,
	// swapped whole when the config is reloaded.
	organisers atomic.Pointer[organiserSet]
	// searcher finds people and assets for /find, /match and /stats; aim
	// is what /match looks for, swapped whole when the config is reloaded.
	searcher *search.Searcher
	aim      atomic.Pointer[config.Aim]
	// digester makes the digest /digest sends; nil without WithDigest.
	digester Digester
	// exports are what /export writes from; nil without WithExports.
	exports *Exports
}

// Option configures New.
type Option func(*Bot)

// WithScheduledRate sends at most r scheduled messages (reminders) a second.
func WithScheduledRate(r float64) Option { return func(b *Bot) { b.scheduledRate = r } }

// New connects to the Bot API (retrying while it cannot be reached) and
// returns a bot ready to Run.
func New(ctx context.Context, cfg config.Telegram, st *store.Store, svc *conversation.Service, log *slog.Logger, opts ...Option) (*Bot, error) {
	if cfg.Token == "" {
		return nil, ErrNoToken
	}
	b := &Bot{
		cfg: cfg, store: st, svc: svc, log: log, redact: redactor{token: cfg.Token},
		client:  newHTTPClient(cfg.PollTimeout, cfg.Send.Workers),
		metrics: newMetrics(),
	}
	for _, o := range opts {
		o(b)
	}
	searcher, err := search.New(st, svc.Flows(), svc.Flow())
	if err != nil {
		return nil, fmt.Errorf("make the organisers' search: %w", err)
	}
	b.searcher = searcher
	setLibraryLogger.Do(func() { tgbotapi.SetLogger(libraryLogger{log: log.Debug, redact: b.redact}) })
	endpoint := cfg.APIEndpoint + "/bot%s/%s"
	for attempt := 1; ; attempt++ {
		api, err := tgbotapi.NewBotAPIWithClient(cfg.Token, endpoint, contextClient{ctx: ctx, client: b.client})
		if err == nil {
			b.api = api
			break
		}
		kind, _ := classify(err)
		switch kind {
		case errAuth:
			return nil, ErrUnauthorized
		case errCanceled:
			return nil, ctx.Err()
		}
		wait := backoff(attempt, maxConnectBackoff)
		log.Warn("cannot reach the Telegram Bot API; retrying", "endpoint", cfg.APIEndpoint, "attempt", attempt, "retry_in", wait, "err", b.redact.Err(err))
		if !sleep(ctx, wait) {
			return nil, ctx.Err()
		}
	}
	b.name = b.api.Self.UserName
	// Kept so that commands run while the bot is not, such as `assetbot
	// volunteer add`, can make its deep links.
	if err := st.Update(ctx, func(tx *store.Tx) error { return tx.SetBotUsername(b.name) }); err != nil {
		return nil, fmt.Errorf("record the bot's username: %w", err)
	}
	b.handleFaults = newFaultLog(log, slog.LevelWarn, "handling an update failed; retrying", time.Now)
	b.applyFaults = newFaultLog(log, slog.LevelError, "could not apply updates; Telegram will send them again", time.Now)
	b.pollFaults = newFaultLog(log, slog.LevelWarn, "getUpdates failed; retrying", time.Now)
	b.queues = newChatQueues(b.process)
	return b, nil
}

// Name is the bot's Telegram username.
func (b *Bot) Name() string { return b.name }

// Run receives and handles updates until ctx ends, then shuts down in
// order: stop receiving, finish the updates in hand, send what can be sent
// within a few seconds. The caller closes the store afterwards.
func (b *Bot) Run(ctx context.Context) error {
	// Sending outlives ctx by the shutdown grace at most, whatever is
	// queued: what is left stays in the outbox for the next start.
	sendCtx, stopSending := graceAfter(ctx, shutdownGrace)
	defer stopSending()
	b.sender = newSender(b.store, withContext(b.api, b.client, sendCtx), b.log.With("part", "sender"), b.redact, b.metrics, sendLimits{
		rate: b.cfg.Send.Rate, perChatRate: b.cfg.Send.PerChatRate, burst: b.cfg.Send.PerChatBurst,
		workers: b.cfg.Send.Workers, maxAttempts: b.cfg.Send.MaxAttempts, scheduledRate: b.scheduledRate,
	})
	if err := b.sender.load(ctx); err != nil {
		if ctx.Err() != nil {
			// Stopped while starting: nothing was received, nothing is lost.
			return nil
		}
		return fmt.Errorf("load outbox: %w", err)
	}
	var workers, recorder sync.WaitGroup
	stopRecording := make(chan struct{})
	recorder.Go(func() { b.sender.recordDeliveries(stopRecording) })
	for range b.sender.workers {
		workers.Go(func() { b.sender.run(sendCtx) })
	}
	workers.Go(func() { b.sender.pollScheduled(sendCtx) })

	setup := withContext(b.api, b.client, ctx)
	for _, menu := range b.commandMenus() {
		if _, err := setup.Request(menu); err != nil {
			b.log.Warn("could not register the command menu (setMyCommands); carrying on", "language", menu.LanguageCode, "err", b.redact.Err(err))
		}
	}

	var err error
	if b.cfg.Mode == "webhook" {
		err = b.serveWebhook(ctx, setup)
	} else {
		err = b.poll(ctx)
	}
	b.log.Info("stopping: finishing updates in hand")
	b.queues.wait()
	if !b.sender.flush(sendCtx) {
		b.log.Warn("stopping with messages still queued; they will be sent at next start", "queued", b.sender.Depth())
	}
	stopSending()
	workers.Wait()
	close(stopRecording)
	recorder.Wait()
	return err
}

// SIGTERM must end the process within 5 s (Docker sends SIGKILL after 10):
// once Run's context ends, sending stops after shutdownGrace at the latest,
// and the final confirmation of updates gets confirmTimeout of that.
const (
	shutdownGrace  = 3 * time.Second
	confirmTimeout = time.Second
)

// graceAfter returns a context that ends grace after ctx does, or when
// cancelled.
func graceAfter(ctx context.Context, grace time.Duration) (context.Context, context.CancelFunc) {
	g, cancel := context.WithCancel(context.WithoutCancel(ctx))
	stop := context.AfterFunc(ctx, func() {
		t := time.AfterFunc(grace, cancel)
		context.AfterFunc(g, func() { t.Stop() })
	})
	return g, func() {
		stop()
		cancel()
	}
}

// poll receives updates by long polling. An update is confirmed (the
// offset moves past it) only once its effects are committed.
func (b *Bot) poll(ctx context.Context) error {
	api := withContext(b.api, b.client, ctx)
	if _, err := api.Request(tgbotapi.DeleteWebhookConfig{}); err != nil {
		b.log.Debug("deleteWebhook failed", "err", b.redact.Err(err))
	}
	timeout := int(b.cfg.PollTimeout / time.Second)
	offset, failures := 0, 0
	idle := time.Duration(0)
	for ctx.Err() == nil {
		asked := time.Now()
		updates, err := api.GetUpdates(tgbotapi.UpdateConfig{Offset: offset, Limit: maxUpdatesPerPoll, Timeout: timeout, AllowedUpdates: allowedUpdates})
		if err != nil {
			kind, wait := classify(err)
			switch kind {
			case errCanceled:
				return nil
			case errAuth:
				return ErrUnauthorized
			case errConflict:
				wait = conflictWait
				b.log.Error("another copy of this bot is polling, or a webhook is set: only one may receive updates", "err", b.redact.Err(err))
			case errFlood:
			default:
				failures++
				wait = backoff(failures, maxConnectBackoff)
				b.pollFaults.fail("kind", kind, "retry_in", wait, "err", b.redact.Err(err))
			}
			b.metrics.pollErrors.WithLabelValues(string(kind)).Inc()
			sleep(ctx, wait)
			continue
		}
		failures = 0
		b.pollFaults.ok()
		if len(updates) == 0 {
			// A server that answers at once instead of long polling (an
			// emulator) must not make us spin.
			if time.Since(asked) < b.cfg.PollTimeout/2 {
				idle = min(max(2*idle, minIdle), maxIdle)
				sleep(ctx, idle)
			}
			continue
		}
		idle = 0
		next, err := b.handleBatch(ctx, updates)
		if next > offset {
			offset = next
		}
		if err != nil {
			b.applyFaults.fail("err", err)
			sleep(ctx, applyRetryWait)
			continue
		}
		b.applyFaults.ok()
	}
	// Confirm what was handled so it is not delivered again after restart.
	if offset > 0 {
		confirmCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), confirmTimeout)
		defer cancel()
		confirm := withContext(b.api, b.client, confirmCtx)
		if _, err := confirm.Request(tgbotapi.UpdateConfig{Offset: offset, Limit: 1, Timeout: 0}); err != nil {
			b.log.Debug("final confirmation failed; updates will be deduplicated at next start", "err", b.redact.Err(err))
		}
	}
	return nil
}

// handleBatch handles updates concurrently across chats, in order within a
// chat, and returns the offset that confirms every update handled: past
// the last one, or up to the first that failed.
func (b *Bot) handleBatch(ctx context.Context, updates []tgbotapi.Update) (int, error) {
	done := make([]chan error, len(updates))
	for i, u := range updates {
		done[i] = b.queues.push(ctx, u, decide(u, b.name))
	}
	next := 0
	var firstErr error
	for i, u := range updates {
		err := <-done[i]
		if err != nil && firstErr == nil {
			firstErr = err
		}
		if firstErr == nil && u.UpdateID+1 > next {
			next = u.UpdateID + 1
		}
	}
	return next, firstErr
}

// process applies one update: in one transaction, record its id, let the
// conversation act and queue the replies; then hand them to the sender. A
// transaction under way is finished even if ctx ends, but a retry is not
// waited for: the update, unconfirmed, comes again at the next start.
func (b *Bot) process(stop context.Context, u tgbotapi.Update, a action) error {
	ctx := context.WithoutCancel(stop)
	ids := []any{"update_id", u.UpdateID, "chat_id", a.chatID, "action", a.kind.String()}
	b.metrics.updates.WithLabelValues(a.kind.String()).Inc()
	start := time.Now()
	defer func() { b.metrics.handleSeconds.Observe(time.Since(start).Seconds()) }()
	a = b.prepare(ctx, a)
	var err error
	for attempt := 1; attempt <= maxAttemptsPerUpdate; attempt++ {
		err = b.commit(ctx, u.UpdateID, func(tx *store.Tx) ([]outMsg, error) { return b.apply(tx, a) })
		if err == nil {
			b.handleFaults.ok()
			return nil
		}
		var panicked *store.PanicError
		if errors.As(err, &panicked) {
			b.log.Error("handler panicked", append(ids, "panic", fmt.Sprint(panicked.Value))...)
			break
		}
		b.handleFaults.fail(append(ids, "attempt", attempt, "err", b.redact.Err(err))...)
		if !sleep(stop, time.Duration(attempt)*updateRetryStep) {
			return fmt.Errorf("update %d: stopped before it could be applied: %w", u.UpdateID, b.redact.Wrap(err))
		}
	}
	b.metrics.handleErrors.Inc()
	// Let the update go with an apology rather than block everyone behind it.
	err = b.commit(ctx, u.UpdateID, func(*store.Tx) ([]outMsg, error) {
		// The store may be what fails: go by the channel's language.
		r := b.renderer(a.chatID, b.svc.Language(a.id.Language))
		if a.press != nil {
			r.answer(a.press, r.text(flow.MsgTrouble))
		} else if a.chatID != 0 {
			r.add(outMsg{Method: methodSend, Text: r.text(flow.MsgTrouble)})
		}
		return r.out, nil
	})
	if err != nil {
		return fmt.Errorf("update %d: %w", u.UpdateID, b.redact.Wrap(err))
	}
	return nil
}

// commit runs fn for an update not applied before and queues its messages.
func (b *Bot) commit(ctx context.Context, updateID int, fn func(*store.Tx) ([]outMsg, error)) error {
	var out []queued
	err := b.store.Update(ctx, func(tx *store.Tx) error {
		out = out[:0]
		fresh, err := tx.MarkEvent(channel, strconv.Itoa(updateID))
		if err != nil || !fresh {
			return err
		}
		msgs, err := fn(tx)
		if err != nil {
			return err
		}
		for _, m := range msgs {
			if m.Method == methodAnswer {
				// A callback answer only stops the button's spinner and is
				// worthless after seconds: it is sent after the commit but
				// not kept in the outbox.
				out = append(out, queued{created: tx.Now(), msg: m})
				continue
			}
			q, err := enqueue(tx, m, false)
			if err != nil {
				return err
			}
			out = append(out, q)
		}
		return nil
	})
	if err != nil {
		return err
	}
	b.sender.add(out)
	return nil
}

// enqueue writes m to the outbox in tx, as a reply or a scheduled
// message, and returns it as the sender queues it.
func enqueue(tx *store.Tx, m outMsg, scheduled bool) (queued, error) {
	payload, err := json.Marshal(m)
	if err != nil {
		return queued{}, fmt.Errorf("encode %s to %d: %w", m.Method, m.ChatID, err)
	}
	write := tx.Enqueue
	if scheduled {
		write = tx.EnqueueScheduled
	}
	id, err := write(m.ChatID, m.Method, payload)
	return queued{id: id, created: tx.Now(), msg: m, scheduled: scheduled}, err
}
