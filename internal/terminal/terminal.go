// Package terminal runs a conversation in a terminal (`assetbot try`): the
// same flows, engine and storage as the Telegram bot, with prompts printed
// and answers read line by line, so it can also be scripted.
package terminal

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	"github.com/assetbot/assetbot/internal/conversation"
	"github.com/assetbot/assetbot/internal/flow"
	"github.com/assetbot/assetbot/internal/store"
)

// maxLine bounds one line of input; longer lines are cut.
const maxLine = 64 * 1024

// Session is one person talking in the terminal.
type Session struct {
	Store   *store.Store
	Service *conversation.Service
	User    conversation.Identity
	In      io.Reader
	Out     io.Writer
	// DataDir is the folder /mydata saves the person's data in; the
	// current folder when empty.
	DataDir string

	last conversation.Message // the question on screen
	lang string               // the language the person reads
}

// Run greets the person (as /start would) and then handles one line of
// input at a time until the input ends, /quit is typed or ctx is done.
func (s *Session) Run(ctx context.Context) error {
	if err := s.handle(ctx, conversation.Event{Kind: conversation.EventStart}); err != nil {
		return err
	}
	sc := bufio.NewScanner(s.In)
	sc.Buffer(make([]byte, 4096), maxLine)
	for {
		fmt.Fprint(s.Out, "> ")
		if !sc.Scan() {
			fmt.Fprintln(s.Out)
			if err := sc.Err(); err != nil {
				return fmt.Errorf("read input: %w", err)
			}
			return nil
		}
		line := sc.Text()
		if strings.TrimSpace(line) == "/quit" {
			return nil
		}
		if err := ctx.Err(); err != nil {
			return nil
		}
		if word, ok := commandWord(line); ok {
			if _, known := conversation.Command(word); !known {
				s.refuse(word)
				continue
			}
		}
		if err := s.handle(ctx, s.event(line)); err != nil {
			return err
		}
	}
}

var coordinates = regexp.MustCompile(`^\s*(-?\d{1,2}(?:\.\d+)?)\s*,\s*(-?\d{1,3}(?:\.\d+)?)\s*$`)

// commandWord returns the command a line starts with, as typed: as on
// Telegram, any line that starts with "/" is a command, never an answer.
func commandWord(line string) (string, bool) {
	line = strings.TrimSpace(line)
	if !strings.HasPrefix(line, "/") {
		return "", false
	}
	word, _, _ := strings.Cut(line, " ")
	return word, true
}

// refuse answers a command the conversation does not know: one the
// Telegram bot answers outside it is said to work there; any other gets
// the bot's reply to a command it does not know.
func (s *Session) refuse(word string) {
	msg := flow.MsgUnknownCommand
	if strings.EqualFold(word, conversation.NeighboursCommand) {
		msg = flow.MsgTermTelegram
	}
	fmt.Fprintf(s.Out, "%s\n\n", s.Service.Text(s.lang, msg, "command", word))
}

// event turns a typed line into an event.
func (s *Session) event(line string) conversation.Event {
	if word, ok := commandWord(line); ok {
		if ev, known := conversation.Command(word); known {
			return ev
		}
	}
	if strings.TrimSpace(line) == "" && s.last.Current != "" && s.last.Menu == "" {
		return conversation.Event{Kind: conversation.EventInput, Input: flow.Input{Kind: flow.InputKeep}}
	}
	if s.last.Type == flow.TypeLocation {
		if m := coordinates.FindStringSubmatch(line); m != nil {
			lat, _ := strconv.ParseFloat(m[1], 64)
			lon, _ := strconv.ParseFloat(m[2], 64)
			return conversation.Event{Kind: conversation.EventInput, Input: flow.Input{Kind: flow.InputLocation, Lat: lat, Lon: lon}}
		}
	}
	return conversation.Event{Kind: conversation.EventInput, Input: flow.Input{Kind: flow.InputText, Text: line}}
}

func (s *Session) handle(ctx context.Context, ev conversation.Event) error {
	var reply conversation.Reply
	err := s.Store.Update(ctx, func(tx *store.Tx) error {
		var err error
		reply, err = s.Service.Handle(tx, s.User, ev)
		return err
	})
	if err != nil {
		return fmt.Errorf("handle input: %w", err)
	}
	s.lang = reply.Person.Language
	for _, m := range reply.Messages {
		s.print(m, reply.Person.Language)
		if m.Question() {
			s.last = m
		}
	}
	if d := reply.Document; d != nil {
		path, err := s.save(d)
		if err != nil {
			return err
		}
		fmt.Fprintf(s.Out, "%s\n\n", s.Service.Text(reply.Person.Language, flow.MsgTermMyData, "path", path))
	}
	return nil
}

// save writes a document into DataDir, readable by its owner only (it
// holds a person's data), and returns its path. It appears whole or not
// at all.
func (s *Session) save(d *conversation.Document) (string, error) {
	dir := s.DataDir
	if dir == "" {
		dir = "."
	}
	path := filepath.Join(dir, d.Name)
	f, err := os.CreateTemp(dir, d.Name+".*")
	if err != nil {
		return "", fmt.Errorf("save %s: %w", path, err)
	}
	_, err = f.Write(d.Data)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.Name(), path)
	}
	if err != nil {
		os.Remove(f.Name())
		return "", fmt.Errorf("save %s: %w", path, err)
	}
	return path, nil
}

// print shows one message to a person who reads lang.
func (s *Session) print(m conversation.Message, lang string) {
	w := s.Out
	text := func(msg string, vars ...string) string { return s.Service.Text(lang, msg, vars...) }
	if m.Problem != "" {
		fmt.Fprintf(w, "! %s\n", m.Problem)
	}
	fmt.Fprintln(w, m.Text)
	if m.Hint != "" {
		fmt.Fprintf(w, "  (%s)\n", m.Hint)
	}
	for i, o := range m.Options {
		mark := ""
		if m.Type == flow.TypeMulti {
			mark = "[ ] "
			if o.Selected {
				mark = "[x] "
			}
		}
		fmt.Fprintf(w, "  %d. %s%s\n", i+1, mark, o.Label)
	}
	if !m.Question() {
		fmt.Fprintln(w)
		return
	}
	var notes []string
	switch m.Type {
	case flow.TypeMulti:
		notes = append(notes, text(flow.MsgTermMulti))
	case flow.TypeChoice, flow.TypeYesNo:
		notes = append(notes, text(flow.MsgTermChoice))
	case flow.TypeLocation:
		notes = append(notes, text(flow.MsgTermLocation))
	}
	if m.Current != "" && m.Menu == "" {
		notes = append(notes, text(flow.MsgTermKeep, "answer", strconv.Quote(m.Current)))
	}
	if m.CanBack {
		notes = append(notes, "/back")
	}
	if m.Optional {
		notes = append(notes, "/skip")
	}
	if m.Menu == "" {
		notes = append(notes, "/cancel")
	}
	fmt.Fprintf(w, "  [%s]\n", strings.Join(notes, " · "))
}
