package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/assetbot/assetbot/internal/config"
	"github.com/assetbot/assetbot/internal/qrcard"
	"github.com/assetbot/assetbot/internal/referral"
	"github.com/assetbot/assetbot/internal/store"
)

const volunteerUsage = `usage:
  assetbot volunteer add NAME [--telegram-id ID]
                                   register a volunteer; prints their code and link. With their
                                   Telegram user id, /mystats shows them their results
  assetbot volunteer list          volunteers, their links and what they achieved
  assetbot volunteer pause CODE    their link still starts the bot but credits nobody
  assetbot volunteer resume CODE   their link credits them again
  assetbot volunteer remove CODE   as pause, for good; what they achieved stays counted
  assetbot volunteer qr CODE --out FILE.png     their link as a QR code
  assetbot volunteer card CODE --out FILE.png   a printable A6 doorstep card (300 dpi) with the QR code
(quote a NAME with spaces: assetbot volunteer add "Ann Jones")`

// errUnknownUsername says the bot's username, needed for links, is not known.
var errUnknownUsername = errors.New("the bot's username is not known: set telegram.username in the config or start the bot once")

// volunteerStatuses maps the commands that set a status to that status.
var volunteerStatuses = map[string]string{"pause": store.VolunteerPaused, "resume": store.VolunteerActive, "remove": store.VolunteerRemoved}

