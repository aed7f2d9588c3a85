package bot

import (
	"context"
	"testing"

	"github.com/assetbot/assetbot/bot/fakeapi"
	"github.com/assetbot/assetbot/internal/referral"
	"github.com/assetbot/assetbot/internal/store"
)

// TestStartThroughVolunteerLink: /start with a volunteer's code starts the
// flow as plain /start does and attributes the person; a later different
// link, an unknown code or a paused volunteer's link attributes nobody but
// still starts the bot; a resident's own link extends the chain. The bot
// keeps the username getMe reported.
func TestStartThroughVolunteerLink(t *testing.T) {
	h := newHarness(t, fakeapi.Options{})
	ctx := context.Background()
	if got, err := h.store.BotUsername(ctx); err != nil || got != fakeapi.BotUsername {
		t.Errorf("stored bot username %q, %v; want %q", got, err, fakeapi.BotUsername)
	}
	var ann, bea store.Volunteer
	if err := h.store.Update(ctx, func(tx *store.Tx) (err error) {
		if ann, err = tx.AddVolunteer("Ann", referral.NewCode(referral.Volunteer)); err != nil {
			return err
		}
		if bea, err = tx.AddVolunteer("Bea", referral.NewCode(referral.Volunteer)); err != nil {
			return err
		}
		_, err = tx.SetVolunteerStatus(bea.Code, store.VolunteerPaused)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		id      int64
		payload string
	}{
		{501, ann.Code},
		{502, ann.Code},
		{503, bea.Code},            // paused
		{504, "vnosuchcode000000"}, // unknown
		{505, "rnosuchcode000000"}, // unknown resident
		{506, "hello"},             // no known prefix
	}
	for _, tt := range tests {
		r := h.resident(t, tt.id, "Res")
		r.say("/start " + tt.payload)
		r.asked("consent")
	}
	// A later, different link changes nothing.
	r := h.resident(t, 501, "Res")
	r.seen = len(h.fake.Messages(501))
	r.say("/start " + bea.Code)
	r.next()
	// Resident 501 invites 507: a second generation under Ann.
	var invite string
	if err := h.store.Update(ctx, func(tx *store.Tx) error {
		p, err := tx.Person("telegram", "501")
		if err != nil {
			return err
		}
		invite, err = tx.InviteCode(p.ID, referral.NewCode(referral.Resident))
		return err
	}); err != nil {
		t.Fatal(err)
	}
	friend := h.resident(t, 507, "Friend")
	friend.say("/start " + invite)
	friend.asked("consent")
	vs, err := h.store.Volunteers(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(vs) != 2 || vs[0].Started != 2 || vs[0].BroughtOthers != 1 || vs[0].LongestChain != 2 || vs[1].Started != 0 {
		t.Errorf("volunteers %+v; want Ann with 2 started, 1 who brought others, a chain of 2; Bea with none", vs)
	}
}
