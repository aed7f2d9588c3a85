package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/assetbot/assetbot/bot/loadtest"
)

func TestParseFlags(t *testing.T) {
	defaults := loadtest.Options{Residents: 200, Duration: 20 * time.Second, Warmup: 3 * time.Second,
		PerChatBurst: defaultPerChatBurst, UniqueButtons: true}
	tests := []struct {
		name       string
		args       []string
		want       loadtest.Options
		wantConfig string
		wantErr    error
		wantStderr string
	}{
		{name: "defaults", want: defaults},
		{name: "Telegram's limits with kills", args: []string{"--residents", "100", "--duration", "30s", "--warmup", "2s",
			"--rate", "30", "--per-chat-rate", "1", "--fake-rate", "30", "--fake-per-chat-rate", "1", "--fake-per-chat-burst", "4",
			"--kill-every", "3s", "--max-duplicates", "3", "--binary", "/opt/assetbot", "--dir", "/tmp/lt", "--config", "c.yaml", "--backup-every", "2s"},
			want: loadtest.Options{Binary: "/opt/assetbot", Residents: 100, Duration: 30 * time.Second, Warmup: 2 * time.Second,
				GlobalRate: 30, PerChatRate: 1, PerChatBurst: 4, BotSendRate: 30, BotPerChatRate: 1, KillEvery: 3 * time.Second,
				Dir: "/tmp/lt", MaxDuplicates: 3, UniqueButtons: true, BackupEvery: 2 * time.Second},
			wantConfig: "c.yaml"},
		{name: "unknown flag", args: []string{"--nope"}, wantErr: errUsage, wantStderr: "flag provided but not defined: -nope"},
		{name: "bad duration", args: []string{"--duration", "soon"}, wantErr: errUsage, wantStderr: `invalid value "soon"`},
		{name: "an argument", args: []string{"200"}, wantErr: errUsage, wantStderr: `unexpected argument "200"`},
		{name: "help", args: []string{"-h"}, wantErr: flag.ErrHelp, wantStderr: "-kill-every"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stderr bytes.Buffer
			got, config, err := parseFlags(tt.args, &stderr)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("err = %v; want %v (stderr %q)", err, tt.wantErr, stderr.String())
			}
			if !strings.Contains(stderr.String(), tt.wantStderr) {
				t.Errorf("stderr = %q; want it to contain %q", stderr.String(), tt.wantStderr)
			}
			if err != nil {
				return
			}
			if got != tt.want || config != tt.wantConfig {
				t.Errorf("got %+v, config %q; want %+v, config %q", got, config, tt.want, tt.wantConfig)
			}
		})
	}
}

func TestRunWithoutBotBinary(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name string
		args []string
		want string
	}{
		// The test binary's folder holds no assetbot.
		{"default", nil, filepath.Join(mustExecutableDir(t), botName)},
		{"missing", []string{"--binary", filepath.Join(dir, "nope")}, filepath.Join(dir, "nope")},
		{"a folder", []string{"--binary", dir}, dir},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			err := run(context.Background(), tt.args, &stdout, &stderr)
			if err == nil || !strings.Contains(err.Error(), "no assetbot binary to test at "+tt.want) ||
				!strings.Contains(err.Error(), "go build -o DIR ./cmd/...") || !strings.Contains(err.Error(), "--binary PATH") {
				t.Errorf("got %v; want an error naming %s and how to build it", err, tt.want)
			}
			if stdout.Len() != 0 {
				t.Errorf("stdout = %q; want no report", stdout.String())
			}
		})
	}
}

func TestRunHelp(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if err := run(context.Background(), []string{"--help"}, &stdout, &stderr); err != nil {
		t.Errorf("got %v; want none for --help", err)
	}
	if !strings.Contains(stderr.String(), "-binary") {
		t.Errorf("stderr = %q; want the flags", stderr.String())
	}
}

func mustExecutableDir(t *testing.T) string {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(filepath.Dir(exe), botName)); err == nil {
		t.Skip("an assetbot binary sits beside the test binary")
	}
	return filepath.Dir(exe)
}
