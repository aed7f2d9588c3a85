package schedule

import (
	"fmt"
	"strings"
	"time"
)

// QuietHours is a daily span of local time in which nothing scheduled is
// sent: reminders wait for its end. The zero value has no quiet hours.
type QuietHours struct {
	from, to int // minutes after local midnight; from == to: none
	on       bool
}

const minutesPerDay = 24 * 60

// ParseQuietHours reads "HH:MM-HH:MM" in 24-hour local time; the span may
// cross midnight ("21:00-09:00"). "" means no quiet hours.
func ParseQuietHours(s string) (QuietHours, error) {
	if strings.TrimSpace(s) == "" {
		return QuietHours{}, nil
	}
	from, to, ok := strings.Cut(s, "-")
	if !ok {
		return QuietHours{}, fmt.Errorf(`want "HH:MM-HH:MM" such as "21:00-09:00", or "" for none; got %q`, s)
	}
	f, err := clockMinutes(from)
	if err != nil {
		return QuietHours{}, err
	}
	t, err := clockMinutes(to)
	if err != nil {
		return QuietHours{}, err
	}
	if f == t {
		return QuietHours{}, fmt.Errorf(`quiet hours %q start and end at the same time; use "" for none`, s)
	}
	return QuietHours{from: f, to: t, on: true}, nil
}

// clockMinutes reads "HH:MM" as minutes after midnight.
func clockMinutes(s string) (int, error) {
	t, err := time.Parse("15:04", strings.TrimSpace(s))
	if err != nil {
		return 0, fmt.Errorf("%q is not a time of day like 09:00", strings.TrimSpace(s))
	}
	return t.Hour()*60 + t.Minute(), nil
}

// String is the span as ParseQuietHours reads it.
func (q QuietHours) String() string {
	if !q.on {
		return ""
	}
	return fmt.Sprintf("%02d:%02d-%02d:%02d", q.from/60, q.from%60, q.to/60, q.to%60)
}

// Next returns t if t is outside the quiet hours in loc, or else the
// instant they end: the local clock time q ends at, on the right day, which
// daylight saving changes move in UTC but not on the clock.
func (q QuietHours) Next(t time.Time, loc *time.Location) time.Time {
	if !q.on {
		return t
	}
	local := t.In(loc)
	m := local.Hour()*60 + local.Minute()
	// Minutes since the quiet span began, modulo a day.
	into := (m - q.from + minutesPerDay) % minutesPerDay
	length := (q.to - q.from + minutesPerDay) % minutesPerDay
	if into >= length {
		return t
	}
	day := local
	if q.from > q.to && m >= q.from {
		day = local.AddDate(0, 0, 1) // the span ends tomorrow morning
	}
	return time.Date(day.Year(), day.Month(), day.Day(), q.to/60, q.to%60, 0, 0, loc)
}

// Until returns how long from t until the quiet hours next begin in loc:
// 0 inside them, and a day or more when there are none.
func (q QuietHours) Until(t time.Time, loc *time.Location) time.Duration {
	if !q.on {
		return minutesPerDay * time.Minute
	}
	if q.Next(t, loc) != t {
		return 0
	}
	local := t.In(loc)
	m := local.Hour()*60 + local.Minute()
	return time.Duration((q.from-m+minutesPerDay)%minutesPerDay)*time.Minute - time.Duration(local.Second())*time.Second
}
