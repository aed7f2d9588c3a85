package loadtest

import (
	"math/rand/v2"
	"slices"
	"strings"

	"github.com/assetbot/assetbot/bot/fakeapi"
	"github.com/assetbot/assetbot/internal/flow"
)

// ActionKind is what a resident does next.
type ActionKind int

// The kinds of Action.
const (
	// Wait means the message asks nothing of the resident.
	Wait ActionKind = iota
	// Type sends Action.Text ("/start" restarts a finished conversation).
	Type
	// Press presses the inline button Action.Data on Action.MessageID.
	Press
	// ShareLocation sends Action.Lat, Action.Lon.
	ShareLocation
)

// Action is a resident's answer to one bot message.
type Action struct {
	Kind ActionKind
	// Text is what to type (Type).
	Text string
	// MessageID and Data name the button to press (Press).
	MessageID int
	Data      string
	// Lat and Lon are the location to share (ShareLocation).
	Lat, Lon float64
}

// Around Leeds, where the load-test residents live.
const (
	homeLat, homeLon = 53.8, -1.55
	spread           = 0.05
)

// answers are the free texts residents type.
var answers = []string{
	"I can help with gardening",
	"Happy to drive people to appointments",
	"I fix bikes",
	"I speak Polish and some Urdu",
}

// Next decides how a resident answers the bot message s, following the bot's
// rendering conventions:
//
//   - an inline keyboard with "t:" (toggle) buttons: press "d:" (Done) once
//     some button is ticked ("✅ "), else toggle a random option;
//   - another inline keyboard: press a random "o:" or "m:" button (never
//     back, skip or keep); with none, the question wants typed text: type
//     a short sentence. The consent's "I'm under 16" is never pressed:
//     the bot would keep nothing of the resident, not even the turn its
//     buttons count from, so its next greeting would repeat the first
//     one's buttons, which the load test counts as a duplicate;
//   - a reply keyboard asking for the location: share one near Leeds;
//   - force_reply: type "4" if the placeholder mentions a number, else a
//     short sentence;
//   - no markup (the conversation is over): type "/start".
//
// New messages are answered; an edit only when it re-renders a multi choice
// (the ticks after a toggle), since the bot sends no new message then.
// Keyboard removals and other edits ask nothing.
func Next(s fakeapi.Sent, rnd *rand.Rand) Action {
	m := s.Markup
	if s.IsEdit() {
		if len(m.ButtonData("t:")) == 0 {
			return Action{}
		}
		return multi(s, rnd)
	}
	if s.Method != fakeapi.MethodSendMessage {
		return Action{}
	}
	restart := Action{Kind: Type, Text: "/start"}
	switch {
	case m == nil:
		return restart
	case m.RemoveKeyboard:
		return Action{}
	case len(m.ButtonData("t:")) > 0:
		return multi(s, rnd)
	case len(m.InlineButtons()) > 0:
		choices := append(m.ButtonData("o:"), m.ButtonData("m:")...)
		choices = slices.DeleteFunc(choices, func(d string) bool { return strings.HasSuffix(d, ":"+flow.UnderAge) })
		if len(choices) == 0 {
			// Only back, skip or keep: the question wants typed text.
			return Action{Kind: Type, Text: answers[rnd.IntN(len(answers))]}
		}
		return Action{Kind: Press, MessageID: s.MessageID, Data: choices[rnd.IntN(len(choices))]}
	case len(m.KeyboardButtons()) > 0:
		buttons := m.KeyboardButtons()
		for _, b := range buttons {
			if b.RequestLocation {
				return Action{Kind: ShareLocation,
					Lat: homeLat + (rnd.Float64()*2-1)*spread,
					Lon: homeLon + (rnd.Float64()*2-1)*spread}
			}
		}
		return Action{Kind: Type, Text: buttons[rnd.IntN(len(buttons))].Text}
	case m.ForceReply:
		if strings.Contains(strings.ToLower(m.InputFieldPlaceholder), "number") {
			return Action{Kind: Type, Text: "4"}
		}
		return Action{Kind: Type, Text: answers[rnd.IntN(len(answers))]}
	default:
		return restart
	}
}

// multi answers a multiple-choice keyboard: toggle one option, then Done.
func multi(s fakeapi.Sent, rnd *rand.Rand) Action {
	ticked := false
	for _, b := range s.Markup.InlineButtons() {
		if strings.HasPrefix(b.CallbackData, "t:") && strings.HasPrefix(b.Text, "✅ ") {
			ticked = true
		}
	}
	if done := s.Markup.ButtonData("d:"); ticked && len(done) > 0 {
		return Action{Kind: Press, MessageID: s.MessageID, Data: done[0]}
	}
	toggles := s.Markup.ButtonData("t:")
	return Action{Kind: Press, MessageID: s.MessageID, Data: toggles[rnd.IntN(len(toggles))]}
}
