package bot

import (
	"context"
	"errors"
	"strconv"
	"strings"

	"github.com/assetbot/assetbot/internal/flow"
	"github.com/assetbot/assetbot/internal/qrcard"
	"github.com/assetbot/assetbot/internal/referral"
	"github.com/assetbot/assetbot/internal/store"
)

// The volunteer commands. /volunteer and /volunteers are the organisers'
// (see organiserCommands); /mystats is anyone's.
const (
	cmdVolunteer  = "/volunteer"
	cmdVolunteers = "/volunteers"
	cmdMyStats    = "/mystats"
)

// link is the deep link that starts the bot with code.
func (b *Bot) link(code string) string {
	name := b.cfg.Username
	if name == "" {
		name = b.name
	}
	return referral.Link(name, code)
}

// sendLink adds a message with a link, made from message id msg and vars,
// and the link's QR code as a photo to show on the doorstep.
func (b *Bot) sendLink(r *renderer, msg, code string, vars ...string) {
	r.add(outMsg{Method: methodSend, Text: r.text(msg, vars...)})
	png, err := qrcard.QR(b.link(code))
	if err != nil {
		b.log.Error("make a QR code; sending the link alone", "err", err)
		return
	}
	r.add(outMsg{Method: methodPhoto, Photo: png, Text: truncate(r.text(flow.MsgInviteCaption), maxCaptionRunes)})
}

// volunteerCommand carries out /volunteer NAME, /volunteers and /mystats.
func (b *Bot) volunteerCommand(tx *store.Tx, a action) ([]outMsg, error) {
	lang, err := b.svc.PersonLanguage(tx, a.id)
	if err != nil {
		return nil, err
	}
	r := b.renderer(a.chatID, lang)
	say := func(msg string, vars ...string) { r.add(outMsg{Method: methodSend, Text: r.text(msg, vars...)}) }
	ctx := context.Background()
	switch a.command {
	case cmdVolunteer:
		if a.args == "" {
			say(flow.MsgVolunteerUsage)
			break
		}
		v, err := tx.AddVolunteer(a.args, referral.NewCode(referral.Volunteer))
		if errors.Is(err, store.ErrVolunteerName) {
			say(flow.MsgVolunteerName)
			break
		}
		if err != nil {
			return nil, err
		}
		b.log.Info("volunteer registered", "volunteer_id", v.ID, "by", a.id.UserID)
		b.sendLink(r, flow.MsgVolunteerAdded, v.Code, "name", v.Name, "link", b.link(v.Code))
	case cmdVolunteers:
		vs, err := b.store.Volunteers(ctx)
		if err != nil {
			return nil, err
		}
		if len(vs) == 0 {
			say(flow.MsgVolunteersNone)
			break
		}
		var lines []string
		for _, v := range vs {
			lines = append(lines, r.text(flow.MsgVolunteersLine, statVars(v)...))
		}
		for _, chunk := range split(strings.Join(lines, "\n"), maxMessageRunes) {
			r.add(outMsg{Method: methodSend, Text: chunk})
		}
	case cmdMyStats:
		v, err := b.store.VolunteerStatsByTelegram(ctx, a.id.UserID)
		if errors.Is(err, store.ErrNotFound) {
			say(flow.MsgNotVolunteer)
			break
		}
		if err != nil {
			return nil, err
		}
		say(flow.MsgMyStats, statVars(v)...)
	}
	return r.out, nil
}

// statVars are a volunteer's figures as message vars.
func statVars(v store.VolunteerStats) []string {
	return []string{"name", v.Name, "status", v.Status, "started", strconv.Itoa(v.Started), "finished", strconv.Itoa(v.Finished),
		"brought", strconv.Itoa(v.BroughtOthers), "chain", strconv.Itoa(v.LongestChain)}
}
