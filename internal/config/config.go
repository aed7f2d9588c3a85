// Package config loads assetbot's configuration: defaults, overlaid by a
// YAML file whose scalar values may reference the environment as ${VAR},
// then validated. Every problem is reported with the file, line and dotted
// key it concerns, all at once, so an operator fixes a file in one pass.
package config

import (
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"strings"
	"time"

	// Embedded zone data keeps the timezone setting working on hosts and
	// containers without /usr/share/zoneinfo.
	_ "time/tzdata"
)

// Config is assetbot's whole configuration.
type Config struct {
	Database Database `yaml:"database"`
	Flows    Flows    `yaml:"flows"`
	// Timezone is an IANA zone name used for dates shown to residents and
	// for scheduling; default "Europe/London".
	Timezone string   `yaml:"timezone"`
	Telegram Telegram `yaml:"telegram"`
	// Organisers are the Telegram user ids allowed to use organiser
	// commands; default none.
	Organisers []int64    `yaml:"organisers"`
	Log        Log        `yaml:"log"`
	HTTP       HTTP       `yaml:"http"`
	Reminders  Reminders  `yaml:"reminders"`
	Volunteers Volunteers `yaml:"volunteers"`
	// Aim is what the community's mapping is for; default none.
	Aim Aim `yaml:"aim"`
	// Areas are the neighbourhood's areas and where a map shows each: the
	// GeoJSON export places the count of people who live in one at its
	// point, and leaves out people whose area is not listed. Default none.
	Areas []Area `yaml:"areas"`
	// Digest configures the organisers' weekly digest.
	Digest Digest `yaml:"digest"`
	// Privacy configures the age check and how long personal data is kept.
	Privacy Privacy `yaml:"privacy"`
}

// Privacy configures how residents' personal data is handled and how long
// it is kept (UK GDPR's storage limitation). Neither period can be turned off: a community map has no
// reason to keep forever what people left unfinished or stopped confirming.
type Privacy struct {
	// UnfinishedRetention is how long after their last activity a person
	// who never finished (never went through their entry, nor put an
	// asset on the map) is deleted; default 90d.
	UnfinishedRetention time.Duration `yaml:"unfinished_retention"`
	// StaleRetention is how long after an entry went stale (a refresh went
	// unanswered) it is deleted, after one warning at least 30 days before
	// with a button to keep it; default 365d.
	StaleRetention time.Duration `yaml:"stale_retention"`
	// RetentionSchedule is when the retention job runs, as a cron spec in
	// Timezone; default "@hourly".
	RetentionSchedule string `yaml:"retention_schedule"`
	// MinAge is the age residents confirm they have reached, at the
	// consent question, before anything of theirs is kept; default 16
	// (Telegram's own minimum in the UK and EU).
	MinAge int `yaml:"min_age"`
}

// The bounds of privacy.min_age: under UK GDPR a child under 13 cannot
// consent to an online service themselves; above maxMinAge is a mistake.
const (
	minMinAge     = 13
	maxMinAge     = 99
	defaultMinAge = 16
)

// Digest configures the organisers' digest.
type Digest struct {
	// Schedule is when the digest goes to every organiser, as a cron spec
	// in Timezone; default "0 9 * * 1", Monday at 09:00.
	Schedule string `yaml:"schedule"`
}

// Aim is the community's agreed aim and the answers that match it, for
// organisers to act on: people and assets who could help with it.
type Aim struct {
	// Text says the aim in a short sentence, e.g. "non-competitive sport
	// and fun for young girls".
	Text string `yaml:"text"`
	// Options are the flows' option ids whose choice matches the aim,
	// e.g. sport, youth.
	Options []string `yaml:"options"`
	// Words match the aim in free-text answers, e.g. netball, dance.
	Words []string `yaml:"words"`
}

// Area is a named area and the point that stands for it on a map.
type Area struct {
	// Name is matched, ignoring case, against what residents answer when
	// asked their area ("LS6", "Headingley").
	Name string `yaml:"name"`
	// Lat and Lon are WGS 84 decimal degrees.
	Lat float64 `yaml:"lat"`
	Lon float64 `yaml:"lon"`
}

// Volunteers configures what volunteers hand out on the doorstep.
type Volunteers struct {
	// Invitation is the one line printed above the QR code on a doorstep
	// card.
	Invitation string `yaml:"invitation"`
}

