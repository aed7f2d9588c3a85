package main

import (
	"context"
	"fmt"
	"time"

	"github.com/assetbot/assetbot/bot"
	"github.com/assetbot/assetbot/internal/config"
	"github.com/assetbot/assetbot/internal/digest"
	"github.com/assetbot/assetbot/internal/schedule"
	"github.com/assetbot/assetbot/internal/store"
)

// sinceLayout is how --since takes a date.
const sinceLayout = "2006-01-02"

// digestJobName names the digest's job in logs and on the command line.
const digestJobName = "digest"

// digestParams returns what the digest needs from the config and its flows.
func digestParams(cfg config.Config) (digest.Params, error) {
	fl, err := loadFlows(cfg)
	if err != nil {
		return digest.Params{}, err
	}
	resident, ok := fl[peopleFlow]
	if !ok {
		return digest.Params{}, fmt.Errorf("no flow %q, whose answers the digest counts", peopleFlow)
	}
	return digest.Params{Resident: resident, Aim: cfg.Aim, Location: cfg.Location()}, nil
}

// digester makes the digest of the week before now, text and chart, from st.
func digester(st *store.Store, p digest.Params) bot.Digester {
	return func(ctx context.Context, now time.Time, lang string) (string, []byte, error) {
		d, err := digest.Build(ctx, st, p, now.Add(-digest.Week), now)
		if err != nil {
			return "", nil, err
		}
		chart, err := digest.Chart(d, lang)
		if err != nil {
			return "", nil, err
		}
		return digest.Text(d, lang), chart, nil
	}
}

// digestJob sends the digest, on spec, to the organisers as organisers
// returns them at the time of the run (a reload may have changed them).
func digestJob(spec string, st *store.Store, d bot.Digester, organisers func() []int64) schedule.Job {
	return schedule.Job{Name: digestJobName, Spec: spec, Run: func(ctx context.Context, now time.Time) (string, error) {
		ids := organisers()
		if len(ids) == 0 {
			return "no organisers to send it to", nil
		}
		chats, err := bot.OrganiserChats(ctx, st, ids)
		if err != nil {
			return "", err
		}
		if err := bot.QueueDigest(ctx, st, d, now, chats); err != nil {
			return "", err
		}
		return fmt.Sprintf("queued to %d organisers", len(chats)), nil
	}}
}

// digest runs `assetbot digest`: the organisers' digest, printed.
func (e *environment) digest(ctx context.Context, args []string) error {
	fs := e.flagSet("digest")
	sinceText := fs.String("since", "", "from this date (YYYY-MM-DD, in the config's timezone; default: a week ago)")
	lang := fs.String("lang", "en", "the language to print it in")
	if err := parse(fs, args); err != nil {
		return err
	}
	cfg, err := e.config()
	if err != nil {
		return err
	}
	now := time.Now()
	since := now.Add(-digest.Week)
	if *sinceText != "" {
		if since, err = time.ParseInLocation(sinceLayout, *sinceText, cfg.Location()); err != nil || since.After(now) {
			fmt.Fprintf(e.stderr, "assetbot digest: --since takes a date not in the future, like %s; got %q\n", now.Add(-digest.Week).Format(sinceLayout), *sinceText)
			return errUsage
		}
	}
	p, err := digestParams(cfg)
	if err != nil {
		return err
	}
	st, err := store.Open(ctx, cfg.Database.Path)
	if err != nil {
		return err
	}
	defer st.Close()
	d, err := digest.Build(ctx, st, p, since, now)
	if err != nil {
		return err
	}
	_, err = fmt.Fprint(e.stdout, digest.Text(d, *lang))
	return err
}
