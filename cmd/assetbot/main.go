// Command assetbot is a Telegram bot for community asset mapping.
//
//	assetbot run                  run the Telegram bot
//	assetbot try                  the same conversation in this terminal, no token needed
//	assetbot flows check [DIR]    check flow files
//	assetbot export --format csv  the map: people who consented, assets, links;
//	                              also json, geojson, hsds (Open Referral) and kumu
//	assetbot digest               the organisers' weekly digest
//	assetbot reminders            the scheduled jobs; `reminders run JOB` runs one now
//	assetbot volunteer            volunteers' personal links: add, list, pause, resume, remove
//	assetbot privacy-notice       the privacy notice to hand to residents, from the bot's texts
//	assetbot audit                organisers' reads of personal data
//	assetbot backup FILE          a consistent copy of the database, while the bot runs
//	assetbot forget ID            erase a resident, by Telegram user id
//
// Every command takes --config FILE (default config.yaml if present).
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
	"syscall"

	"github.com/assetbot/assetbot/flows"
	"github.com/assetbot/assetbot/internal/config"
	"github.com/assetbot/assetbot/internal/flow"
	"github.com/assetbot/assetbot/internal/store"
)

// errUsage marks a mistake in the command line; the usage has been printed.
var errUsage = errors.New("usage")