// Reminders configures the messages the bot sends first: nudges to finish
// a flow and "is this still true?" refreshes.
type Reminders struct {
	// CheckEvery is the cron spec of the scan for due reminders, default
	// "@every 5m".
	CheckEvery string `yaml:"check_every"`
	// NudgeAfter is how long after a person's last input an unfinished
	// flow is nudged, default 24h; the next nudge waits as long again.
	NudgeAfter time.Duration `yaml:"nudge_after"`
	// MaxNudges is how many nudges one pause gets, default 2; 0 turns
	// nudges off.
	MaxNudges int `yaml:"max_nudges"`
	// RefreshAfter is how long after an entry was last confirmed it is
	// due for a refresh, default 180d; 0 turns refreshes off.
	RefreshAfter time.Duration `yaml:"refresh_after"`
	// StaleAfter is how long an unanswered refresh waits before the entry
	// is marked stale, default 30d.
	StaleAfter time.Duration `yaml:"stale_after"`
	// QuietHours is a daily span of local time with no reminders,
	// "HH:MM-HH:MM", default "21:00-09:00"; "" turns them off.
	QuietHours string `yaml:"quiet_hours"`
	// DailyCap is the most reminders one person gets in a day, default 1.
	DailyCap int `yaml:"daily_cap"`
	// Rate is the most reminders sent per second, default 20. Replies to
	// people's own messages always go first: reminders only take what
	// they leave of telegram.send.rate, up to this.
	Rate float64 `yaml:"rate"`
}

// Database says where the SQLite database lives.
type Database struct {
	// Path is the SQLite file; default "assetbot.db". It must not be empty.
	Path string `yaml:"path"`
}

// Flows says where the conversation flows come from.
type Flows struct {
	// Dir is a directory of flow YAML files; "" (the default) means the
	// flows built into the binary.
	Dir string `yaml:"dir"`
}

// Telegram configures the connection to the Telegram Bot API.
type Telegram struct {
	// Token is the bot token from @BotFather. When the file leaves it empty,
	// the TELEGRAM_BOT_TOKEN environment variable fills it. It never appears
	// in an error message.
	Token string `yaml:"token"`
	// APIEndpoint is the Bot API base URL, default "https://api.telegram.org";
	// a local Bot API server or an emulator can stand in. Parse trims a
	// trailing slash.
	APIEndpoint string `yaml:"api_endpoint"`
	// Username is the bot's username, for the deep links of volunteers
	// and residents. Empty (the default): the one getMe reported when the
	// bot last started.
	Username string `yaml:"username"`
	// Mode is how updates arrive: "polling" (the default) or "webhook".
	Mode string `yaml:"mode"`
	// PollTimeout is the long-polling timeout of getUpdates, default 50s,
	// at most 10m.
	PollTimeout time.Duration `yaml:"poll_timeout"`
	Webhook     Webhook       `yaml:"webhook"`
	Send        Send          `yaml:"send"`
}

// Webhook configures receiving updates over HTTPS when Telegram.Mode is
// "webhook".
type Webhook struct {
	// Listen is the host:port the webhook server listens on; default ":8443".
	Listen string `yaml:"listen"`
	// URL is the public URL Telegram posts updates to; required in webhook
	// mode. It must be https unless APIEndpoint is a local Bot API server or
	// an emulator.
	URL string `yaml:"url"`
	// Secret is sent by Telegram in the X-Telegram-Bot-Api-Secret-Token
	// header so the bot can reject forged updates: 1-256 characters of
	// A-Z a-z 0-9 _ -. It is required in webhook mode unless
	// InsecureNoSecret is set.
	Secret string `yaml:"secret"`
	// InsecureNoSecret accepts updates without a secret header; only for
	// emulators that cannot send one.
	InsecureNoSecret bool `yaml:"insecure_no_secret"`
}

// Send limits outgoing Bot API requests to stay within Telegram's limits.
type Send struct {
	// Rate is the most messages per second over all chats, default 30;
	// 0 means no limit.
	Rate float64 `yaml:"rate"`
	// PerChatRate is the most messages per second to one chat, default 1;
	// 0 means no limit.
	PerChatRate float64 `yaml:"per_chat_rate"`
	// PerChatBurst is how many messages one chat may get at once before
	// PerChatRate applies; default 3.
	PerChatBurst int `yaml:"per_chat_burst"`
	// Workers is the number of concurrent requests to the Bot API,
	// default 8, 1 to 256.
	Workers int `yaml:"workers"`
	// MaxAttempts is how many times a message is tried after server errors
	// or network failures before it is given up; default 10.
	MaxAttempts int `yaml:"max_attempts"`
}

