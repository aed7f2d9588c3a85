package loadtest

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/assetbot/assetbot/bot/fakeapi"
)

func inline(rows ...[]fakeapi.InlineButton) *fakeapi.Markup {
	return &fakeapi.Markup{InlineKeyboard: rows}
}

func btn(text, data string) fakeapi.InlineButton {
	return fakeapi.InlineButton{Text: text, CallbackData: data}
}

func TestNext(t *testing.T) {
	send := func(m *fakeapi.Markup) fakeapi.Sent {
		return fakeapi.Sent{Method: fakeapi.MethodSendMessage, MessageID: 7, Text: "Q", Markup: m}
	}
	edit := func(method string, m *fakeapi.Markup) fakeapi.Sent {
		return fakeapi.Sent{Method: method, MessageID: 7, Text: "Q", Markup: m}
	}
	multi := inline(
		[]fakeapi.InlineButton{btn("Gardening", "t:3:garden"), btn("Driving", "t:3:drive")},
		[]fakeapi.InlineButton{btn("Done", "d:3:"), btn("Back", "b:3:")})
	ticked := inline(
		[]fakeapi.InlineButton{btn("✅ Gardening", "t:3:garden"), btn("Driving", "t:3:drive")},
		[]fakeapi.InlineButton{btn("Done", "d:3:"), btn("Back", "b:3:")})
	choice := inline(
		[]fakeapi.InlineButton{btn("Yes", "o:2:yes"), btn("No", "o:2:no")},
		[]fakeapi.InlineButton{btn("Back", "b:2:"), btn("Skip", "s:2:"), btn("Keep", "k:2:")})

	tests := []struct {
		name string
		in   fakeapi.Sent
		// kind, and the texts or button data any of which is right
		kind ActionKind
		want []string
	}{
		{"no markup restarts", send(nil), Type, []string{"/start"}},
		{"keyboard removal waits", send(&fakeapi.Markup{RemoveKeyboard: true}), Wait, nil},
		{"choice presses an option", send(choice), Press, []string{"o:2:yes", "o:2:no"}},
		{"menu presses an action", send(inline([]fakeapi.InlineButton{btn("Help", "m:0:help"), btn("About", "m:0:about")})), Press, []string{"m:0:help", "m:0:about"}},
		{"only back, skip, keep: a typed answer", send(inline([]fakeapi.InlineButton{btn("Back", "b:2:"), btn("Skip", "s:2:")})), Type, answers},
		{"url-only keyboard: a typed answer", send(inline([]fakeapi.InlineButton{{Text: "Site", URL: "https://example.org"}})), Type, answers},
		{"multi toggles", send(multi), Press, []string{"t:3:garden", "t:3:drive"}},
		{"ticked multi is done", send(ticked), Press, []string{"d:3:"}},
		{"tick edit is done", edit(fakeapi.MethodEditMessageReplyMarkup, ticked), Press, []string{"d:3:"}},
		{"tick edit by text", edit(fakeapi.MethodEditMessageText, ticked), Press, []string{"d:3:"}},
		{"confirmation edit waits", edit(fakeapi.MethodEditMessageText, nil), Wait, nil},
		{"edit with choice waits", edit(fakeapi.MethodEditMessageReplyMarkup, choice), Wait, nil},
		{"location", send(&fakeapi.Markup{Keyboard: [][]fakeapi.KeyboardButton{{{Text: "Send location", RequestLocation: true}}}, OneTimeKeyboard: true}), ShareLocation, nil},
		{"text keyboard types a button", send(&fakeapi.Markup{Keyboard: [][]fakeapi.KeyboardButton{{{Text: "A"}, {Text: "B"}}}}), Type, []string{"A", "B"}},
		{"number", send(&fakeapi.Markup{ForceReply: true, InputFieldPlaceholder: "A number, e.g. 3"}), Type, []string{"4"}},
		{"Number capitalised", send(&fakeapi.Markup{ForceReply: true, InputFieldPlaceholder: "Number of hours"}), Type, []string{"4"}},
		{"free text", send(&fakeapi.Markup{ForceReply: true, InputFieldPlaceholder: "Your skills"}), Type, answers},
		{"force reply without placeholder", send(&fakeapi.Markup{ForceReply: true}), Type, answers},
		{"callback answer waits", fakeapi.Sent{Method: fakeapi.MethodAnswerCallbackQuery}, Wait, nil},
		{"document waits", fakeapi.Sent{Method: fakeapi.MethodSendDocument, Text: "export"}, Wait, nil},
		{"empty inline keyboard restarts", send(inline()), Type, []string{"/start"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for seed := range uint64(20) {
				got := Next(tt.in, rand.New(rand.NewPCG(seed, 1)))
				if got.Kind != tt.kind {
					t.Fatalf("got kind %v (%+v); want %v", got.Kind, got, tt.kind)
				}
				switch got.Kind {
				case Type:
					if !slices.Contains(tt.want, got.Text) {
						t.Fatalf("got text %q; want one of %q", got.Text, tt.want)
					}
				case Press:
					if !slices.Contains(tt.want, got.Data) || got.MessageID != 7 {
						t.Fatalf("got press %q on %d; want one of %q on 7", got.Data, got.MessageID, tt.want)
					}
				case ShareLocation:
					if got.Lat < 53.75 || got.Lat > 53.85 || got.Lon < -1.6 || got.Lon > -1.5 {
						t.Fatalf("got %v,%v; want near 53.8,-1.55", got.Lat, got.Lon)
					}
				}
			}
		})
	}
}

// TestNextCoversChoices checks the random picks reach every allowed button.
func TestNextCoversChoices(t *testing.T) {
	m := inline([]fakeapi.InlineButton{btn("A", "o:1:a"), btn("B", "o:1:b"), btn("C", "m:1:c"), btn("Back", "b:1:")})
	in := fakeapi.Sent{Method: fakeapi.MethodSendMessage, MessageID: 1, Markup: m}
	rnd := rand.New(rand.NewPCG(1, 2))
	seen := map[string]bool{}
	for range 200 {
		seen[Next(in, rnd).Data] = true
	}
	want := map[string]bool{"o:1:a": true, "o:1:b": true, "m:1:c": true}
	if len(seen) != len(want) || !seen["o:1:a"] || !seen["o:1:b"] || !seen["m:1:c"] {
		t.Errorf("got presses %v; want %v", seen, want)
	}
}

// TestNextNeverUnderAge checks that residents are of age: the consent's
// under-age button is never pressed, yes and no are.
func TestNextNeverUnderAge(t *testing.T) {
	m := inline([]fakeapi.InlineButton{btn("Yes", "o:1:yes"), btn("No", "o:1:no"), btn("Under 16", "o:1:under_age")})
	in := fakeapi.Sent{Method: fakeapi.MethodSendMessage, MessageID: 1, Markup: m}
	rnd := rand.New(rand.NewPCG(1, 2))
	seen := map[string]int{}
	for range 200 {
		seen[Next(in, rnd).Data]++
	}
	if seen["o:1:under_age"] != 0 || seen["o:1:yes"] == 0 || seen["o:1:no"] == 0 {
		t.Errorf("presses %v; want yes and no, never under age", seen)
	}
}
