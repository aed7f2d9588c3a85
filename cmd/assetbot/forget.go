package main

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/assetbot/assetbot/internal/store"
)

const forgetUsage = `usage: assetbot forget TELEGRAM_USER_ID
  erases everything held about the resident with that Telegram user id (a
  number like 123456789, not a @username), as their own /delete would`

// forget runs `assetbot forget TELEGRAM_USER_ID`: an organiser erasing a
// resident who asked elsewhere (by email, in person). It is safe while the
// bot runs: the store waits for the bot's writes, and the bot's copies in
// memory go by the store.
func (e *environment) forget(ctx context.Context, args []string) error {
	fs := e.flagSet("forget")
	fs.Usage = func() { fmt.Fprintln(e.stderr, forgetUsage) }
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	if fs.NArg() != 1 {
		fmt.Fprintln(e.stderr, forgetUsage)
		return errUsage
	}
	arg := fs.Arg(0)
	if id, err := strconv.ParseInt(arg, 10, 64); err != nil || id <= 0 {
		fmt.Fprintf(e.stderr, "assetbot forget: %q is not a Telegram user id: give the number (like 123456789), not a @username or phone number\n", arg)
		return errUsage
	}
	cfg, fl, err := e.configAndFlows()
	if err != nil {
		return err
	}
	st, err := e.openStore(ctx, cfg, store.WithFlows(fl))
	if err != nil {
		return err
	}
	defer st.Close()
	var erased store.Erasure
	err = st.Update(ctx, func(tx *store.Tx) (err error) {
		erased, err = tx.EraseChannelUser("telegram", arg)
		return err
	})
	if errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("no one with Telegram user id %s is stored in %s: nothing erased. Check the number: it is their Telegram user id, not a username or phone number", arg, cfg.Database.Path)
	}
	if err != nil {
		return fmt.Errorf("forget Telegram user %s: %w", arg, err)
	}
	fmt.Fprint(e.stdout, erasureReport(arg, erased))
	// What was erased may still be in the WAL's frames until a checkpoint
	// empties it, which a running bot's readers may hold up a moment.
	for try := 1; ; try++ {
		err = st.Checkpoint(ctx)
		if err == nil || !errors.Is(err, store.ErrBusy) || try == forgetCheckpointTries {
			break
		}
		time.Sleep(forgetCheckpointWait)
	}
	if err != nil {
		fmt.Fprintf(e.stderr, "assetbot forget: the database's WAL could not be emptied now (%v); it empties when the bot next stops, and the bot's writes overwrite it meanwhile\n", err)
	}
	return nil
}

// forgetCheckpointTries and forgetCheckpointWait bound how long forget
// tries to empty the WAL beside a busy bot.
const (
	forgetCheckpointTries = 10
	forgetCheckpointWait  = 500 * time.Millisecond
)

// erasureReport says what was erased, for the organiser to confirm to the
// person who asked.
func erasureReport(userID string, e store.Erasure) string {
	s := fmt.Sprintf("Erased Telegram user %s:\n", userID)
	s += fmt.Sprintf("  deleted: %d answers (with their history), %d consents, %d reminders, %d introductions, %d queued messages, %d links\n",
		e.Answers, e.Consents, e.Reminders, e.Introductions, e.Messages, e.Links)
	s += fmt.Sprintf("  assets about them, taken off the map: %d; assets they added or changed, kept without their name or contact details: %d\n",
		e.AssetsRemoved, e.AssetsKept)
	s += fmt.Sprintf("  referrals kept in the counts, naming nobody: %d\n", e.Referrals)
	if e.Volunteer {
		s += "  their Telegram id is off the volunteer record that had it (the record stays; `assetbot volunteer remove CODE` if they asked for that too)\n"
	}
	return s
}