const usage = `assetbot: community asset mapping over Telegram

Usage:
  assetbot run      [--config FILE]                        run the Telegram bot
  assetbot try      [--config FILE] [--db PATH] [--user NAME] [--flow ID]
                                                           talk to the bot in this terminal (no token needed)
  assetbot flows check [DIR]                               check flow files (default: the flows in use)
  assetbot export   [--config FILE] --format csv|json|geojson [--out FILE] [--flow ID | --links]
  assetbot export   [--config FILE] --format hsds|kumu --out FOLDER
                                                           the map, naming only people who consented: json holds it
                                                           all; csv one table: the people (--flow resident, the
                                                           default), one kind of asset (--flow association, place,
                                                           ...) or the links (--links); geojson the located assets
                                                           and counts of people per configured area; hsds the Open
                                                           Referral tables of organisations, services and places;
                                                           kumu the network's elements and connections
  assetbot digest   [--config FILE] [--since DATE] [--lang LANG]
                                                           the organisers' digest of the week (or since DATE)
  assetbot reminders [--config FILE]                       the scheduled jobs: schedule, next run, reminders due
  assetbot reminders run JOB [--now TIME] [--dry-run]      run a job now, or as if at TIME (RFC 3339)
  assetbot volunteer add NAME | list                       register a volunteer (prints their link); list them with results
  assetbot volunteer pause|resume|remove CODE              stop or restart crediting a volunteer's link
  assetbot privacy-notice [--config FILE] [--lang LANG]    the privacy notice to hand to residents (Markdown), from
                                                           the consent questions and messages the bot uses
  assetbot audit    [--config FILE] [--since DATE]         organisers' reads of personal data (who, what, when),
                                                           newest last
  assetbot backup   [--config FILE] FILE [--force]         a consistent copy of the database (mode 0600), taken
                                                           while the bot runs; --force replaces FILE
  assetbot forget   [--config FILE] TELEGRAM_USER_ID       erase everything held about a resident, as their /delete
                                                           would (for a request made elsewhere); safe while the bot runs

The config file defaults to config.yaml when it exists; see config.example.yaml.
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	switch {
	case errors.Is(err, errUsage):
		os.Exit(2)
	case errors.Is(err, errProblems):
		os.Exit(1)
	case err != nil:
		fmt.Fprintf(os.Stderr, "assetbot: %v\n", err)
		os.Exit(1)
	}
}

// run dispatches a command line; main and tests call it.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	global := flag.NewFlagSet("assetbot", flag.ContinueOnError)
	global.SetOutput(stderr)
	global.Usage = func() { fmt.Fprint(stderr, usage) }
	configPath := global.String("config", "", "config file")
	if err := global.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return errUsage
	}
	if global.NArg() == 0 {
		fmt.Fprint(stderr, usage)
		return errUsage
	}
	cmd, rest := global.Arg(0), global.Args()[1:]
	env := &environment{stdin: stdin, stdout: stdout, stderr: stderr, configPath: *configPath}
	switch cmd {
	case "run":
		return env.run(ctx, rest)
	case "try":
		return env.try(ctx, rest)
	case "flows":
		return env.flows(rest)
	case "export":
		return env.export(ctx, rest)
	case "digest":
		return env.digest(ctx, rest)
	case "reminders":
		return env.reminders(ctx, rest)
	case "volunteer":
		return env.volunteer(ctx, rest)
	case "privacy-notice":
		return env.privacyNotice(rest)
	case "audit":
		return env.listAudit(ctx, rest)
	case "backup":
		return env.backup(ctx, rest)
	case "forget":
		return env.forget(ctx, rest)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	fmt.Fprintf(stderr, "assetbot: unknown command %q\n\n%s", cmd, usage)
	return errUsage
}

// environment is what every command shares: its streams and config path.
type environment struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	configPath     string
}

// flagSet returns a flag set for a subcommand that also takes --config.
func (e *environment) flagSet(name string) *flag.FlagSet {
	fs := flag.NewFlagSet("assetbot "+name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	fs.StringVar(&e.configPath, "config", e.configPath, "config file (default config.yaml if present)")
	return fs
}

// parse parses a subcommand's flags, reporting usage mistakes.
func parse(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(fs.Output(), "%s: unexpected argument %q\n", fs.Name(), fs.Arg(0))
		return errUsage
	}
	return nil
}

func (e *environment) config() (config.Config, error) {
	cfg, err := config.Load(e.configPath)
	if err != nil {
		return cfg, fmt.Errorf("config:\n%w", err)
	}
	return cfg, nil
}

// configAndStore loads the config, then opens the database it names; the
// caller closes it.
func (e *environment) configAndStore(ctx context.Context) (config.Config, *store.Store, error) {
	cfg, err := e.config()
	if err != nil {
		return cfg, nil, err
	}
	st, err := e.openStore(ctx, cfg)
	return cfg, st, err
}

// configAndFlows loads the config, then the flows it names.
func (e *environment) configAndFlows() (config.Config, map[string]*flow.Flow, error) {
	cfg, err := e.config()
	if err != nil {
		return cfg, nil, err
	}
	fl, err := loadFlows(cfg)
	return cfg, fl, err
}

func (e *environment) logger(cfg config.Config) *slog.Logger {
	opts := &slog.HandlerOptions{Level: cfg.SlogLevel()}
	if cfg.Log.Format == "json" {
		return slog.New(slog.NewJSONHandler(e.stderr, opts))
	}
	return slog.New(slog.NewTextHandler(e.stderr, opts))
}

// openStore opens the configured database for a one-shot command. Its
// log shows warnings only (not each migration applied), so that a
// database found open to other users, and narrowed, is said on stderr.
func (e *environment) openStore(ctx context.Context, cfg config.Config, opts ...store.Option) (*store.Store, error) {
	if cfg.SlogLevel() < slog.LevelWarn {
		cfg.Log.Level = "warn"
	}
	return store.Open(ctx, cfg.Database.Path, append([]store.Option{store.WithLogger(e.logger(cfg))}, opts...)...)
}

// errProblems says that problems were printed already.
var errProblems = errors.New("problems found")

// flowSource loads the flows in use: those in dir, or the built-in ones
// when dir is empty. Problems name files as a person would find them.
func flowSource(dir string) (map[string]*flow.Flow, flow.Problems, string) {
	if dir == "" {
		fl, problems := flow.LoadFS(flows.FS, ".")
		return fl, problems, "the built-in flows"
	}
	fl, problems := flow.LoadFS(os.DirFS(dir), ".")
	for i := range problems {
		problems[i].File = filepath.Join(dir, problems[i].File)
	}
	return fl, problems, dir
}

// loadFlows loads the flows in use, refusing flows with problems and a
// config whose aim names options they do not have.
func loadFlows(cfg config.Config) (map[string]*flow.Flow, error) {
	fl, problems, _ := flowSource(cfg.Flows.Dir)
	if problems != nil {
		return nil, fmt.Errorf("the flows have problems (fix them, then check with `assetbot flows check`):\n%w", problems)
	}
	if err := checkAim(cfg.Aim, fl); err != nil {
		return nil, err
	}
	return fl, nil
}

// flows runs `assetbot flows check [DIR]`.
func (e *environment) flows(args []string) error {
	if len(args) == 0 || args[0] != "check" {
		fmt.Fprintln(e.stderr, "usage: assetbot flows check [DIR]")
		return errUsage
	}
	fs := e.flagSet("flows check")
	if err := fs.Parse(args[1:]); err != nil || fs.NArg() > 1 {
		return errUsage
	}
	dir := fs.Arg(0)
	if dir == "" {
		cfg, err := e.config()
		if err != nil {
			return err
		}
		dir = cfg.Flows.Dir
	}
	fl, problems, where := flowSource(dir)
	for _, p := range problems {
		fmt.Fprintln(e.stdout, p.String())
	}
	if len(problems) > 0 {
		fmt.Fprintf(e.stderr, "%d problem(s) in %s\n", len(problems), where)
		return errProblems
	}
	fmt.Fprintf(e.stdout, "%d flow(s) OK in %s\n", len(fl), where)
	return nil
}
