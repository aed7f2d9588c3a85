package main

import (
	"context"
	"fmt"
	"time"

	"github.com/assetbot/assetbot/internal/digest"
	"github.com/assetbot/assetbot/internal/store"
)

// sinceLayout is how --since takes a date.
const sinceLayout = "2006-01-02"

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
	fl, err := loadFlows(cfg)
	if err != nil {
		return err
	}
	resident, ok := fl[peopleFlow]
	if !ok {
		return fmt.Errorf("no flow %q, whose answers the digest counts", peopleFlow)
	}
	st, err := store.Open(ctx, cfg.Database.Path)
	if err != nil {
		return err
	}
	defer st.Close()
	d, err := digest.Build(ctx, st, digest.Params{Resident: resident, Aim: cfg.Aim, Location: cfg.Location()}, since, now)
	if err != nil {
		return err
	}
	_, err = fmt.Fprint(e.stdout, digest.Text(d, *lang))
	return err
}
