package schedule

import (
	"testing"
	"time"
)

func TestParseQuietHours(t *testing.T) {
	for _, tc := range []struct {
		in, want string
		ok       bool
	}{
		{"21:00-09:00", "21:00-09:00", true},
		{" 22:30 - 07:15 ", "22:30-07:15", true},
		{"13:00-14:00", "13:00-14:00", true},
		{"", "", true},
		{"9-5", "", false},
		{"21:00", "", false},
		{"25:00-09:00", "", false},
		{"21:00-21:00", "", false},
		{"9pm-9am", "", false},
	} {
		q, err := ParseQuietHours(tc.in)
		if (err == nil) != tc.ok || q.String() != tc.want {
			t.Errorf("ParseQuietHours(%q) = %q, %v; want %q (ok %v)", tc.in, q.String(), err, tc.want, tc.ok)
		}
	}
}

func TestQuietHoursNext(t *testing.T) {
	london, err := time.LoadLocation("Europe/London")
	if err != nil {
		t.Fatal(err)
	}
	night, _ := ParseQuietHours("21:00-09:00")
	lunch, _ := ParseQuietHours("12:00-13:30")
	utc := func(s string) time.Time {
		t.Helper()
		v, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	for _, tc := range []struct {
		name string
		q    QuietHours
		at   string
		want string
	}{
		{"daytime goes at once", night, "2026-01-15T14:00:00Z", "2026-01-15T14:00:00Z"},
		{"just before the evening start", night, "2026-01-15T20:59:00Z", "2026-01-15T20:59:00Z"},
		{"evening waits for the morning", night, "2026-01-15T21:00:00Z", "2026-01-16T09:00:00Z"},
		{"after midnight waits for the same morning", night, "2026-01-16T03:00:00Z", "2026-01-16T09:00:00Z"},
		{"the end of the quiet hours goes", night, "2026-01-16T09:00:00Z", "2026-01-16T09:00:00Z"},
		{"summer time: 21:30 BST is quiet", night, "2026-07-01T20:30:00Z", "2026-07-02T08:00:00Z"},
		{"summer time: 08:30 UTC is 09:30 BST", night, "2026-07-02T08:30:00Z", "2026-07-02T08:30:00Z"},
		{"clocks go forward overnight: 09:00 BST", night, "2026-03-28T22:00:00Z", "2026-03-29T08:00:00Z"},
		{"clocks go back overnight: 09:00 GMT", night, "2026-10-24T22:00:00Z", "2026-10-25T09:00:00Z"},
		{"inside the repeated hour of the change", night, "2026-10-25T01:30:00Z", "2026-10-25T09:00:00Z"},
		{"a span within the day", lunch, "2026-01-15T12:45:00Z", "2026-01-15T13:30:00Z"},
		{"before a span within the day", lunch, "2026-01-15T11:59:00Z", "2026-01-15T11:59:00Z"},
		{"none", QuietHours{}, "2026-01-15T23:00:00Z", "2026-01-15T23:00:00Z"},
	} {
		got := tc.q.Next(utc(tc.at), london)
		if want := utc(tc.want); !got.Equal(want) {
			t.Errorf("%s: Next(%s) = %s; want %s", tc.name, tc.at, got.UTC().Format(time.RFC3339), tc.want)
		}
	}
}

func TestQuietHoursUntil(t *testing.T) {
	london, _ := time.LoadLocation("Europe/London")
	night, _ := ParseQuietHours("21:00-09:00")
	for _, tc := range []struct {
		q    QuietHours
		at   time.Time
		want time.Duration
	}{
		{night, time.Date(2026, 1, 15, 20, 0, 0, 0, time.UTC), time.Hour},
		{night, time.Date(2026, 1, 15, 20, 59, 30, 0, time.UTC), 30 * time.Second},
		{night, time.Date(2026, 7, 15, 19, 0, 0, 0, time.UTC), time.Hour}, // 20:00 BST
		{night, time.Date(2026, 1, 15, 22, 0, 0, 0, time.UTC), 0},
		{night, time.Date(2026, 1, 15, 9, 0, 0, 0, time.UTC), 12 * time.Hour},
		{QuietHours{}, time.Date(2026, 1, 15, 22, 0, 0, 0, time.UTC), 24 * time.Hour},
	} {
		if got := tc.q.Until(tc.at, london); got != tc.want {
			t.Errorf("%q.Until(%s) = %v; want %v", tc.q, tc.at.Format(time.RFC3339), got, tc.want)
		}
	}
}
