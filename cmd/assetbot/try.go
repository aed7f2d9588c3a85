package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"

	"github.com/assetbot/assetbot/internal/conversation"
	"github.com/assetbot/assetbot/internal/store"
	"github.com/assetbot/assetbot/internal/terminal"
)

// try runs `assetbot try`: the conversation in this terminal.
func (e *environment) try(ctx context.Context, args []string) error {
	fs := e.flagSet("try")
	db := fs.String("db", "", "database file (default: database.path from the config)")
	user := fs.String("user", os.Getenv("USER"), "your name; the same name is recognised next time")
	flowID := fs.String("flow", "resident", "the flow to run")
	lang := fs.String("lang", "en", "your language, as Telegram would say it (en, cy, cy-GB, ...); /language changes it")
	if err := parse(fs, args); err != nil {
		return err
	}
	cfg, err := e.config()
	if err != nil {
		return err
	}
	if *db == "" {
		*db = cfg.Database.Path
	}
	if *user == "" {
		*user = "friend"
	}
	fl, err := loadFlows(cfg)
	if err != nil {
		return err
	}
	// The terminal is the conversation: only warnings go to it as logs.
	if cfg.SlogLevel() < slog.LevelWarn {
		cfg.Log.Level = "warn"
	}
	log := e.logger(cfg)
	st, err := store.Open(ctx, *db, store.WithLogger(log), store.WithFlows(fl))
	if err != nil {
		return err
	}
	defer st.Close()
	svc, err := conversation.New(fl, *flowID, log, conversation.WithStore(st), conversation.WithMinAge(cfg.Privacy.MinAge))
	if err != nil {
		return fmt.Errorf("%w (flows available: %v)", err, flowIDs(fl))
	}
	s := &terminal.Session{
		Store: st, Service: svc, In: e.stdin, Out: e.stdout, DataDir: filepath.Dir(*db),
		User: conversation.Identity{Channel: "terminal", UserID: *user, FirstName: *user, Language: *lang},
	}
	return s.Run(ctx)
}
