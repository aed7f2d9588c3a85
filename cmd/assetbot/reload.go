package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"reflect"
	"slices"
	"strings"

	"github.com/assetbot/assetbot/internal/config"
)

// liveKeys are the config file's top-level keys that a reload applies to
// the running bot; a change to any other takes effect at the next start.
var liveKeys = []string{"organisers", "aim"}

// organiserList is what a reload changes in the running bot: the
// organisers and the aim /match looks for.
type organiserList interface {
	SetOrganisers(ids []int64) (added, removed int)
	SetAim(aim config.Aim)
}

// reloader reloads the config file on SIGHUP and applies what can change
// while the bot runs. A file that fails to load or validate is rejected
// and the running config stays.
type reloader struct {
	path    string
	bot     organiserList
	log     *slog.Logger
	running config.Config
}

// run reloads the config each time hup receives, until ctx ends.
func (r *reloader) run(ctx context.Context, hup <-chan os.Signal) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-hup:
			r.reload()
		}
	}
}

// reload reads the config file again and applies its live keys. It logs
// counts, never the organisers' ids.
func (r *reloader) reload() {
	cfg, err := r.load()
	if err != nil {
		r.log.Error("config reload rejected; the running config stays", "err", err)
		return
	}
	added, removed := r.bot.SetOrganisers(cfg.Organisers)
	r.running.Organisers = cfg.Organisers
	r.bot.SetAim(cfg.Aim)
	r.running.Aim = cfg.Aim
	r.log.Info("config reloaded", "organisers", len(cfg.Organisers), "organisers_added", added, "organisers_removed", removed)
	if keys := changedKeys(r.running, cfg); len(keys) > 0 {
		r.log.Warn("config reloaded: these settings changed and take effect at the next start", "keys", strings.Join(keys, ","))
	}
}

// load reads the config file and checks it as a start would, against the
// flows it names (as they are now), so that a reload accepted is a config
// the next start accepts too.
func (r *reloader) load() (config.Config, error) {
	cfg, err := config.Load(r.path)
	if err != nil {
		return cfg, fmt.Errorf("reload config: %w", err)
	}
	if _, err := loadFlows(cfg); err != nil {
		return cfg, fmt.Errorf("reload config: %w", err)
	}
	return cfg, nil
}

// changedKeys names the top-level keys, other than the live ones, whose
// values differ between a and b.
func changedKeys(a, b config.Config) []string {
	var keys []string
	va, vb := reflect.ValueOf(a), reflect.ValueOf(b)
	for i := range va.NumField() {
		key, _, _ := strings.Cut(va.Type().Field(i).Tag.Get("yaml"), ",")
		if !slices.Contains(liveKeys, key) && !reflect.DeepEqual(va.Field(i).Interface(), vb.Field(i).Interface()) {
			keys = append(keys, key)
		}
	}
	return keys
}
