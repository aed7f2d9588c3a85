package loadtest

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"regexp"
	"strconv"
	"time"

	"github.com/assetbot/assetbot/bot/fakeapi"
	"github.com/assetbot/assetbot/internal/flow"
	"github.com/assetbot/assetbot/internal/store"
)

// firstDue is the Telegram user id of the first person seeded as due.
const firstDue = 10_000_000

// seedPage is how many people seedDue writes per transaction.
const seedPage = 5000

// dueAge is how long ago the seeded people confirmed their entries: past
// the default refresh_after of 180 days.
const dueAge = 200 * 24 * time.Hour

// seedDue writes n people who consented, answered and confirmed their
// entry dueAge ago, so that each is due for a refresh.
func seedDue(ctx context.Context, path string, n int) error {
	then := time.Now().Add(-dueAge)
	st, err := store.Open(ctx, path, store.WithClock(func() time.Time { return then }))
	if err != nil {
		return fmt.Errorf("seed due people: %w", err)
	}
	defer st.Close()
	yes := true
	for from := 0; from < n; from += seedPage {
		err := st.Update(ctx, func(tx *store.Tx) error {
			for i := from; i < min(from+seedPage, n); i++ {
				p, err := tx.CreatePerson(store.Person{Channel: "telegram", ChannelUserID: strconv.Itoa(firstDue + i), FirstName: "Neighbour"})
				if err != nil {
					return err
				}
				if err := tx.RecordConsent(p.ID, "map", true, "resident", 1); err != nil {
					return err
				}
				for _, a := range []flow.Answer{
					{Key: "hands", Step: "hands", Value: flow.Value{Choices: []string{"cooking", "gardening"}}, Version: 1},
					{Key: "connector", Step: "connector", Value: flow.Value{Bool: &yes}, Version: 1},
					{Key: "area", Step: "area", Value: flow.Value{Text: "LS" + strconv.Itoa(1+i%30)}, Version: 1},
				} {
					if _, err := tx.SaveAnswer(p.ID, "resident", a); err != nil {
						return err
					}
				}
				if err := tx.ConfirmEntry(p.ID); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("seed due people: %w", err)
		}
	}
	return nil
}

// Reminders are the figures of a run with people due for a refresh.
type Reminders struct {
	// Due is how many people were seeded as due.
	Due int
	// FirstRun is how long the reminders job's first run took: finding
	// every due person, planning their refreshes and queueing the first.
	FirstRun time.Duration
	// Planned counts the refreshes planned; Queued those whose message
	// went into the outbox; Delivered those the fake Telegram received.
	Planned, Queued, Delivered int64
}

// jobRan matches the scheduler's log line for a run of the reminders job.
var jobRan = regexp.MustCompile(`msg="job ran".* job=reminders .*took=(\S+)`)

// reminderFigures reads the reminders' figures from the bot's database
// and log (the bot has stopped) and the fake.
func reminderFigures(ctx context.Context, dbPath, logPath string, fake *fakeapi.Server, due int) (Reminders, error) {
	r := Reminders{Due: due}
	st, err := store.Open(ctx, dbPath)
	if err != nil {
		return r, fmt.Errorf("open the bot's database: %w", err)
	}
	defer st.Close()
	counts, err := st.ReminderOutcomes(ctx)
	if err != nil {
		return r, err
	}
	for outcome, n := range counts {
		r.Planned += int64(n)
		if outcome == store.OutcomeSent {
			r.Queued = int64(n)
		}
	}
	for i := range due {
		r.Delivered += int64(len(fake.Messages(int64(firstDue + i))))
	}
	f, err := os.Open(logPath)
	if err != nil {
		return r, fmt.Errorf("read the bot's log: %w", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if m := jobRan.FindStringSubmatch(sc.Text()); m != nil {
			r.FirstRun, err = time.ParseDuration(m[1])
			if err != nil {
				return r, fmt.Errorf("read the reminders job's run time %q: %w", m[1], err)
			}
			break
		}
	}
	return r, sc.Err()
}