// volunteer runs `assetbot volunteer ...`.
func (e *environment) volunteer(ctx context.Context, args []string) error {
	if len(args) == 0 {
		fmt.Fprintln(e.stderr, volunteerUsage)
		return errUsage
	}
	sub, rest := args[0], args[1:]
	fs := e.flagSet("volunteer " + sub)
	out := fs.String("out", "", "the PNG file to write (qr and card)")
	telegramID := fs.Int64("telegram-id", 0, "the volunteer's own Telegram user id (add)")
	// CODE may come before the flags: "qr CODE --out FILE".
	var positional []string
	if len(rest) > 0 && !strings.HasPrefix(rest[0], "-") {
		positional, rest = rest[:1], rest[1:]
	}
	if err := fs.Parse(rest); err != nil {
		return errUsage
	}
	positional = append(positional, fs.Args()...)
	wantArgs := 1
	if sub == "list" {
		wantArgs = 0
	}
	image := sub == "qr" || sub == "card"
	status, setsStatus := volunteerStatuses[sub]
	if (sub != "add" && sub != "list" && !image && !setsStatus) || len(positional) != wantArgs || image != (*out != "") ||
		*telegramID < 0 || (sub != "add" && *telegramID != 0) {
		fmt.Fprintln(e.stderr, volunteerUsage)
		return errUsage
	}
	cfg, st, err := e.configAndStore(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	switch sub {
	case "add":
		return e.addVolunteer(ctx, cfg, st, positional[0], *telegramID)
	case "list":
		return e.listVolunteers(ctx, cfg, st)
	case "qr", "card":
		return e.volunteerImage(ctx, cfg, st, sub, positional[0], *out)
	}
	return e.setVolunteerStatus(ctx, st, positional[0], status)
}

// volunteerImage writes a volunteer's link as a QR code (what "qr") or a
// printable doorstep card ("card") to the PNG file out.
func (e *environment) volunteerImage(ctx context.Context, cfg config.Config, st *store.Store, what, code, out string) error {
	username, err := botUsername(ctx, cfg, st)
	if err != nil {
		return err
	}
	v, err := volunteerByCode(ctx, st, code, func(tx *store.Tx) (store.Volunteer, error) { return tx.Volunteer(code) })
	if err != nil {
		return err
	}
	link := referral.Link(username, v.Code)
	var png []byte
	if what == "qr" {
		png, err = qrcard.QR(link)
	} else {
		first, _, _ := strings.Cut(v.Name, " ")
		png, err = qrcard.Card{Link: link, BotName: username, Invitation: cfg.Volunteers.Invitation, FirstName: first}.PNG()
	}
	if err != nil {
		return fmt.Errorf("make the %s of %s: %w", what, v.Code, err)
	}
	if err := os.WriteFile(out, png, imageFileMode); err != nil {
		return fmt.Errorf("write %s: %w", out, err)
	}
	fmt.Fprintf(e.stdout, "wrote %s for %s (%s) to %s\n", what, v.Name, link, out)
	return nil
}

// imageFileMode is the mode of a written QR code or card: nothing private.
const imageFileMode = 0o644

func (e *environment) addVolunteer(ctx context.Context, cfg config.Config, st *store.Store, name string, telegramID int64) error {
	// Known first, so that nobody is added without a link to hand out.
	username, err := botUsername(ctx, cfg, st)
	if err != nil {
		return err
	}
	var v store.Volunteer
	err = st.Update(ctx, func(tx *store.Tx) (err error) {
		v, err = tx.AddVolunteer(name, referral.NewCode(referral.Volunteer))
		if err != nil || telegramID == 0 {
			return err
		}
		v, err = tx.SetVolunteerTelegram(v.Code, strconv.FormatInt(telegramID, 10))
		return err
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "added volunteer %s\ncode: %s\nlink: %s\n", v.Name, v.Code, referral.Link(username, v.Code))
	return nil
}

func (e *environment) listVolunteers(ctx context.Context, cfg config.Config, st *store.Store) error {
	username, err := botUsername(ctx, cfg, st)
	if err != nil && !errors.Is(err, errUnknownUsername) {
		return err
	}
	if err != nil {
		fmt.Fprintf(e.stderr, "no links shown: %v\n", err)
	}
	vs, err := st.Volunteers(ctx)
	if err != nil {
		return err
	}
	if len(vs) == 0 {
		fmt.Fprintln(e.stdout, "no volunteers yet: add one with `assetbot volunteer add NAME`")
		return nil
	}
	w := tabwriter.NewWriter(e.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(w, "CODE\tNAME\tSTATUS\tSTARTED\tFINISHED\tBROUGHT OTHERS\tLONGEST CHAIN\tLINK")
	for _, v := range vs {
		link := "-"
		if username != "" {
			link = referral.Link(username, v.Code)
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%d\t%d\t%d\t%d\t%s\n", v.Code, v.Name, v.Status, v.Started, v.Finished, v.BroughtOthers, v.LongestChain, link)
	}
	return w.Flush()
}

func (e *environment) setVolunteerStatus(ctx context.Context, st *store.Store, code, status string) error {
	v, err := volunteerByCode(ctx, st, code, func(tx *store.Tx) (store.Volunteer, error) { return tx.SetVolunteerStatus(code, status) })
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "volunteer %s (%s) is now %s\n", v.Name, v.Code, v.Status)
	return nil
}

// botUsername returns the bot's username: the config's, else the one the
// bot learned at its last start, else errUnknownUsername.
func botUsername(ctx context.Context, cfg config.Config, st *store.Store) (string, error) {
	if cfg.Telegram.Username != "" {
		return cfg.Telegram.Username, nil
	}
	name, err := st.BotUsername(ctx)
	if errors.Is(err, store.ErrNotFound) || (err == nil && name == "") {
		return "", errUnknownUsername
	}
	return name, err
}

// volunteerByCode runs fn, which finds (and may change) the volunteer
// with code, in a transaction; an unknown code is an error that says so.
func volunteerByCode(ctx context.Context, st *store.Store, code string, fn func(*store.Tx) (store.Volunteer, error)) (store.Volunteer, error) {
	var v store.Volunteer
	err := st.Update(ctx, func(tx *store.Tx) (err error) {
		v, err = fn(tx)
		return err
	})
	if errors.Is(err, store.ErrNotFound) {
		return v, fmt.Errorf("no volunteer has the code %s (see `assetbot volunteer list`)", strconv.Quote(code))
	}
	return v, err
}
