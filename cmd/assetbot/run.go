package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"

	"github.com/assetbot/assetbot/bot"
	"github.com/assetbot/assetbot/internal/config"
	"github.com/assetbot/assetbot/internal/conversation"
	"github.com/assetbot/assetbot/internal/export"
	"github.com/assetbot/assetbot/internal/store"
)

// readHeaderTimeout drops a client of /healthz and /metrics that takes
// longer than this to send its request headers.
const readHeaderTimeout = 5 * time.Second

// run runs `assetbot run`: the Telegram bot, until SIGINT or SIGTERM.
// SIGHUP reloads the config file (see reloader).
func (e *environment) run(ctx context.Context, args []string) error {
	fs := e.flagSet("run")
	if err := parse(fs, args); err != nil {
		return err
	}
	// Taken at once: SIGHUP's default is to end the process. One waiting
	// reload is enough, however many signals came.
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	cfg, err := e.config()
	if err != nil {
		return err
	}
	log := e.logger(cfg)
	if cfg.Telegram.Token == "" {
		return bot.ErrNoToken
	}
	svc, st, err := openService(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer func() {
		if err := st.Close(); err != nil {
			log.Error("close database", "err", err)
		}
	}()
	p, fl, err := digestParams(cfg)
	if err != nil {
		return err
	}
	// The digest looks for the aim the bot holds when it is made, so that
	// SIGHUP's new aim reaches it; b is set before any digest is made.
	var b *bot.Bot
	liveAim := func() config.Aim { return b.Aim() }
	opts := []bot.Option{bot.WithScheduledRate(cfg.Reminders.Rate), bot.WithOrganisers(cfg.Organisers),
		bot.WithAim(cfg.Aim), bot.WithDigest(digester(st, p, fl, liveAim))}
	if ex, err := export.New(st, fl, p.Resident); err != nil {
		log.Warn("no /export: nobody's answers may be exported", "err", err)
	} else {
		opts = append(opts, bot.WithExports(&bot.Exports{Exporter: ex, Areas: areas(cfg.Areas)}))
	}
	b, err = bot.New(ctx, cfg.Telegram, st, svc, log, opts...)
	if err != nil {
		if errors.Is(err, context.Canceled) {
			return nil
		}
		return err
	}
	sched, _, err := scheduled(cfg, st, svc, bot.NewNotifier(svc), b.Organisers, b.Aim, log)
	if err != nil {
		return err
	}
	sched.Start()
	defer sched.Stop()
	if cfg.HTTP.Listen != "" {
		ln, err := net.Listen("tcp", cfg.HTTP.Listen)
		if err != nil {
			return fmt.Errorf("http.listen %s: %w", cfg.HTTP.Listen, err)
		}
		srv := &http.Server{Handler: b.OpsHandler(), ReadHeaderTimeout: readHeaderTimeout}
		go func() {
			if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
				log.Error("metrics server stopped", "err", err)
			}
		}()
		defer srv.Close()
		log.Info("serving /healthz and /metrics", "listen", ln.Addr().String())
	}
	reloading, stopReloading := context.WithCancel(ctx)
	var reloads sync.WaitGroup
	reloads.Go(func() {
		(&reloader{path: e.configPath, bot: b, log: log, running: cfg}).run(reloading, hup)
	})
	defer reloads.Wait()
	defer stopReloading()
	log.Info("assetbot is running", "bot", b.Name(), "mode", cfg.Telegram.Mode, "database", cfg.Database.Path)
	if err := b.Run(ctx); err != nil {
		return err
	}
	log.Info("assetbot stopped")
	return nil
}

// openService loads the flows in use and opens the database: what the bot
// and its scheduled jobs work with. The caller closes the store.
func openService(ctx context.Context, cfg config.Config, log *slog.Logger) (*conversation.Service, *store.Store, error) {
	fl, err := loadFlows(cfg)
	if err != nil {
		return nil, nil, err
	}
	st, err := store.Open(ctx, cfg.Database.Path, store.WithLogger(log), store.WithFlows(fl))
	if err != nil {
		return nil, nil, err
	}
	svc, err := conversation.New(fl, "resident", log, conversation.WithStore(st), conversation.WithLocation(cfg.Location()), conversation.WithMinAge(cfg.Privacy.MinAge))
	if err != nil {
		st.Close()
		return nil, nil, err
	}
	return svc, st, nil
}
