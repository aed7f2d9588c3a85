package loadtest

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"testing"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
	"go.yaml.in/yaml/v3"
)

// stubEnv makes the test binary act as a tiny bot (stubBot) instead of
// running tests, so Run can be tested before the real bot exists.
const stubEnv = "ASSETBOT_LOADTEST_STUB_BOT"

// badBackupEnv makes the stub's backups write a file that is not a
// database.
const badBackupEnv = "ASSETBOT_LOADTEST_STUB_BAD_BACKUP"

func TestMain(m *testing.M) {
	if os.Getenv(stubEnv) == "1" {
		if len(os.Args) > 1 && os.Args[1] == "backup" {
			os.Exit(stubBackup(os.Args[2:]))
		}
		os.Exit(stubBot(os.Args[1:]))
	}
	os.Exit(m.Run())
}

// stubBackup is the stub's `backup --config FILE --force PATH`: it writes
// a small database to PATH, or, with badBackupEnv set, a file that is not
// one.
func stubBackup(args []string) int {
	if len(args) != 4 || args[0] != "--config" || args[2] != "--force" {
		fmt.Fprintln(os.Stderr, "usage: backup --config FILE --force PATH")
		return 2
	}
	path := args[3]
	if os.Getenv(badBackupEnv) == "1" {
		if err := os.WriteFile(path, []byte("not a database"), 0o600); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		return 0
	}
	os.Remove(path)
	db, err := sql.Open("sqlite3", "file:"+path)
	if err == nil {
		_, err = db.Exec(`CREATE TABLE people (id INTEGER PRIMARY KEY); INSERT INTO people DEFAULT VALUES`)
		db.Close()
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}

// stubBot is a minimal bot following the rendering conventions: a choice,
// a multi choice, a location, a number, a text, then the end. It keeps its
// state in memory and confirms updates only on the next poll, so a kill
// can make it resend (a duplicate) but never lose an input.
func stubBot(args []string) int {
	if len(args) != 3 || args[0] != "run" || args[1] != "--config" {
		fmt.Fprintln(os.Stderr, "usage: run --config FILE")
		return 2
	}
	data, err := os.ReadFile(args[2])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	var cfg botConfig
	if err := yaml.Unmarshal(data, &cfg); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	_ = tgbotapi.SetLogger(log.New(io.Discard, "", 0))
	bot, err := tgbotapi.NewBotAPIWithClient(cfg.Telegram.Token, cfg.Telegram.APIEndpoint+"/bot%s/%s",
		&http.Client{Timeout: 10 * time.Second})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM)
	defer stop()
	sb := &stub{bot: bot, last: make(map[int64]string)}
	offset := 0
	for ctx.Err() == nil {
		ups, err := bot.GetUpdates(tgbotapi.UpdateConfig{Offset: offset, Timeout: 1})
		if err != nil {
			time.Sleep(50 * time.Millisecond)
			continue
		}
		for _, u := range ups {
			sb.handle(u)
			offset = u.UpdateID + 1
		}
	}
	return 0
}

type stub struct {
	bot  *tgbotapi.BotAPI
	last map[int64]string // the last question asked in each chat
}

// do sends c, waiting out 429s.
func (s *stub) do(c tgbotapi.Chattable) {
	for {
		_, err := s.bot.Request(c)
		var apiErr *tgbotapi.Error
		if errors.As(err, &apiErr) && apiErr.RetryAfter > 0 {
			time.Sleep(time.Duration(apiErr.RetryAfter) * time.Second)
			continue
		}
		return
	}
}

func (s *stub) ask(chatID int64, step, text string, markup any) {
	m := tgbotapi.NewMessage(chatID, text)
	m.ReplyMarkup = markup
	s.last[chatID] = step
	s.do(m)
}

func multiKeyboard(ticked string) tgbotapi.InlineKeyboardMarkup {
	row := []tgbotapi.InlineKeyboardButton{}
	for _, opt := range []string{"garden", "drive"} {
		text := opt
		if opt == ticked {
			text = "✅ " + opt
		}
		row = append(row, tgbotapi.NewInlineKeyboardButtonData(text, "t:2:"+opt))
	}
	return tgbotapi.NewInlineKeyboardMarkup(row, tgbotapi.NewInlineKeyboardRow(
		tgbotapi.NewInlineKeyboardButtonData("Done", "d:2:"), tgbotapi.NewInlineKeyboardButtonData("Back", "b:2:")))
}

