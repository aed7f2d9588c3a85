package config

import (
	"errors"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

// env returns a lookup function over the given name/value pairs.
func env(pairs ...string) func(string) (string, bool) {
	m := make(map[string]string)
	for i := 0; i+1 < len(pairs); i += 2 {
		m[pairs[i]] = pairs[i+1]
	}
	return func(name string) (string, bool) {
		v, ok := m[name]
		return v, ok
	}
}

func TestDefaultIsValid(t *testing.T) {
	if err := Default().Validate(); err != nil {
		t.Fatalf("Default().Validate() = %v; want nil", err)
	}
}

func TestParseEmpty(t *testing.T) {
	tests := []struct {
		name string
		data string
	}{
		{"empty", ""},
		{"comments only", "# nothing here\n\n   # still nothing\n"},
		{"empty document", "---\n"},
		{"null document", "~\n"},
		{"empty sections", "database:\ntelegram:\n  send:\nlog: null\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parse("config.yaml", []byte(tt.data), env())
			if err != nil {
				t.Fatalf("parse: %v", err)
			}
			if want := Default(); !reflect.DeepEqual(got, want) {
				t.Errorf("got %+v; want %+v", got, want)
			}
		})
	}
}

func TestExampleIsDefault(t *testing.T) {
	data, err := os.ReadFile("../../config.example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	got, err := parse("config.example.yaml", data, env())
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	if want := Default(); !reflect.DeepEqual(got, want) {
		t.Errorf("got %+v; want %+v", got, want)
	}
}

// TestExampleHasEveryKey keeps the example complete as fields are added.
func TestExampleHasEveryKey(t *testing.T) {
	data, err := os.ReadFile("../../config.example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	d := decoder{name: "config.example.yaml", lookup: env(), lines: make(map[string]int)}
	var c Config
	d.document(data, &c)
	for _, k := range dottedKeys(reflect.TypeFor[Config](), "") {
		if _, ok := d.lines[k]; !ok {
			t.Errorf("config.example.yaml does not set %s", k)
		}
	}
}

func TestParseFull(t *testing.T) {
	data := `
database:
  path: /var/lib/assetbot/assetbot.db
flows:
  dir: /etc/assetbot/flows
timezone: America/New_York
telegram:
  token: "123456:ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghi"
  api_endpoint: http://127.0.0.1:8081/
  mode: webhook
  poll_timeout: 1m30s
  webhook:
    listen: 127.0.0.1:8443
    url: http://127.0.0.1:8443/telegram
    secret: s3cret_-X
    insecure_no_secret: true
  send:
    rate: 12.5
    per_chat_rate: 0
    per_chat_burst: 1
    workers: 256
    max_attempts: 1
organisers:
  - 111
  - 2222222222
log:
  level: debug
  format: json
http:
  listen: ":9090"
reminders:
  check_every: "*/10 * * * *"
  nudge_after: 36h
  max_nudges: 0
  refresh_after: 90d12h
  stale_after: 14d
  quiet_hours: ""
  daily_cap: 3
  rate: 5
volunteers:
  invitation: Scan me, neighbour
aim:
  text: Non-competitive sport and fun for young girls
  options: [sport, youth_club]
  words: [netball, dance]
digest:
  schedule: "30 8 * * 5"
privacy:
  unfinished_retention: 60d
  stale_retention: 8760h
  retention_schedule: "30 3 * * *"
  min_age: 18
`
	want := Config{
		Database: Database{Path: "/var/lib/assetbot/assetbot.db"},
		Flows:    Flows{Dir: "/etc/assetbot/flows"},
		Timezone: "America/New_York",
		Telegram: Telegram{
			Token:       "123456:ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghi",
			APIEndpoint: "http://127.0.0.1:8081",
			Mode:        "webhook",
			PollTimeout: 90 * time.Second,
			Webhook: Webhook{
				Listen:           "127.0.0.1:8443",
				URL:              "http://127.0.0.1:8443/telegram",
				Secret:           "s3cret_-X",
				InsecureNoSecret: true,
			},
			Send: Send{Rate: 12.5, PerChatRate: 0, PerChatBurst: 1, Workers: 256, MaxAttempts: 1},
		},
		Organisers: []int64{111, 2222222222},
		Log:        Log{Level: "debug", Format: "json"},
		HTTP:       HTTP{Listen: ":9090"},
		Reminders: Reminders{CheckEvery: "*/10 * * * *", NudgeAfter: 36 * time.Hour, RefreshAfter: 90*24*time.Hour + 12*time.Hour,
			StaleAfter: 14 * 24 * time.Hour, DailyCap: 3, Rate: 5},
		Volunteers: Volunteers{Invitation: "Scan me, neighbour"},
		Aim:        Aim{Text: "Non-competitive sport and fun for young girls", Options: []string{"sport", "youth_club"}, Words: []string{"netball", "dance"}},
		Digest:     Digest{Schedule: "30 8 * * 5"},
		Privacy:    Privacy{UnfinishedRetention: 60 * 24 * time.Hour, StaleRetention: 365 * 24 * time.Hour, RetentionSchedule: "30 3 * * *", MinAge: 18},
	}
	got, err := parse("config.yaml", []byte(data), env("TELEGRAM_BOT_TOKEN", "from-the-environment"))
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %+v; want %+v", got, want)
	}
	if err := got.Validate(); err != nil {
		t.Errorf("Validate() of a parsed config = %v; want nil", err)
	}
}

// TestParseValues covers values that parse, each shown by the field it sets.
func TestParseValues(t *testing.T) {
	tests := []struct {
		name string
		data string
		get  func(Config) any
		want any
	}{
		{"quoted number", `telegram: {send: {rate: "2.5"}}`, func(c Config) any { return c.Telegram.Send.Rate }, 2.5},
		{"integer rate", "telegram: {send: {rate: 0}}", func(c Config) any { return c.Telegram.Send.Rate }, 0.0},
		{"zero poll timeout", "telegram: {poll_timeout: 0s}", func(c Config) any { return c.Telegram.PollTimeout }, time.Duration(0)},
		{"bool True", "telegram: {webhook: {insecure_no_secret: True}}", func(c Config) any { return c.Telegram.Webhook.InsecureNoSecret }, true},
		{"numeric string", "telegram: {webhook: {secret: 12345678}}", func(c Config) any { return c.Telegram.Webhook.Secret }, "12345678"},
		{"empty list", "organisers: []", func(c Config) any { return c.Organisers }, []int64(nil)},
		{"flow list", "organisers: [1, +2]", func(c Config) any { return c.Organisers }, []int64{1, 2}},
		{"areas", "areas:\n  - {name: LS6, lat: 53.8195, lon: -1.5766}\n  - name: Hyde Park\n    lat: -1\n    lon: 0\n",
			func(c Config) any { return c.Areas }, []Area{{"LS6", 53.8195, -1.5766}, {"Hyde Park", -1, 0}}},
		{"bot username", "telegram: {username: Map_bot1}", func(c Config) any { return c.Telegram.Username }, "Map_bot1"},
		{"endpoint slash trimmed", "telegram: {api_endpoint: 'https://example.org/'}", func(c Config) any { return c.Telegram.APIEndpoint }, "https://example.org"},
		{"null keeps default", "database: {path: null}", func(c Config) any { return c.Database.Path }, "assetbot.db"},
		{"anchor and alias", "http: {listen: &a ':9090'}\ntelegram: {webhook: {listen: *a}}", func(c Config) any { return c.Telegram.Webhook.Listen }, ":9090"},
		{"lone dollar kept", "flows: {dir: a$b$}", func(c Config) any { return c.Flows.Dir }, "a$b$"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := parse("config.yaml", []byte(tt.data), env())
			if err != nil {
				t.Fatalf("parse: %v", err)
			}
			if got := tt.get(c); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %#v; want %#v", got, tt.want)
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name string
		data string
		want string
	}{
		// Unknown keys.
		{"misspelt top-level key", "# comment\n\ndatabse:\n  path: x.db\n",
			`config.yaml:3: databse: unknown key (did you mean "database"?)`},
		{"swapped letters", "telegram:\n  mdoe: webhook\n",
			`config.yaml:2: telegram.mdoe: unknown key (did you mean "mode"?)`},
		{"camel case", "telegram:\n  pollTimeout: 5s\n",
			`config.yaml:2: telegram.pollTimeout: unknown key (did you mean "poll_timeout"?)`},
		{"key at the wrong level", "token: abc\n",
			`config.yaml:1: token: unknown key (did you mean "telegram.token"?)`},
		{"key in two places", "listen: :80\n",
			`config.yaml:1: listen: unknown key (did you mean "telegram.webhook.listen" or "http.listen"?)`},
		{"dotted key", "telegram.send.rate: 5\n",
			`config.yaml:1: "telegram.send.rate": unknown key (write "rate" nested under "telegram.send")`},
		{"no close key", "log:\n  colour: red\n",
			`config.yaml:2: log.colour: unknown key (want one of level, format)`},
		{"odd key quoted", "log:\n  \"a b\": 1\n",
			`config.yaml:2: log."a b": unknown key (want one of level, format)`},
		{"duplicate key", "log:\n  level: info\n  level: debug\n",
			`config.yaml:3: log.level: duplicate key (first set on line 2)`},
		{"merge key", "log:\n  <<: {level: info}\n",
			`config.yaml:2: log: merge keys ("<<") are not supported`},
		{"mapping as key", "log:\n  ? {a: 1}\n  : x\n",
			`config.yaml:2: log: want a key name, got a mapping`},

		// Wrong types.
		{"string for a number", "telegram:\n  send:\n    rate: fast\n",
			`config.yaml:3: telegram.send.rate: want a number, got "fast"`},
		{"infinite number", "telegram: {send: {rate: .inf}}",
			`config.yaml:1: telegram.send.rate: want a number, got ".inf"`},
		{"fraction for an int", "telegram:\n  send:\n    workers: 2.5\n",
			`config.yaml:3: telegram.send.workers: want a whole number, got "2.5"`},
		{"int out of range", "organisers: [99999999999999999999]",
			`config.yaml:1: organisers[0]: number out of range, got "99999999999999999999"`},
		{"list for a mapping", "telegram:\n  - mode\n",
			`config.yaml:2: telegram: want a mapping, got a list`},
		{"scalar for a mapping", "database: x.db\n",
			`config.yaml:1: database: want a mapping, got "x.db"`},
		{"mapping for a string", "timezone:\n  name: UTC\n",
			`config.yaml:2: timezone: want a string, got a mapping`},
		{"scalar for a list", "organisers: 123\n",
			`config.yaml:1: organisers: want a list, got "123"`},
		{"string in a list", "organisers:\n  - 1\n  - bob\n",
			`config.yaml:3: organisers[1]: want a whole number, got "bob"`},
		{"bad bool", "telegram: {webhook: {insecure_no_secret: yes}}",
			`config.yaml:1: telegram.webhook.insecure_no_secret: want true or false, got "yes"`},
		{"duration without unit", "telegram:\n  poll_timeout: 50\n",
			`config.yaml:2: telegram.poll_timeout: want a duration such as "50s", "1m30s", "24h" or "180d", got "50"`},
		{"list for a duration", "telegram:\n  poll_timeout: [1s]\n",
			`config.yaml:2: telegram.poll_timeout: want a duration, got a list`},
		{"top level not a mapping", "- a\n- b\n",
			`config.yaml:1: want a mapping, got a list`},

		// Bad values.
		{"bad mode", "# c\n#\n#\n#\n#\ntelegram:\n  mode: push\n",
			`config.yaml:7: telegram.mode: must be "polling" or "webhook", got "push"`},
		{"empty database path", "database:\n  path: ''\n",
			`config.yaml:2: database.path: must not be empty`},
		{"bad check_every", "reminders:\n  check_every: every five minutes\n",
			`config.yaml:2: reminders.check_every: must be a cron spec such as "@every 5m" or "*/5 * * * *": expected exactly 5 fields, found 3: [every five minutes]`},
		{"min_age under 13", "privacy:\n  min_age: 12\n",
			`config.yaml:2: privacy.min_age: must be from 13 (the youngest who may consent to an online service in the UK) to 99, got 12`},
		{"min_age not a number", "privacy:\n  min_age: sixteen\n",
			`config.yaml:2: privacy.min_age: want a whole number, got "sixteen"`},
		{"min_age too old", "privacy:\n  min_age: 160\n",
			`config.yaml:2: privacy.min_age: must be from 13 (the youngest who may consent to an online service in the UK) to 99, got 160`},
		{"bad digest schedule", "digest:\n  schedule: mondays\n",
			`config.yaml:2: digest.schedule: must be a cron spec such as "0 9 * * 1" (Monday at 09:00): expected exactly 5 fields, found 1: [mondays]`},
		{"check_every too often", "reminders:\n  check_every: \"@every 100ms\"\n",
			`config.yaml:2: reminders.check_every: must be a cron spec such as "@every 5m" or "*/5 * * * *": @every needs at least 1s, got 100ms`},
		{"nudge_after in days with a fraction", "reminders:\n  nudge_after: 1.5d\n",
			`config.yaml:2: reminders.nudge_after: want a duration such as "50s", "1m30s", "24h" or "180d", got "1.5d"`},
		{"nudge_after zero", "reminders:\n  nudge_after: 0s\n",
			`config.yaml:2: reminders.nudge_after: must be at least 1s, got 0s`},
		{"negative max_nudges", "reminders:\n  max_nudges: -1\n",
			`config.yaml:2: reminders.max_nudges: must be 0 (no nudges) or more, got -1`},
		{"bad quiet hours", "reminders:\n  quiet_hours: 9pm-9am\n",
			`config.yaml:2: reminders.quiet_hours: "9pm" is not a time of day like 09:00`},
		{"empty quiet span", "reminders:\n  quiet_hours: 21:00-21:00\n",
			`config.yaml:2: reminders.quiet_hours: quiet hours "21:00-21:00" start and end at the same time; use "" for none`},
		{"daily_cap zero", "reminders:\n  daily_cap: 0\n",
			`config.yaml:2: reminders.daily_cap: must be at least 1, got 0`},
		{"reminder rate zero", "reminders:\n  rate: 0\n",
			`config.yaml:2: reminders.rate: must be above 0, got 0`},
		{"retention garbage", "privacy:\n  unfinished_retention: three months\n",
			`config.yaml:2: privacy.unfinished_retention: want a duration such as "50s", "1m30s", "24h" or "180d", got "three months"`},
		{"retention without unit", "privacy:\n  stale_retention: 365\n",
			`config.yaml:2: privacy.stale_retention: want a duration such as "50s", "1m30s", "24h" or "180d", got "365"`},
		{"retention zero", "privacy:\n  stale_retention: 0d\n",
			`config.yaml:2: privacy.stale_retention: must be at least 1d (it cannot be turned off; set a long period instead), got 0s`},
		{"retention negative", "privacy:\n  unfinished_retention: -90d\n",
			`config.yaml:2: privacy.unfinished_retention: want a duration such as "50s", "1m30s", "24h" or "180d", got "-90d"`},
		{"retention negative hours", "privacy:\n  unfinished_retention: -2160h\n",
			`config.yaml:2: privacy.unfinished_retention: must be at least 1d (it cannot be turned off; set a long period instead), got -2160h0m0s`},
		{"retention under a day", "privacy:\n  stale_retention: 12h\n",
			`config.yaml:2: privacy.stale_retention: must be at least 1d (it cannot be turned off; set a long period instead), got 12h0m0s`},
		{"retention before the nudges", "reminders:\n  nudge_after: 72h\n  max_nudges: 2\nprivacy:\n  unfinished_retention: 6d\n",
			`config.yaml:5: privacy.unfinished_retention: must be longer than the nudges take (reminders.nudge_after x reminders.max_nudges = 144h0m0s), got 144h0m0s`},
		{"bad retention schedule", "privacy:\n  retention_schedule: nightly\n",
			`config.yaml:2: privacy.retention_schedule: must be a cron spec such as "@hourly" or "30 3 * * *": expected exactly 5 fields, found 1: [nightly]`},
		{"unknown timezone", "timezone: Mars/Olympus\n",
			`config.yaml:1: timezone: unknown timezone "Mars/Olympus" (want a name such as "Europe/London")`},
		{"empty timezone", "timezone: ''\n",
			`config.yaml:1: timezone: must name a timezone such as "Europe/London"`},
		{"negative organiser", "organisers:\n  - 5\n  - -7\n",
			`config.yaml:3: organisers[1]: must be a Telegram user id (a positive number), got -7`},
		{"endpoint with path", "telegram: {api_endpoint: https://example.org/bot}",
			`config.yaml:1: telegram.api_endpoint: must be an http or https URL with no path, such as "https://api.telegram.org", got "https://example.org/bot"`},
		{"endpoint not a URL", "telegram: {api_endpoint: api.telegram.org}",
			`config.yaml:1: telegram.api_endpoint: must be an http or https URL with no path, such as "https://api.telegram.org", got "api.telegram.org"`},
		{"endpoint with query", "telegram: {api_endpoint: 'https://example.org?x=1'}",
			`config.yaml:1: telegram.api_endpoint: must be an http or https URL with no path, such as "https://api.telegram.org", got "https://example.org?x=1"`},
		{"username with @", "telegram: {username: '@mapbot'}",
			`config.yaml:1: telegram.username: must be a bot username of 5 to 32 characters of A-Z, a-z, 0-9 and _, without the @, got "@mapbot"`},
		{"username too short", "telegram: {username: abc}",
			`config.yaml:1: telegram.username: must be a bot username of 5 to 32 characters of A-Z, a-z, 0-9 and _, without the @, got "abc"`},
		{"poll timeout too long", "telegram: {poll_timeout: 11m}",
			`config.yaml:1: telegram.poll_timeout: must be between 0s and 10m, got 11m0s`},
		{"negative poll timeout", "telegram: {poll_timeout: -1s}",
			`config.yaml:1: telegram.poll_timeout: must be between 0s and 10m, got -1s`},
		{"negative rate", "telegram: {send: {rate: -1}}",
			`config.yaml:1: telegram.send.rate: must be 0 (no limit) or a positive number, got -1`},
		{"negative per-chat rate", "telegram: {send: {per_chat_rate: -0.5}}",
			`config.yaml:1: telegram.send.per_chat_rate: must be 0 (no limit) or a positive number, got -0.5`},
		{"zero burst", "telegram: {send: {per_chat_burst: 0}}",
			`config.yaml:1: telegram.send.per_chat_burst: must be at least 1, got 0`},
		{"too many workers", "telegram: {send: {workers: 257}}",
			`config.yaml:1: telegram.send.workers: must be between 1 and 256, got 257`},
		{"zero workers", "telegram: {send: {workers: 0}}",
			`config.yaml:1: telegram.send.workers: must be between 1 and 256, got 0`},
		{"zero attempts", "telegram: {send: {max_attempts: 0}}",
			`config.yaml:1: telegram.send.max_attempts: must be at least 1, got 0`},
		{"bad log level", "log: {level: verbose}",
			`config.yaml:1: log.level: must be "debug", "info", "warn" or "error", got "verbose"`},
		{"bad log format", "log: {format: xml}",
			`config.yaml:1: log.format: must be "text" or "json", got "xml"`},
		{"http listen without port", "http: {listen: localhost}",
			`config.yaml:1: http.listen: must be host:port such as ":8080" or "127.0.0.1:8080", got "localhost"`},
		{"webhook listen bad port", "telegram: {webhook: {listen: ':99999'}}",
			`config.yaml:1: telegram.webhook.listen: must be host:port such as ":8080" or "127.0.0.1:8080", got ":99999"`},
		{"bad webhook secret", "telegram:\n  webhook:\n    secret: 'has space'\n",
			`config.yaml:3: telegram.webhook.secret: must be 1 to 256 characters of A-Z, a-z, 0-9, _ and -`},
		{"webhook needs https for Telegram", "telegram:\n  mode: webhook\n  webhook:\n    url: http://bot.example.org/hook\n    secret: abc\n",
			`config.yaml:4: telegram.webhook.url: must be an https URL, got "http://bot.example.org/hook"`},
		{"webhook url not a URL", "telegram:\n  api_endpoint: http://localhost:8081\n  webhook:\n    url: /hook\n",
			`config.yaml:4: telegram.webhook.url: must be an http or https URL, got "/hook"`},
		{"webhook requirements", "telegram:\n  mode: webhook\n  webhook:\n    listen: ''\n",
			"config.yaml:2: telegram.webhook.listen: required when telegram.mode is \"webhook\"\n" +
				"config.yaml:2: telegram.webhook.url: required when telegram.mode is \"webhook\"\n" +
				"config.yaml:2: telegram.webhook.secret: required when telegram.mode is \"webhook\" (insecure_no_secret: true is only for emulators that send no secret)"},

		// Several problems at once, in line order.
		{"all problems reported", "databse: x\nlog:\n  level: loud\ntelegram:\n  send:\n    rate: fast\n    workers: 0\n",
			"config.yaml:1: databse: unknown key (did you mean \"database\"?)\n" +
				"config.yaml:3: log.level: must be \"debug\", \"info\", \"warn\" or \"error\", got \"loud\"\n" +
				"config.yaml:6: telegram.send.rate: want a number, got \"fast\"\n" +
				"config.yaml:7: telegram.send.workers: must be between 1 and 256, got 0"},

		// YAML syntax.
		{"syntax error", "log:\n  level: info\n  format: [text\n",
			`config.yaml:3: did not find expected ',' or ']'`},
		{"bad indentation", "log:\n  level: info\n format: text\n",
			`config.yaml:3: did not find expected key`},
		{"tab indentation", "log:\n\tlevel: info\n",
			`config.yaml:2: found character that cannot start any token`},
		{"text after a quoted value", "x: 1\ny: 2\nz: 'a' b\n",
			`config.yaml:3: did not find expected key`},
		{"list item in a mapping", "log: {}\nhttp: {}\n- a\n",
			`config.yaml:3: did not find expected key`},
		{"mapping in a list", "- a\n- b\nc: d\n",
			`config.yaml:3: did not find expected '-' indicator`},
		{"unclosed on the first line", "log: [1",
			`config.yaml:1: did not find expected ',' or ']'`},
		{"unclosed quote", "log: {}\nhttp: {}\ntimezone: \"UTC\n",
			`config.yaml:3: found unexpected end of stream`},
		{"colon in a plain value", "log: {}\nhttp:\n  listen: a: b\n",
			`config.yaml:3: mapping values are not allowed in this context`},
		{"unknown anchor", "log: *nowhere\n",
			`config.yaml: unknown anchor 'nowhere' referenced`},
		{"two documents", "log: {level: info}\n---\nlog: {level: debug}\n",
			`config.yaml:2: want one YAML document, found a second`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := parse("config.yaml", []byte(tt.data), env())
			if err == nil {
				t.Fatalf("got %+v, no error; want %s", c, tt.want)
			}
			if got := err.Error(); got != tt.want {
				t.Errorf("got error\n%s\nwant\n%s", got, tt.want)
			}
		})
	}
}

func TestEnvExpansion(t *testing.T) {
	lookup := env("DIR", "/srv/flows", "EMPTY", "", "RATE", "2.5", "PORT", "9090", "TZ_NAME", "UTC")
	tests := []struct {
		name    string
		data    string
		get     func(Config) any
		want    any
		wantErr string
	}{
		{name: "set", data: "flows: {dir: '${DIR}'}",
			get: func(c Config) any { return c.Flows.Dir }, want: "/srv/flows"},
		{name: "inside text", data: "database: {path: '${DIR}/../assetbot.db'}",
			get: func(c Config) any { return c.Database.Path }, want: "/srv/flows/../assetbot.db"},
		{name: "unquoted", data: "timezone: ${TZ_NAME}",
			get: func(c Config) any { return c.Timezone }, want: "UTC"},
		{name: "before type conversion", data: "telegram: {send: {rate: '${RATE}'}}",
			get: func(c Config) any { return c.Telegram.Send.Rate }, want: 2.5},
		{name: "in a list", data: "organisers: ['${PORT}']",
			get: func(c Config) any { return c.Organisers }, want: []int64{9090}},
		{name: "default when unset", data: "http: {listen: '${HTTP_ADDR:-127.0.0.1:9090}'}",
			get: func(c Config) any { return c.HTTP.Listen }, want: "127.0.0.1:9090"},
		{name: "default when empty", data: "flows: {dir: '${EMPTY:-/opt}'}",
			get: func(c Config) any { return c.Flows.Dir }, want: "/opt"},
		{name: "set value beats default", data: "http: {listen: ':${PORT:-80}'}",
			get: func(c Config) any { return c.HTTP.Listen }, want: ":9090"},
		{name: "empty default", data: "flows: {dir: 'a${NOPE:-}b'}",
			get: func(c Config) any { return c.Flows.Dir }, want: "ab"},
		{name: "set but empty", data: "flows: {dir: '${EMPTY}'}",
			get: func(c Config) any { return c.Flows.Dir }, want: ""},
		{name: "double dollar", data: "flows: {dir: 'cost$$5'}",
			get: func(c Config) any { return c.Flows.Dir }, want: "cost$5"},
		{name: "escaped reference", data: "flows: {dir: '$${DIR}'}",
			get: func(c Config) any { return c.Flows.Dir }, want: "${DIR}"},
		{name: "keys are not expanded", data: "${DIR}: x",
			wantErr: `config.yaml:1: "${DIR}": unknown key (want one of database, flows, timezone, telegram, organisers, log, http, reminders, volunteers, aim, areas, digest, privacy)`},
		{name: "missing", data: "log:\n  level: ${LOG_LEVEL}\n",
			wantErr: `config.yaml:2: log.level: environment variable LOG_LEVEL is not set and has no default`},
		{name: "unterminated", data: "flows: {dir: '${DIR'}",
			wantErr: `config.yaml:1: flows.dir: unterminated "${" (write "$$" for a literal "$")`},
		{name: "bad name", data: "flows: {dir: '${1DIR}'}",
			wantErr: `config.yaml:1: flows.dir: bad environment reference "${1DIR}" (a name is letters, digits and _)`},
		{name: "empty name", data: "flows: {dir: '${}'}",
			wantErr: `config.yaml:1: flows.dir: bad environment reference "${}" (a name is letters, digits and _)`},
		{name: "expanded value of the wrong type", data: "telegram: {send: {workers: '${DIR}'}}",
			wantErr: `config.yaml:1: telegram.send.workers: want a whole number, got "/srv/flows"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := parse("config.yaml", []byte(tt.data), lookup)
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr {
					t.Fatalf("got error %v; want %s", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("parse: %v", err)
			}
			if got := tt.get(c); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %#v; want %#v", got, tt.want)
			}
		})
	}
}

func TestTokenFromEnvironment(t *testing.T) {
	tests := []struct {
		name string
		data string
		env  []string
		want string
	}{
		{"file silent, env set", "", []string{"TELEGRAM_BOT_TOKEN", "env-token"}, "env-token"},
		{"file empty, env set", "telegram: {token: ''}", []string{"TELEGRAM_BOT_TOKEN", "env-token"}, "env-token"},
		{"file wins", "telegram: {token: file-token}", []string{"TELEGRAM_BOT_TOKEN", "env-token"}, "file-token"},
		{"file reference", "telegram: {token: '${BOT}'}", []string{"BOT", "ref-token", "TELEGRAM_BOT_TOKEN", "env-token"}, "ref-token"},
		{"neither", "", nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := parse("config.yaml", []byte(tt.data), env(tt.env...))
			if err != nil {
				t.Fatalf("parse: %v", err)
			}
			if got := c.Telegram.Token; got != tt.want {
				t.Errorf("got token %q; want %q", got, tt.want)
			}
		})
	}
}

// TestTokenNeverInErrors feeds the token to places where a value would be
// quoted in a message.
func TestTokenNeverInErrors(t *testing.T) {
	const token = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"
	tests := []struct {
		name string
		data string
		env  []string
	}{
		{"env token in a number", "telegram: {send: {rate: '${TELEGRAM_BOT_TOKEN}'}}", []string{"TELEGRAM_BOT_TOKEN", token}},
		{"file token in a number", "telegram: {token: '" + token + "', send: {workers: '" + token + "'}}", nil},
		{"token as a key", "telegram:\n  " + token + ": x\n", []string{"TELEGRAM_BOT_TOKEN", token}},
		{"token as the mode", "telegram: {mode: '" + token + "'}", []string{"TELEGRAM_BOT_TOKEN", token}},
		{"token with a bad reference", "telegram: {token: '${" + token + "}'}", nil},
		{"token with an unterminated reference", "telegram: {token: '${" + token + "'}", nil},
		{"token as a mapping", "telegram: {token: {" + token + ": 1}}", []string{"TELEGRAM_BOT_TOKEN", token}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parse("config.yaml", []byte(tt.data), env(tt.env...))
			if err == nil {
				t.Fatal("got no error; want one")
			}
			if msg := err.Error(); strings.Contains(msg, token) || strings.Contains(msg, token[10:]) {
				t.Errorf("error shows the token: %s", msg)
			}
		})
	}
	t.Run("Validate", func(t *testing.T) {
		c := Default()
		c.Telegram.Token = token
		c.Telegram.Mode = token
		err := c.Validate()
		if err == nil || strings.Contains(err.Error(), token) {
			t.Errorf("got %v; want an error without the token", err)
		}
	})
}

// TestValidate checks a Config built in code: messages name keys with no
// file or line.
func TestValidate(t *testing.T) {
	tests := []struct {
		name   string
		change func(*Config)
		want   string
	}{
		{"default", func(*Config) {}, ""},
		{"trailing slash endpoint", func(c *Config) { c.Telegram.APIEndpoint = "https://api.telegram.org/" }, ""},
		{"webhook complete", func(c *Config) {
			c.Telegram.Mode = "webhook"
			c.Telegram.Webhook.URL = "https://bot.example.org/hook"
			c.Telegram.Webhook.Secret = "abc"
		}, ""},
		{"webhook on an emulator", func(c *Config) {
			c.Telegram.APIEndpoint = "http://127.0.0.1:9000"
			c.Telegram.Mode = "webhook"
			c.Telegram.Webhook.URL = "http://127.0.0.1:8443/"
			c.Telegram.Webhook.InsecureNoSecret = true
		}, ""},
		{"bad mode", func(c *Config) { c.Telegram.Mode = "push" }, `telegram.mode: must be "polling" or "webhook", got "push"`},
		{"not a number", func(c *Config) { c.Telegram.Send.Rate = nanValue() },
			`telegram.send.rate: must be 0 (no limit) or a positive number, got NaN`},
		{"webhook missing", func(c *Config) { c.Telegram.Mode = "webhook" },
			"telegram.webhook.url: required when telegram.mode is \"webhook\"\n" +
				"telegram.webhook.secret: required when telegram.mode is \"webhook\" (insecure_no_secret: true is only for emulators that send no secret)"},
		{"long secret", func(c *Config) { c.Telegram.Webhook.Secret = strings.Repeat("a", 257) },
			`telegram.webhook.secret: must be 1 to 256 characters of A-Z, a-z, 0-9, _ and -`},
		{"zero organiser", func(c *Config) { c.Organisers = []int64{0} },
			`organisers[0]: must be a Telegram user id (a positive number), got 0`},
		{"aim", func(c *Config) {
			c.Aim = Aim{Text: "Sport for girls", Options: []string{"sport"}, Words: []string{"Netball"}}
		}, ""},
		{"aim with text alone", func(c *Config) { c.Aim.Text = "Sport for girls" }, ""},
		{"aim without text", func(c *Config) { c.Aim = Aim{Text: "  ", Words: []string{"netball"}} },
			`aim.text: must say what the aim is when aim.options or aim.words are set`},
		{"aim too long", func(c *Config) { c.Aim.Text = strings.Repeat("é", 201) },
			`aim.text: must be at most 200 characters, got 201`},
		{"aim option a label", func(c *Config) { c.Aim = Aim{Text: "Sport", Options: []string{"sport", "Team sports"}} },
			`aim.options[1]: must be an option id as the flows write it (lower-case letters, digits and _), got "Team sports"`},
		{"aim option twice", func(c *Config) { c.Aim = Aim{Text: "Sport", Options: []string{"sport", "dance", "sport"}} },
			`aim.options[2]: "sport" is already aim.options[0]`},
		{"aim word empty or repeated", func(c *Config) { c.Aim = Aim{Text: "Sport", Words: []string{"Netball", " ", "netball "}} },
			"aim.words[1]: must not be empty\naim.words[2]: \"netball \" is already aim.words[0]"},
		{"areas", func(c *Config) { c.Areas = []Area{{"LS6", 53.82, -1.58}, {"Headingley", -90, 180}} }, ""},
		{"area unnamed", func(c *Config) { c.Areas = []Area{{" ", 0, 0}} }, `areas[0].name: must not be empty`},
		{"area named twice", func(c *Config) { c.Areas = []Area{{"LS6", 0, 0}, {"x", 0, 0}, {" ls6", 1, 1}} },
			`areas[2].name: " ls6" is already areas[0]; names must differ (ignoring case)`},
		{"area off the globe", func(c *Config) { c.Areas = []Area{{"Up", 90.5, -180.1}} },
			"areas[0].lat: must be a latitude from -90 to 90, got 90.5\nareas[0].lon: must be a longitude from -180 to 180, got -180.1"},
		{"area NaN", func(c *Config) { c.Areas = []Area{{"Nowhere", nanValue(), 0}} },
			`areas[0].lat: must be a latitude from -90 to 90, got NaN`},
		{"retention a day", func(c *Config) { c.Privacy.StaleRetention = 24 * time.Hour }, ""},
		{"retention unset", func(c *Config) { c.Privacy = Privacy{RetentionSchedule: "@hourly", MinAge: defaultMinAge} },
			"privacy.unfinished_retention: must be at least 1d (it cannot be turned off; set a long period instead), got 0s\n" +
				"privacy.stale_retention: must be at least 1d (it cannot be turned off; set a long period instead), got 0s"},
		{"retention after nudges off", func(c *Config) { c.Reminders.MaxNudges = 0; c.Privacy.UnfinishedRetention = 24 * time.Hour }, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := Default()
			tt.change(&c)
			err := c.Validate()
			var got string
			if err != nil {
				got = err.Error()
			}
			if got != tt.want {
				t.Errorf("got %q; want %q", got, tt.want)
			}
		})
	}
}

// nanValue hides a NaN from the compiler's constant folding.
func nanValue() float64 {
	zero := 0.0
	return zero / zero
}

func TestLoad(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	t.Setenv("TELEGRAM_BOT_TOKEN", "env-token")

	t.Run("default path absent", func(t *testing.T) {
		got, err := Load("")
		if err != nil {
			t.Fatalf("Load: %v", err)
		}
		want := Default()
		want.Telegram.Token = "env-token"
		if !reflect.DeepEqual(got, want) {
			t.Errorf("got %+v; want %+v", got, want)
		}
	})
	t.Run("explicit path absent", func(t *testing.T) {
		_, err := Load("missing.yaml")
		if !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("got %v; want an error wrapping fs.ErrNotExist", err)
		}
	})
	t.Run("default path present", func(t *testing.T) {
		if err := os.WriteFile(filepath.Join(dir, "config.yaml"), []byte("log: {level: debug}\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		got, err := Load("")
		if err != nil {
			t.Fatalf("Load: %v", err)
		}
		if got.Log.Level != "debug" || got.Telegram.Token != "env-token" {
			t.Errorf("got level %q and token %q; want debug and env-token", got.Log.Level, got.Telegram.Token)
		}
	})
	t.Run("explicit path names the file in errors", func(t *testing.T) {
		path := filepath.Join(dir, "bad.yaml")
		if err := os.WriteFile(path, []byte("log:\n  level: loud\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		_, err := Load(path)
		want := path + `:2: log.level: must be "debug", "info", "warn" or "error", got "loud"`
		if err == nil || err.Error() != want {
			t.Errorf("got %v; want %s", err, want)
		}
	})
	t.Run("unreadable path", func(t *testing.T) {
		_, err := Load(dir)
		if err == nil {
			t.Error("got no error loading a directory; want one")
		}
	})
}

func TestLocation(t *testing.T) {
	tests := []struct {
		tz   string
		want string
	}{
		{"Europe/London", "Europe/London"},
		{"UTC", "UTC"},
		{"Nowhere/Special", "UTC"},
	}
	for _, tt := range tests {
		t.Run(tt.tz, func(t *testing.T) {
			c := Default()
			c.Timezone = tt.tz
			if got := c.Location().String(); got != tt.want {
				t.Errorf("got %s; want %s", got, tt.want)
			}
		})
	}
}

func TestSlogLevel(t *testing.T) {
	tests := []struct {
		level string
		want  slog.Level
	}{
		{"debug", slog.LevelDebug},
		{"info", slog.LevelInfo},
		{"warn", slog.LevelWarn},
		{"error", slog.LevelError},
		{"", slog.LevelInfo},
	}
	for _, tt := range tests {
		t.Run(tt.level, func(t *testing.T) {
			c := Default()
			c.Log.Level = tt.level
			if got := c.SlogLevel(); got != tt.want {
				t.Errorf("got %v; want %v", got, tt.want)
			}
		})
	}
}

func TestListenOnAnyPort(t *testing.T) {
	cfg, err := Parse("config.yaml", []byte("http:\n  listen: 127.0.0.1:0\n"))
	if err != nil || cfg.HTTP.Listen != "127.0.0.1:0" {
		t.Errorf("got %q, %v; want port 0 (any free port) accepted", cfg.HTTP.Listen, err)
	}
	if _, err := Parse("config.yaml", []byte("http:\n  listen: 127.0.0.1:-1\n")); err == nil {
		t.Error("port -1 accepted")
	}
}

func TestParseDuration(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"24h", 24 * time.Hour, true},
		{"90m", 90 * time.Minute, true},
		{"180d", 180 * 24 * time.Hour, true},
		{"1d12h", 36 * time.Hour, true},
		{"0d", 0, true},
		{"2s", 2 * time.Second, true},
		{"1.5d", 0, false},
		{"-1d", 0, false},
		{"d", 0, false},
		{"10d-5h", 0, false},
		{"3days", 0, false},
		{"99999999d", 0, false},
		{"", 0, false},
	} {
		got, err := parseDuration(tc.in)
		if (err == nil) != tc.ok || got != tc.want {
			t.Errorf("parseDuration(%q) = %v, %v; want %v (ok %v)", tc.in, got, err, tc.want, tc.ok)
		}
	}
}
