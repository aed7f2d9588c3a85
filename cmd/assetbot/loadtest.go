package main

import (
	"context"

	"github.com/assetbot/assetbot/bot/loadtest"
	"github.com/assetbot/assetbot/internal/config"
)

// loadtest runs `assetbot loadtest`: this binary's `run` against a fake Bot
// API on loopback that plays residents answering as fast as they are asked.
func (e *environment) loadtest(ctx context.Context, args []string) error {
	fs := e.flagSet("loadtest")
	var o loadtest.Options
	fs.StringVar(&o.Binary, "binary", "", "assetbot binary to test (default: this one)")
	fs.IntVar(&o.Residents, "residents", 200, "simulated residents")
	fs.DurationVar(&o.Duration, "duration", 20e9, "measured window")
	fs.DurationVar(&o.Warmup, "warmup", 3e9, "unmeasured warm-up")
	fs.Float64Var(&o.GlobalRate, "fake-rate", 0, "messages/s the fake Telegram allows over all chats before answering 429 (0 = no limit)")
	fs.Float64Var(&o.PerChatRate, "fake-per-chat-rate", 0, "messages/s the fake allows per chat (0 = no limit)")
	fs.IntVar(&o.PerChatBurst, "fake-per-chat-burst", 3, "burst the fake allows per chat")
	fs.Float64Var(&o.BotSendRate, "rate", 0, "the bot's telegram.send.rate (0 = lifted)")
	fs.Float64Var(&o.BotPerChatRate, "per-chat-rate", 0, "the bot's telegram.send.per_chat_rate (0 = lifted)")
	fs.DurationVar(&o.KillEvery, "kill-every", 0, "SIGKILL and restart the bot this often (0 = never)")
	fs.Int64Var(&o.MaxDuplicates, "max-duplicates", 0, "duplicate messages allowed before the run fails (messages in flight at a kill are sent again)")
	fs.StringVar(&o.Dir, "dir", "", "folder for the bot's config, database and log (default: a temporary one)")
	if err := parse(fs, args); err != nil {
		return err
	}
	o.Out = e.stdout
	// The fake Telegram shares the machine with the bot under test: keep
	// its garbage collection as light as the bot's.
	tuneGC()
	o.UniqueButtons = true // every question's buttons carry its turn
	cfg, err := e.config()
	if err != nil {
		return err
	}
	cfg.Log.Level = "warn"
	_, err = loadtest.Run(ctx, o, e.logger(config.Config{Log: cfg.Log}))
	return err
}
