package loadtest

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/assetbot/assetbot/bot/fakeapi"
	"github.com/assetbot/assetbot/internal/config"
)

func TestParseStatCPU(t *testing.T) {
	tests := []struct {
		name    string
		stat    string
		want    int64
		wantErr bool
	}{
		{"plain", "42 (assetbot) S 1 42 42 0 -1 4194560 100 0 0 0 150 25 0 0 20 0 8 0 100 0 0", 175, false},
		{"name with spaces and parens", "42 (a (b) c) R 1 42 42 0 -1 0 0 0 0 0 7 3 0 0", 10, false},
		{"no name", "42 assetbot S 1", 0, true},
		{"truncated", "42 (x) S 1 2", 0, true},
		{"not a number", "42 (x) S 1 42 42 0 -1 0 0 0 0 0 u s 0 0", 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseStatCPU([]byte(tt.stat))
			if got != tt.want || (err != nil) != tt.wantErr {
				t.Errorf("got %d, %v; want %d, error %v", got, err, tt.want, tt.wantErr)
			}
		})
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", os.Getpid()))
	if err != nil {
		t.Skip("no /proc:", err)
	}
	if _, err := parseStatCPU(b); err != nil {
		t.Errorf("got %v for this process; want none", err)
	}
}

func TestParseHWM(t *testing.T) {
	tests := []struct {
		name    string
		status  string
		want    int64
		wantErr bool
	}{
		{"present", "Name:\tassetbot\nVmPeak:\t  900 kB\nVmHWM:\t   12345 kB\nVmRSS:\t 100 kB\n", 12345 * 1024, false},
		{"missing", "Name:\tx\n", 0, true},
		{"bad unit", "VmHWM:\t12 MB\n", 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseHWM([]byte(tt.status))
			if got != tt.want || (err != nil) != tt.wantErr {
				t.Errorf("got %d, %v; want %d, error %v", got, err, tt.want, tt.wantErr)
			}
		})
	}
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Skip("no /proc:", err)
	}
	if got, err := parseHWM(b); err != nil || got <= 0 {
		t.Errorf("got %d, %v for this process; want a size", got, err)
	}
}

func TestPercentile(t *testing.T) {
	var samples []time.Duration
	for i := 1; i <= 100; i++ {
		samples = append(samples, time.Duration(i)*time.Millisecond)
	}
	tests := []struct {
		name    string
		samples []time.Duration
		p       float64
		want    time.Duration
	}{
		{"empty", nil, 0.5, 0},
		{"one", []time.Duration{time.Second}, 0.99, time.Second},
		{"median", samples, 0.5, 50 * time.Millisecond},
		{"p99", samples, 0.99, 99 * time.Millisecond},
		{"max", samples, 1, 100 * time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := percentile(tt.samples, tt.p); got != tt.want {
				t.Errorf("got %v; want %v", got, tt.want)
			}
		})
	}
}

func TestMeasure(t *testing.T) {
	r := Report{Window: 2 * time.Second}
	before := fakeapi.Stats{Sent: 10, Edited: 5, TooManyRequests: 1}
	after := fakeapi.Stats{Sent: 110, Edited: 25, TooManyRequests: 4}
	lat := []time.Duration{3 * time.Millisecond, time.Millisecond, 2 * time.Millisecond, 4 * time.Millisecond}
	r.measure(before, after, 40*time.Millisecond, lat)
	want := Report{Window: 2 * time.Second, Inputs: 4, InputsPerSec: 2, Messages: 120, MessagesPerSec: 60,
		TooManyRequests: 3, LatencyP50: 2 * time.Millisecond, LatencyP99: 4 * time.Millisecond,
		CPU: 40 * time.Millisecond, CPUPerInput: 10 * time.Millisecond}
	if r != want {
		t.Errorf("got %+v; want %+v", r, want)
	}
	out := r.String()
	for _, line := range []string{"inputs answered", "120", "60.0/s", "input→reply p99", "4ms", "10ms/input", "duplicates"} {
		if !strings.Contains(out, line) {
			t.Errorf("got report\n%s\nwant it to contain %q", out, line)
		}
	}
}

// TestWriteConfig checks the generated file is a valid assetbot config.
func TestWriteConfig(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "load.yaml")
	opts := Options{BotSendRate: 0, BotPerChatRate: 2.5}
	if err := writeConfig(path, filepath.Join(dir, "load.db"), "http://127.0.0.1:1234", opts); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	c, err := config.Parse(path, data)
	if err != nil {
		t.Fatalf("got %v; want a valid config:\n%s", err, data)
	}
	tg := c.Telegram
	if c.Database.Path != filepath.Join(dir, "load.db") || tg.Token != token || tg.APIEndpoint != "http://127.0.0.1:1234" ||
		tg.PollTimeout != time.Second || tg.Send.Rate != 0 || tg.Send.PerChatRate != 2.5 || tg.Send.PerChatBurst != 3 ||
		tg.Send.Workers != 96 || c.Log.Level != "warn" || c.HTTP.Listen != "" {
		t.Errorf("got %+v; want the load test settings", c)
	}
}
