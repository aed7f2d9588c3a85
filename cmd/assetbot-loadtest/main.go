// Command assetbot-loadtest measures an assetbot binary against a fake
// Telegram Bot API on loopback that plays residents answering as fast as
// they are asked. It is test tooling, kept out of the assetbot binary:
//
//	go build -o . ./cmd/...              # builds assetbot and assetbot-loadtest
//	./assetbot-loadtest --duration 20s   # tests ./assetbot, the binary beside it
//
// It runs `assetbot run` as a child process at the Go runtime's defaults,
// so what it measures is what a deployment gets.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/debug"
	"syscall"

	"github.com/assetbot/assetbot/bot/loadtest"
	"github.com/assetbot/assetbot/internal/config"
)

// errUsage marks a mistake in the command line; the flag package has
// printed it with the usage.
var errUsage = errors.New("usage")

// botName is the executable the load test runs by default, from beside
// its own.
const botName = "assetbot"

// defaultPerChatBurst is the fake's per-chat burst, Telegram's.
const defaultPerChatBurst = 3

// The fake Telegram's garbage collection: it shares the machine with the
// bot under test, so it collects at 4x heap growth under a 48 MiB ceiling
// to take as little CPU from the bot as it can.
const (
	fakeGCPercent   = 400
	fakeMemoryLimit = 48 << 20
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	switch {
	case errors.Is(err, errUsage):
		os.Exit(2)
	case err != nil:
		fmt.Fprintf(os.Stderr, "assetbot-loadtest: %v\n", err)
		os.Exit(1)
	}
}

// run parses the command line and runs the load test; main and tests call
// it.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	o, configPath, err := parseFlags(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return nil
	}
	if err != nil {
		return err
	}
	if o.Binary == "" {
		if o.Binary, err = besideSelf(botName); err != nil {
			return err
		}
	}
	if err := checkBinary(o.Binary); err != nil {
		return err
	}
	cfg, err := config.Load(configPath)
	if err != nil {
		return fmt.Errorf("config:\n%w", err)
	}
	tuneGC()
	o.Out = stdout
	_, err = loadtest.Run(ctx, o, logger(cfg.Log.Format, stderr))
	return err
}

// parseFlags turns the command line into load test options and the config
// path (read for log.format only).
func parseFlags(args []string, stderr io.Writer) (loadtest.Options, string, error) {
	fs := flag.NewFlagSet("assetbot-loadtest", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var o loadtest.Options
	var configPath string
	fs.StringVar(&configPath, "config", "", "config file, for log.format (default config.yaml if present)")
	fs.StringVar(&o.Binary, "binary", "", "assetbot binary to test (default: "+botName+" beside this executable)")
	fs.IntVar(&o.Residents, "residents", loadtest.DefaultResidents, "simulated residents")
	fs.DurationVar(&o.Duration, "duration", loadtest.DefaultDuration, "measured window")
	fs.DurationVar(&o.Warmup, "warmup", loadtest.DefaultWarmup, "unmeasured warm-up")
	fs.Float64Var(&o.GlobalRate, "fake-rate", 0, "messages/s the fake Telegram allows over all chats before answering 429 (0 = no limit)")
	fs.Float64Var(&o.PerChatRate, "fake-per-chat-rate", 0, "messages/s the fake allows per chat (0 = no limit)")
	fs.IntVar(&o.PerChatBurst, "fake-per-chat-burst", defaultPerChatBurst, "burst the fake allows per chat")
	fs.Float64Var(&o.BotSendRate, "rate", 0, "the bot's telegram.send.rate (0 = lifted)")
	fs.Float64Var(&o.BotPerChatRate, "per-chat-rate", 0, "the bot's telegram.send.per_chat_rate (0 = lifted)")
	fs.DurationVar(&o.KillEvery, "kill-every", 0, "SIGKILL and restart the bot this often (0 = never)")
	fs.Int64Var(&o.MaxDuplicates, "max-duplicates", 0, "duplicate messages allowed before the run fails (messages in flight at a kill are sent again)")
	fs.StringVar(&o.Dir, "dir", "", "folder for the bot's config, database and log (default: a temporary one)")
	fs.DurationVar(&o.Think, "think", 0, "how long each resident takes to answer (0 = at once)")
	fs.IntVar(&o.Due, "due", 0, "people, besides the residents, whose entries are due for a refresh when the bot starts")
	fs.DurationVar(&o.BackupEvery, "backup-every", 0, "run `assetbot backup` this often during the run, checking each copy's integrity (0 = never)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return o, "", err
		}
		return o, "", errUsage
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "assetbot-loadtest: unexpected argument %q\n", fs.Arg(0))
		return o, "", errUsage
	}
	o.UniqueButtons = true // every question's buttons carry its turn
	return o, configPath, nil
}

// besideSelf is the path of the named executable in this one's folder.
func besideSelf(name string) (string, error) {
	exe, err := os.Executable()
	if err != nil {
		return "", fmt.Errorf("find this executable's folder (pass --binary): %w", err)
	}
	return filepath.Join(filepath.Dir(exe), name), nil
}

// checkBinary says how to get the bot binary when it is not there, rather
// than letting the load test fail to start it.
func checkBinary(path string) error {
	st, err := os.Stat(path)
	if err == nil && st.Mode().IsRegular() {
		return nil
	}
	if err == nil {
		err = errors.New("not a file")
	}
	return fmt.Errorf("no assetbot binary to test at %s (%w): build both commands into one folder with `go build -o DIR ./cmd/...` "+
		"and run DIR/assetbot-loadtest, or pass --binary PATH", path, err)
}

// tuneGC sets the fake's own collector (see fakeGCPercent); GOGC and
// GOMEMLIMIT in the environment still win. The bot is a child process
// and runs at the runtime's defaults.
func tuneGC() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(fakeGCPercent)
	}
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(fakeMemoryLimit)
	}
}

// logger logs warnings and errors to stderr in the configured format.
func logger(format string, stderr io.Writer) *slog.Logger {
	opts := &slog.HandlerOptions{Level: slog.LevelWarn}
	if format == "json" {
		return slog.New(slog.NewJSONHandler(stderr, opts))
	}
	return slog.New(slog.NewTextHandler(stderr, opts))
}
