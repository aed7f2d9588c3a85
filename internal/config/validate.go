package config

import (
	"fmt"
	"math"
	"net"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/assetbot/assetbot/internal/schedule"
)

// officialEndpoint is Telegram's own Bot API, which only delivers webhooks
// over https.
const officialEndpoint = "https://api.telegram.org"

// botUsername is what Telegram allows as a bot's username.
var botUsername = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_]{4,31}$`)

// maxPollTimeout bounds telegram.poll_timeout: a longer poll only delays
// noticing a dead connection.
const maxPollTimeout = 10 * time.Minute

// Validate checks that every value is in range and that the values agree
// with each other. The error names the key of each problem, one per line.
func (c Config) Validate() error {
	var v checker
	c.check(&v)
	return joinProblems(v.problems, c.Telegram.Token, c.Telegram.Webhook.Secret)
}

// checker collects validation problems. Parse fills name and lines so that
// problems point into the file; Validate leaves them empty.
type checker struct {
	name     string
	lines    map[string]int
	problems []problem
}

func (v *checker) addf(key, format string, args ...any) {
	v.addAtf(key, key, format, args...)
}

// addAtf records a problem with key placed at the line of the key at, for
// a problem caused by another setting (a webhook URL is missing because
// the mode is "webhook").
func (v *checker) addAtf(at, key, format string, args ...any) {
	v.problems = append(v.problems, problem{name: v.name, line: v.line(at), key: key, msg: fmt.Sprintf(format, args...)})
}

// line returns the line where the file sets key or, failing that, the
// nearest enclosing key; 0 if none is in the file.
func (v *checker) line(key string) int {
	for key != "" {
		if l, ok := v.lines[key]; ok {
			return l
		}
		key = key[:max(strings.LastIndexAny(key, ".["), 0)]
	}
	return 0
}

func (c Config) check(v *checker) {
	if c.Database.Path == "" {
		v.addf("database.path", "must not be empty")
	}
	if c.Timezone == "" {
		v.addf("timezone", `must name a timezone such as "Europe/London"`)
	} else if _, err := time.LoadLocation(c.Timezone); err != nil {
		v.addf("timezone", `unknown timezone %s (want a name such as "Europe/London")`, quote(c.Timezone))
	}
	for i, id := range c.Organisers {
		if id <= 0 {
			v.addf("organisers["+strconv.Itoa(i)+"]", "must be a Telegram user id (a positive number), got %d", id)
		}
	}
	c.Telegram.check(v)
	switch c.Log.Level {
	case "debug", "info", "warn", "error":
	default:
		v.addf("log.level", `must be "debug", "info", "warn" or "error", got %s`, quote(c.Log.Level))
	}
	switch c.Log.Format {
	case "text", "json":
	default:
		v.addf("log.format", `must be "text" or "json", got %s`, quote(c.Log.Format))
	}
	if c.HTTP.Listen != "" {
		checkListen(v, "http.listen", c.HTTP.Listen)
	}
	c.Reminders.check(v)
	c.Aim.check(v)
	checkAreas(v, c.Areas)
	c.Digest.check(v)
	c.Privacy.check(v, c.Reminders)
}

// minRetention is the shortest retention period: anything shorter is a
// mistake (a missing "d"), and would delete people mid-conversation.
const minRetention = day

func (p Privacy) check(v *checker, r Reminders) {
	for _, k := range []struct {
		key string
		d   time.Duration
	}{{"privacy.unfinished_retention", p.UnfinishedRetention}, {"privacy.stale_retention", p.StaleRetention}} {
		if k.d < minRetention {
			v.addf(k.key, "must be at least 1d (it cannot be turned off; set a long period instead), got %s", k.d)
		}
	}
	// People are nudged to finish before they are deleted for not
	// finishing.
	if nudges := r.NudgeAfter * time.Duration(max(r.MaxNudges, 0)); p.UnfinishedRetention >= minRetention && p.UnfinishedRetention <= nudges {
		v.addf("privacy.unfinished_retention", "must be longer than the nudges take (reminders.nudge_after x reminders.max_nudges = %s), got %s", nudges, p.UnfinishedRetention)
	}
	if err := schedule.Parse(p.RetentionSchedule); err != nil {
		v.addf("privacy.retention_schedule", `must be a cron spec such as "@hourly" or "30 3 * * *": %v`, err)
	}
	if p.MinAge < minMinAge || p.MinAge > maxMinAge {
		v.addf("privacy.min_age", "must be from %d (the youngest who may consent to an online service in the UK) to %d, got %d", minMinAge, maxMinAge, p.MinAge)
	}
}

// maxAimRunes bounds aim.text: one sentence, read at the top of a digest on
// a phone.
const maxAimRunes = 200

// optionID is what the flows allow as an option id.
var optionID = regexp.MustCompile(`^[a-z][a-z0-9_]{0,31}$`)

func (a Aim) check(v *checker) {
	text := strings.TrimSpace(a.Text)
	switch {
	case text == "" && (len(a.Options) > 0 || len(a.Words) > 0):
		v.addf("aim.text", "must say what the aim is when aim.options or aim.words are set")
	case utf8.RuneCountInString(text) > maxAimRunes:
		v.addf("aim.text", "must be at most %d characters, got %d", maxAimRunes, utf8.RuneCountInString(text))
	}
	checkAimList(v, "aim.options", a.Options, func(o string) string {
		if !optionID.MatchString(o) {
			return "must be an option id as the flows write it (lower-case letters, digits and _), got " + quote(o)
		}
		return ""
	})
	checkAimList(v, "aim.words", a.Words, func(w string) string {
		if strings.TrimSpace(w) == "" {
			return "must not be empty"
		}
		return ""
	})
}

// checkAimList checks each entry of the list at key with bad (which says
// what is wrong, or "") and that no entry repeats another, ignoring case.
func checkAimList(v *checker, key string, list []string, bad func(string) string) {
	seen := make(map[string]int, len(list))
	for i, s := range list {
		at := key + "[" + strconv.Itoa(i) + "]"
		if msg := bad(s); msg != "" {
			v.addf(at, "%s", msg)
			continue
		}
		norm := strings.ToLower(strings.TrimSpace(s))
		if j, ok := seen[norm]; ok {
			v.addf(at, "%s is already %s[%d]", quote(s), key, j)
			continue
		}
		seen[norm] = i
	}
}

// The bounds of WGS 84 decimal degrees.
const (
	maxLat = 90
	maxLon = 180
)

// checkAreas checks each area has a name no other has (ignoring case, as
// residents' answers are matched) and a point on the globe.
func checkAreas(v *checker, areas []Area) {
	seen := make(map[string]int, len(areas))
	for i, a := range areas {
		key := "areas[" + strconv.Itoa(i) + "]"
		name := strings.ToLower(strings.TrimSpace(a.Name))
		if name == "" {
			v.addf(key+".name", "must not be empty")
		} else if j, ok := seen[name]; ok {
			v.addf(key+".name", "%s is already areas[%d]; names must differ (ignoring case)", quote(a.Name), j)
		} else {
			seen[name] = i
		}
		if !(math.Abs(a.Lat) <= maxLat) {
			v.addf(key+".lat", "must be a latitude from -90 to 90, got %v", a.Lat)
		}
		if !(math.Abs(a.Lon) <= maxLon) {
			v.addf(key+".lon", "must be a longitude from -180 to 180, got %v", a.Lon)
		}
	}
}

func (r Reminders) check(v *checker) {
	if err := schedule.Parse(r.CheckEvery); err != nil {
		v.addf("reminders.check_every", `must be a cron spec such as "@every 5m" or "*/5 * * * *": %v`, err)
	}
	if r.NudgeAfter < time.Second {
		v.addf("reminders.nudge_after", "must be at least 1s, got %s", r.NudgeAfter)
	}
	if r.MaxNudges < 0 {
		v.addf("reminders.max_nudges", "must be 0 (no nudges) or more, got %d", r.MaxNudges)
	}
	if r.RefreshAfter < 0 {
		v.addf("reminders.refresh_after", "must be 0 (no refreshes) or more, got %s", r.RefreshAfter)
	}
	if r.StaleAfter < time.Second {
		v.addf("reminders.stale_after", "must be at least 1s, got %s", r.StaleAfter)
	}
	if _, err := schedule.ParseQuietHours(r.QuietHours); err != nil {
		v.addf("reminders.quiet_hours", "%v", err)
	}
	if r.DailyCap < 1 {
		v.addf("reminders.daily_cap", "must be at least 1, got %d", r.DailyCap)
	}
	if r.Rate <= 0 || math.IsInf(r.Rate, 0) {
		v.addf("reminders.rate", "must be above 0, got %v", r.Rate)
	}
}

func (d Digest) check(v *checker) {
	if err := schedule.Parse(d.Schedule); err != nil {
		v.addf("digest.schedule", `must be a cron spec such as "0 9 * * 1" (Monday at 09:00): %v`, err)
	}
}

func (t Telegram) check(v *checker) {
	if !isBaseURL(t.APIEndpoint) {
		v.addf("telegram.api_endpoint", `must be an http or https URL with no path, such as %q, got %s`, officialEndpoint, quote(t.APIEndpoint))
	}
	if t.Username != "" && !botUsername.MatchString(t.Username) {
		v.addf("telegram.username", "must be a bot username of 5 to 32 characters of A-Z, a-z, 0-9 and _, without the @, got %s", quote(t.Username))
	}
	webhook := t.Mode == "webhook"
	if t.Mode != "polling" && !webhook {
		v.addf("telegram.mode", `must be "polling" or "webhook", got %s`, quote(t.Mode))
	}
	if t.PollTimeout < 0 || t.PollTimeout > maxPollTimeout {
		v.addf("telegram.poll_timeout", "must be between 0s and 10m, got %s", t.PollTimeout)
	}

	w := t.Webhook
	switch {
	case w.Listen != "":
		checkListen(v, "telegram.webhook.listen", w.Listen)
	case webhook:
		v.addAtf("telegram.mode", "telegram.webhook.listen", `required when telegram.mode is "webhook"`)
	}
	switch {
	case w.URL != "":
		checkWebhookURL(v, w.URL, strings.TrimSuffix(t.APIEndpoint, "/") == officialEndpoint)
	case webhook:
		v.addAtf("telegram.mode", "telegram.webhook.url", `required when telegram.mode is "webhook"`)
	}
	switch {
	case w.Secret != "":
		if !isSecretToken(w.Secret) {
			v.addf("telegram.webhook.secret", "must be 1 to 256 characters of A-Z, a-z, 0-9, _ and -")
		}
	case webhook && !w.InsecureNoSecret:
		v.addAtf("telegram.mode", "telegram.webhook.secret",
			`required when telegram.mode is "webhook" (insecure_no_secret: true is only for emulators that send no secret)`)
	}

	s := t.Send
	checkRate(v, "telegram.send.rate", s.Rate)
	checkRate(v, "telegram.send.per_chat_rate", s.PerChatRate)
	if s.PerChatBurst < 1 {
		v.addf("telegram.send.per_chat_burst", "must be at least 1, got %d", s.PerChatBurst)
	}
	if s.Workers < 1 || s.Workers > 256 {
		v.addf("telegram.send.workers", "must be between 1 and 256, got %d", s.Workers)
	}
	if s.MaxAttempts < 1 {
		v.addf("telegram.send.max_attempts", "must be at least 1, got %d", s.MaxAttempts)
	}
}

func checkRate(v *checker, key string, r float64) {
	if !(r >= 0) || math.IsInf(r, 0) {
		v.addf(key, "must be 0 (no limit) or a positive number, got %s", strconv.FormatFloat(r, 'g', -1, 64))
	}
}

// checkListen checks a listen address. Port 0 picks a free port, which the
// bot logs: useful for tests.
func checkListen(v *checker, key, addr string) {
	_, port, err := net.SplitHostPort(addr)
	if p, perr := strconv.Atoi(port); err != nil || perr != nil || p < 0 || p > 65535 {
		v.addf(key, `must be host:port such as ":8080" or "127.0.0.1:8080", got %s`, quote(addr))
	}
}

// checkWebhookURL checks the URL Telegram posts updates to. Telegram itself
// only posts to https; a local Bot API server or an emulator may use http.
func checkWebhookURL(v *checker, s string, official bool) {
	u, err := url.Parse(s)
	ok := err == nil && u.Hostname() != "" && u.User == nil && !strings.Contains(s, "#")
	if official {
		if !ok || u.Scheme != "https" {
			v.addf("telegram.webhook.url", "must be an https URL, got %s", quote(s))
		}
		return
	}
	if !ok || (u.Scheme != "https" && u.Scheme != "http") {
		v.addf("telegram.webhook.url", "must be an http or https URL, got %s", quote(s))
	}
}

// isBaseURL reports whether s is an http(s) URL that paths such as
// "/bot<token>/getMe" can be appended to.
func isBaseURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Hostname() != "" &&
		u.User == nil && (u.Path == "" || u.Path == "/") && !strings.ContainsAny(s, "?#")
}

// isSecretToken reports whether s is a valid secret_token for setWebhook.
func isSecretToken(s string) bool {
	return len(s) <= 256 && isWord(s)
}