func (s *stub) handle(u tgbotapi.Update) {
	if cq := u.CallbackQuery; cq != nil {
		chatID, msgID := cq.Message.Chat.ID, cq.Message.MessageID
		s.do(tgbotapi.NewCallback(cq.ID, ""))
		switch {
		case strings.HasPrefix(cq.Data, "t:"):
			s.do(tgbotapi.NewEditMessageReplyMarkup(chatID, msgID, multiKeyboard(strings.TrimPrefix(cq.Data, "t:2:"))))
		case strings.HasPrefix(cq.Data, "o:"):
			s.do(tgbotapi.NewEditMessageText(chatID, msgID, "Do you volunteer? "+cq.Data))
			s.ask(chatID, "multi", "What can you help with?", multiKeyboard(""))
		case strings.HasPrefix(cq.Data, "d:"):
			s.do(tgbotapi.NewEditMessageText(chatID, msgID, "What can you help with? chosen"))
			s.ask(chatID, "location", "Where are you?", tgbotapi.NewOneTimeReplyKeyboard(
				tgbotapi.NewKeyboardButtonRow(tgbotapi.NewKeyboardButtonLocation("Send location"))))
		}
		return
	}
	m := u.Message
	if m == nil {
		return
	}
	chatID := m.Chat.ID
	switch {
	case m.IsCommand() && m.Command() == "start":
		s.ask(chatID, "choice", "Do you volunteer?", tgbotapi.NewInlineKeyboardMarkup(tgbotapi.NewInlineKeyboardRow(
			tgbotapi.NewInlineKeyboardButtonData("Yes", "o:1:yes"), tgbotapi.NewInlineKeyboardButtonData("No", "o:1:no"))))
	case m.Location != nil:
		s.ask(chatID, "", "Thanks.", tgbotapi.NewRemoveKeyboard(false))
		s.ask(chatID, "number", "How many hours a week?", tgbotapi.ForceReply{ForceReply: true, InputFieldPlaceholder: "A number"})
	case s.last[chatID] == "number":
		s.ask(chatID, "text", "What else?", tgbotapi.ForceReply{ForceReply: true, InputFieldPlaceholder: "Your answer"})
	default:
		s.ask(chatID, "", "All done, thank you!", nil)
	}
}

func runStub(t *testing.T, opts Options) (Report, error) {
	t.Helper()
	if testing.Short() {
		t.Skip("runs a bot process")
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv(stubEnv, "1")
	opts.Binary = exe
	opts.Dir = t.TempDir()
	var out strings.Builder
	opts.Out = &out
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	rep, err := Run(ctx, opts, slog.New(slog.NewTextHandler(io.Discard, nil)))
	t.Logf("report:\n%s", out.String())
	if out.String() != rep.String() {
		t.Errorf("got printed %q; want the report", out.String())
	}
	return rep, err
}

func TestRunStubBot(t *testing.T) {
	rep, err := runStub(t, Options{Residents: 20, Warmup: 300 * time.Millisecond, Duration: 1500 * time.Millisecond})
	if err != nil {
		t.Fatalf("got %v; want a passing run\n%s", err, tail(rep.Dir+"/bot.log", 2000))
	}
	if rep.Inputs == 0 || rep.Messages < rep.Inputs/2 || rep.LatencyP50 <= 0 || rep.LatencyP99 < rep.LatencyP50 ||
		rep.CPU <= 0 || rep.PeakRSS <= 0 || rep.Lost != 0 || rep.Duplicates != 0 || rep.Kills != 0 {
		t.Errorf("got %+v; want inputs, messages, latencies, CPU and RSS measured and nothing lost", rep)
	}
}

func TestRunStubBotKilled(t *testing.T) {
	rep, err := runStub(t, Options{Residents: 10, Warmup: 200 * time.Millisecond, Duration: 1500 * time.Millisecond,
		KillEvery: 400 * time.Millisecond, PerChatRate: 50, PerChatBurst: 5})
	// The stub may resend after a kill, but must never lose an input.
	if err != nil && (!errors.Is(err, ErrDuplicates) || errors.Is(err, ErrLost) || errors.Is(err, ErrStalled)) {
		t.Fatalf("got %v; want at most duplicates", err)
	}
	if errors.Is(err, ErrDuplicates) != (rep.Duplicates > 0) {
		t.Errorf("got error %v with %d duplicates; want them to agree", err, rep.Duplicates)
	}
	if rep.Kills < 2 || rep.Lost != 0 {
		t.Errorf("got %d kills, %d lost; want >= 2 kills and none lost", rep.Kills, rep.Lost)
	}
}

// TestRunStubBotBackups takes backups throughout a run: each is checked,
// and the report counts them.
func TestRunStubBotBackups(t *testing.T) {
	rep, err := runStub(t, Options{Residents: 5, Warmup: 200 * time.Millisecond, Duration: 1500 * time.Millisecond, BackupEvery: 200 * time.Millisecond})
	if err != nil {
		t.Fatalf("got %v; want a passing run", err)
	}
	if rep.Backups < 1 || !strings.Contains(rep.String(), fmt.Sprintf("backups taken and checked  %d", rep.Backups)) {
		t.Errorf("got %d backups, report:\n%s\nwant some, reported", rep.Backups, rep)
	}
}

// TestRunStubBotBadBackups fails a run whose backups are not databases.
func TestRunStubBotBadBackups(t *testing.T) {
	t.Setenv(badBackupEnv, "1")
	rep, err := runStub(t, Options{Residents: 5, Warmup: 200 * time.Millisecond, Duration: 1000 * time.Millisecond, BackupEvery: 200 * time.Millisecond})
	if !errors.Is(err, ErrBackup) || rep.Backups != 0 {
		t.Errorf("got %v with %d good backups; want ErrBackup and none", err, rep.Backups)
	}
}

func TestRunBadBinary(t *testing.T) {
	rep, err := Run(context.Background(), Options{Binary: "/nonexistent/assetbot", Residents: 1, Dir: t.TempDir()},
		slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err == nil || !strings.Contains(err.Error(), "start bot") {
		t.Errorf("got %v, %+v; want a start error", err, rep)
	}
}

func TestRunNoBinary(t *testing.T) {
	_, err := Run(context.Background(), Options{Residents: 1, Dir: t.TempDir()}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err == nil || !strings.Contains(err.Error(), "no assetbot binary") {
		t.Errorf("got %v; want an error asking for the binary", err)
	}
}