// Log configures the process log.
type Log struct {
	// Level is debug, info (the default), warn or error.
	Level string `yaml:"level"`
	// Format is text (the default) or json.
	Format string `yaml:"format"`
}

// HTTP configures the operations HTTP server.
type HTTP struct {
	// Listen is the host:port serving /healthz and /metrics; "" (the
	// default) turns the server off.
	Listen string `yaml:"listen"`
}

// Default returns the configuration used for every key a file leaves out.
func Default() Config {
	return Config{
		Database: Database{Path: "assetbot.db"},
		Timezone: "Europe/London",
		Telegram: Telegram{
			APIEndpoint: "https://api.telegram.org",
			Mode:        "polling",
			PollTimeout: 50 * time.Second,
			Webhook:     Webhook{Listen: ":8443"},
			Send: Send{
				Rate:         30,
				PerChatRate:  1,
				PerChatBurst: 3,
				Workers:      8,
				MaxAttempts:  10,
			},
		},
		Log:        Log{Level: "info", Format: "text"},
		Digest:     Digest{Schedule: "0 9 * * 1"},
		Privacy:    Privacy{UnfinishedRetention: 90 * day, StaleRetention: 365 * day, RetentionSchedule: "@hourly", MinAge: defaultMinAge},
		Volunteers: Volunteers{Invitation: "Tell us what you could share with your neighbours: scan this to start."},
		Reminders: Reminders{
			CheckEvery:   "@every 5m",
			NudgeAfter:   24 * time.Hour,
			MaxNudges:    2,
			RefreshAfter: 180 * day,
			StaleAfter:   30 * day,
			QuietHours:   "21:00-09:00",
			DailyCap:     1,
			Rate:         20,
		},
	}
}

// defaultPath is the file Load reads when it is given no path.
const defaultPath = "config.yaml"

// tokenEnv names the environment variable that supplies the bot token when
// the file does not.
const tokenEnv = "TELEGRAM_BOT_TOKEN"

// Load reads path. If path is "" it tries "config.yaml" in the working
// directory and, if that does not exist, returns Default() (with the token
// from TELEGRAM_BOT_TOKEN). A path given explicitly that does not exist is
// an error.
func Load(path string) (Config, error) {
	name := path
	if name == "" {
		name = defaultPath
	}
	data, err := os.ReadFile(name)
	if err != nil {
		if path == "" && errors.Is(err, fs.ErrNotExist) {
			return parse(name, nil, os.LookupEnv)
		}
		return Config{}, fmt.Errorf("read config: %w", err)
	}
	return parse(name, data, os.LookupEnv)
}

// Parse parses YAML bytes over Default(), expands ${VAR} references from the
// environment and validates the result; name is used in messages (the file
// name). The error lists every problem found, one per line, and comes with
// a zero Config.
func Parse(name string, data []byte) (Config, error) {
	return parse(name, data, os.LookupEnv)
}

// parse is Parse with the environment passed in, so tests control it.
func parse(name string, data []byte, lookup func(string) (string, bool)) (Config, error) {
	c := Default()
	d := decoder{name: name, lookup: lookup, lines: make(map[string]int)}
	d.document(data, &c)
	if c.Telegram.Token == "" {
		c.Telegram.Token, _ = lookup(tokenEnv)
	}
	v := checker{name: name, lines: d.lines}
	c.check(&v)
	problems := d.problems
	failed := make(map[string]bool)
	for _, p := range d.problems {
		failed[p.key] = true
	}
	for _, p := range v.problems {
		// A value that failed to decode kept its default, so what
		// Validate says of it is noise.
		if !failed[p.key] {
			problems = append(problems, p)
		}
	}
	if len(problems) > 0 {
		envToken, _ := lookup(tokenEnv)
		return Config{}, joinProblems(problems, c.Telegram.Token, envToken, c.Telegram.Webhook.Secret)
	}
	c.Telegram.APIEndpoint = strings.TrimSuffix(c.Telegram.APIEndpoint, "/")
	return c, nil
}

// Location returns the configured timezone, or UTC if Timezone does not
// name one (Validate reports that).
func (c Config) Location() *time.Location {
	loc, err := time.LoadLocation(c.Timezone)
	if err != nil {
		return time.UTC
	}
	return loc
}

// SlogLevel returns Log.Level as a slog level; an unknown level (which
// Validate reports) is info.
func (c Config) SlogLevel() slog.Level {
	switch c.Log.Level {
	case "debug":
		return slog.LevelDebug
	case "warn":
		return slog.LevelWarn
	case "error":
		return slog.LevelError
	default:
		return slog.LevelInfo
	}
}
