package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/assetbot/assetbot/bot"
	"github.com/assetbot/assetbot/internal/audit"
	"github.com/assetbot/assetbot/internal/config"
	"github.com/assetbot/assetbot/internal/digest"
	"github.com/assetbot/assetbot/internal/export"
	"github.com/assetbot/assetbot/internal/flow"
	"github.com/assetbot/assetbot/internal/schedule"
	"github.com/assetbot/assetbot/internal/store"
)

// sinceLayout is how --since takes a date.
const sinceLayout = "2006-01-02"

// digestJobName names the digest's job in logs and on the command line.
const digestJobName = "digest"

// maxDigestCSV bounds the people CSV sent with the digest: a bigger one
// is left out (`assetbot export` writes it), so that a large map never
// puts tens of megabytes in memory and in the outbox. Telegram itself
// takes documents up to 50 MB.
const maxDigestCSV = 10 << 20

// errCSVTooLarge stops writing a CSV bigger than maxDigestCSV.
var errCSVTooLarge = errors.New("the people CSV is too large to send with the digest")

// cappedBuffer is a buffer that refuses to grow past maxDigestCSV.
type cappedBuffer struct{ bytes.Buffer }

func (b *cappedBuffer) Write(p []byte) (int, error) {
	if b.Len()+len(p) > maxDigestCSV {
		return 0, errCSVTooLarge
	}
	return b.Buffer.Write(p)
}

// digestParams returns what the digest needs from the config, and the
// flows in use.
func digestParams(cfg config.Config) (digest.Params, map[string]*flow.Flow, error) {
	fl, err := loadFlows(cfg)
	if err != nil {
		return digest.Params{}, nil, err
	}
	resident, ok := fl[peopleFlow]
	if !ok {
		return digest.Params{}, nil, fmt.Errorf("no flow %q, whose answers the digest counts", peopleFlow)
	}
	return digest.Params{Resident: resident, Aim: cfg.Aim, Location: cfg.Location(), Flows: fl}, fl, nil
}

// digester makes the digest of the week before now from st: its text, its
// chart and the people CSV (left out when larger than maxDigestCSV). It
// looks for the aim that aim returns at the time of each digest, so that
// a reload's new aim reaches the next digest; p.Aim is not used.
func digester(st *store.Store, p digest.Params, fl map[string]*flow.Flow, aim func() config.Aim) bot.Digester {
	return func(ctx context.Context, now time.Time, lang string) (bot.Digest, error) {
		p := p
		p.Aim = aim()
		d, err := digest.Build(ctx, st, p, now.Add(-digest.Week), now)
		if err != nil {
			return bot.Digest{}, err
		}
		chart, err := digest.Chart(d, lang)
		if err != nil {
			return bot.Digest{}, err
		}
		out := bot.Digest{Text: digest.Text(d, lang), Chart: chart, People: len(d.PeopleMatches)}
		ex, err := export.New(st, fl, p.Resident)
		if err != nil {
			// A people flow without consent: nobody may be exported.
			return out, nil
		}
		var csv cappedBuffer
		n, err := ex.PeopleCSV(ctx, &csv)
		switch {
		case errors.Is(err, errCSVTooLarge):
		case err != nil:
			return bot.Digest{}, fmt.Errorf("digest: people CSV: %w", err)
		default:
			// The CSV names everyone the text does, and more.
			out.CSV, out.People = csv.Bytes(), max(n, out.People)
		}
		return out, nil
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
		if err := bot.QueueDigest(ctx, st, d, now, chats, "scheduled"); err != nil {
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
	p, _, err := digestParams(cfg)
	if err != nil {
		return err
	}
	st, err := e.openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	d, err := digest.Build(ctx, st, p, since, now)
	if err != nil {
		return err
	}
	// Recorded before it is printed: a digest whose audit fails is not shown.
	if err := st.Audit(ctx, store.AuditEntry{Who: audit.CLI, Action: audit.Digest, People: len(d.PeopleMatches), Detail: "since " + since.In(cfg.Location()).Format(sinceLayout)}); err != nil {
		return err
	}
	_, err = fmt.Fprint(e.stdout, digest.Text(d, *lang))
	return err
}
