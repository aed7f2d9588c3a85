package store_test

import (
	"errors"
	"testing"
	"time"

	"github.com/assetbot/assetbot/internal/store"
)

// draftAge is how long a draft is kept for the organiser's message.
const draftAge = time.Hour

func TestIntroductions(t *testing.T) {
	now := time.Date(2026, 5, 4, 9, 0, 0, 0, time.UTC)
	st, _ := open(t, store.WithClock(func() time.Time { return now }))
	const organiser = 77
	var ann, bob store.Person
	var first, second store.Introduction
	update(t, st, func(tx *store.Tx) (err error) {
		ann, bob = person(t, tx, "ann"), person(t, tx, "bob")
		if first, err = tx.StartIntroduction(organiser, ann.ID); err != nil {
			return err
		}
		// A second Introduce replaces the draft not yet written.
		second, err = tx.StartIntroduction(organiser, bob.ID)
		return err
	})
	now = now.Add(draftAge)
	update(t, st, func(tx *store.Tx) error {
		draft, err := tx.IntroductionDraft(organiser, draftAge)
		if err != nil || draft.ID != second.ID || draft.PersonID != bob.ID {
			t.Errorf("draft = %+v, %v; want the second, to Bob", draft, err)
		}
		if _, err := tx.IntroductionDraft(organiser, draftAge-time.Second); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("a draft older than the age asked: %v; want ErrNotFound", err)
		}
		if _, err := tx.IntroductionDraft(organiser+1, draftAge); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("another organiser's draft: %v; want ErrNotFound", err)
		}
		// Not yet sent: no answer counts.
		if _, err := tx.AnswerIntroduction(second.ID, bob.ID, true); !errors.Is(err, store.ErrIntroductionClosed) {
			t.Errorf("answer to a draft: %v; want ErrIntroductionClosed", err)
		}
		if _, err := tx.AnswerIntroduction(first.ID, ann.ID, true); !errors.Is(err, store.ErrIntroductionClosed) {
			t.Errorf("answer to a dropped draft: %v; want ErrIntroductionClosed", err)
		}
		if err := tx.SetIntroductionMessage(second.ID, "Hello Bob"); err != nil {
			return err
		}
		if _, err := tx.IntroductionDraft(organiser, draftAge); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("draft once written: %v; want ErrNotFound", err)
		}
		for _, tc := range []struct {
			name   string
			person int64
			shared bool
			want   error
		}{
			{"someone else", ann.ID, true, store.ErrIntroductionClosed},
			{"the person declines", bob.ID, false, nil},
			{"a second press", bob.ID, true, store.ErrIntroductionClosed},
		} {
			in, err := tx.AnswerIntroduction(second.ID, tc.person, tc.shared)
			if !errors.Is(err, tc.want) {
				t.Errorf("%s: %v; want %v", tc.name, err, tc.want)
			}
			if err == nil && (in.Shared || in.AnsweredAt.IsZero() || in.Message != "Hello Bob" || in.OrganiserUserID != organiser) {
				t.Errorf("%s: %+v; want declined, answered, with its message and organiser", tc.name, in)
			}
		}
		return nil
	})
}
