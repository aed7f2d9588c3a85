package store

import (
	"testing"
	"time"
)

func TestSQLTimeScan(t *testing.T) {
	want := time.Date(2026, 3, 14, 9, 30, 1, 250e6, time.UTC)
	tests := []struct {
		name    string
		value   any
		wantErr bool
	}{
		{"text", "2026-03-14T09:30:01.250Z", false},
		{"bytes", []byte("2026-03-14T09:30:01.250Z"), false},
		{"as formatTime writes it", formatTime(want), false},
		{"another format", "2026-03-14 09:30:01", true},
		{"empty", "", true},
		{"NULL", nil, true},
		{"a number", int64(1773480601), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got time.Time
			err := (*sqlTime)(&got).Scan(tt.value)
			if (err != nil) != tt.wantErr {
				t.Fatalf("got error %v; want error %v", err, tt.wantErr)
			}
			if err == nil && !got.Equal(want) {
				t.Errorf("got %v; want %v", got, want)
			}
			if err != nil && !got.IsZero() {
				t.Errorf("got %v with the error; want the time untouched", got)
			}
		})
	}
}

func TestNullTimeScan(t *testing.T) {
	want := time.Date(2026, 3, 14, 9, 30, 1, 250e6, time.UTC)
	for _, tt := range []struct {
		name    string
		value   any
		want    time.Time
		wantErr bool
	}{
		{"NULL is the zero time", nil, time.Time{}, false},
		{"text", formatTime(want), want, false},
		{"another format", "2026-03-14 09:30:01", time.Time{}, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got := time.Unix(1, 0) // not zero, so that a NULL must clear it
			err := (*nullTime)(&got).Scan(tt.value)
			if (err != nil) != tt.wantErr || err == nil && !got.Equal(tt.want) {
				t.Errorf("got %v, %v; want %v (error %v)", got, err, tt.want, tt.wantErr)
			}
		})
	}
}
