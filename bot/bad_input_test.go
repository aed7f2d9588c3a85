package bot

import (
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/assetbot/assetbot/bot/fakeapi"
	"github.com/assetbot/assetbot/internal/flow"
)

// replyKind is how the bot is expected to answer an input it cannot take.
type replyKind int

const (
	// reasked: one message saying what was wrong and asking the same
	// question again, at the same turn (its buttons unchanged).
	reasked replyKind = iota
	// noted: one message with a note, asking nothing; the question stays.
	noted
	// toasted: only a callback answer with a note; nothing is sent.
	toasted
	// toastedStale: a callback answer with a note, and the stale message's
	// keyboard removed.
	toastedStale
	// resumed: the resume menu (after /start mid-flow); "Carry on" asks
	// the same question again.
	resumed
	// accepted: the input was a valid answer after all; the next question
	// is asked.
	accepted
)

// badCase is one input given while a question is open.
type badCase struct {
	t     *testing.T
	h     *harness
	r     *resident
	calls *callLog
	shown map[string]fakeapi.Sent // the questions met, by step
	q     fakeapi.Sent            // the open question
}

func (c *badCase) text(s string) { c.r.say(s) }

func (c *badCase) message(fields map[string]any) { c.r.inject(rawMessage("message", c.r.id, fields)) }

func (c *badCase) pressData(data string) { c.r.press(c.q, data) }

// turn is the turn of the open question's buttons.
func (c *badCase) turn() int { return turnOf(c.t, c.q) }

// carryOn is a valid answer for each step the table uses: how to give it
// (pressed on the question's own message, or typed), what is then asked,
// and what is stored.
var carryOn = map[string]struct {
	press func(turn int) string
	text  string
	next  string
	want  flow.Value
}{
	"consent": {press: func(turn int) string { return "o:" + strconv.Itoa(turn) + ":yes" }, next: "hands"},
	"hands":   {text: "DIY, gardening", next: "head", want: flow.Value{Choices: []string{"diy", "gardening"}}},
	"head":    {text: "Local history", next: "heart", want: flow.Value{Text: "Local history"}},
	"time":    {press: func(turn int) string { return "o:" + strconv.Itoa(turn) + ":hour_week" }, next: "when", want: flow.Value{Choice: "hour_week"}},
	"area":    {text: "LS6", next: "summary", want: flow.Value{Text: "LS6"}},
}

var media = map[string]map[string]any{
	"sticker":    {"sticker": map[string]any{"file_id": "st1", "file_unique_id": "stu1", "width": 512, "height": 512, "is_animated": false, "emoji": "😀"}},
	"photo":      {"photo": []any{map[string]any{"file_id": "ph1", "file_unique_id": "phu1", "width": 90, "height": 90}}, "caption": "my garden"},
	"voice":      {"voice": map[string]any{"file_id": "vo1", "file_unique_id": "vou1", "duration": 3, "mime_type": "audio/ogg"}},
	"video":      {"video": map[string]any{"file_id": "vi1", "file_unique_id": "viu1", "width": 640, "height": 480, "duration": 9}},
	"video note": {"video_note": map[string]any{"file_id": "vn1", "file_unique_id": "vnu1", "length": 240, "duration": 5}},
	"document":   {"document": map[string]any{"file_id": "do1", "file_unique_id": "dou1", "file_name": "cv.pdf", "mime_type": "application/pdf"}},
	"audio":      {"audio": map[string]any{"file_id": "au1", "file_unique_id": "auu1", "duration": 120, "title": "Song"}},
	"animation": {
		"animation": map[string]any{"file_id": "an1", "file_unique_id": "anu1", "width": 320, "height": 240, "duration": 2},
		"document":  map[string]any{"file_id": "an1", "file_unique_id": "anu1", "file_name": "funny.gif.mp4"},
	},
	"dice": {"dice": map[string]any{"emoji": "🎲", "value": 4}},
	"poll": {"poll": map[string]any{"id": "po1", "question": "Tea or coffee?", "options": []any{
		map[string]any{"text": "Tea", "voter_count": 0}, map[string]any{"text": "Coffee", "voter_count": 0}},
		"total_voter_count": 0, "is_closed": false, "is_anonymous": true, "type": "regular", "allows_multiple_answers": false}},
}

func sendMedia(kind string) func(*badCase) {
	return func(c *badCase) { c.message(media[kind]) }
}

func sendText(s string) func(*badCase) { return func(c *badCase) { c.text(s) } }

func pressData(data string) func(*badCase) { return func(c *badCase) { c.pressData(data) } }

// TestBadInput gives each kind of input a person could send that the open
// question cannot take, and checks that the person gets a short helpful
// reply, that nothing changes that should not (the same question stays
// open, at the same turn, with nothing stored for it) and that they can
// carry on with a valid answer.
func TestBadInput(t *testing.T) {
	h := newHarness(t, fakeapi.Options{})
	calls := watchCalls(h.fake, nil)

	const (
		pickOption  = "Please pick one of the options"
		yesOrNo     = "Please answer yes or no."
		emptyAnswer = "I didn't catch an answer there."
		badButton   = "that button doesn't work any more"
		partWay     = "You're part-way through"
	)
	htmlText := `<b>bold</b> <script>alert("x")</script> &amp;`
	sqlText := "'; DROP TABLE people; --"
	long := strings.Repeat("a", 4096)
	cases := []struct {
		name string
		at   string
		send func(*badCase)
		how  replyKind
		want string // in the reply (the callback answer for toasts)
		// noEcho must not appear in the reply.
		noEcho string
		// located: the input shared a location, so a message removing the
		// location keyboard may come before the reply.
		located bool
		// check, if set, runs after the input was handled.
		check func(*badCase)
		// run, if set, replaces the whole case after reaching the step.
		run func(*badCase)
	}{
		// Media and other messages that are not text.
		{name: "sticker", at: "consent", send: sendMedia("sticker"), how: reasked, want: "I can't read stickers"},
		{name: "photo", at: "hands", send: sendMedia("photo"), how: reasked, want: "I can't read photos", noEcho: "my garden"},
		{name: "voice", at: "head", send: sendMedia("voice"), how: reasked, want: "I can't read voice messages"},
		{name: "video", at: "time", send: sendMedia("video"), how: reasked, want: "I can't read videos"},
		{name: "video note", at: "area", send: sendMedia("video note"), how: reasked, want: "I can't read videos"},
		{name: "document", at: "head", send: sendMedia("document"), how: reasked, want: "I can't read files"},
		{name: "audio", at: "time", send: sendMedia("audio"), how: reasked, want: "I can't read audio"},
		{name: "animation", at: "consent", send: sendMedia("animation"), how: reasked, want: "I can't read videos"},
		{name: "dice", at: "hands", send: sendMedia("dice"), how: reasked, want: "I can't read dice"},
		{name: "poll", at: "time", send: sendMedia("poll"), how: reasked, want: "I can't read polls"},
		{name: "contact", at: "area", send: func(c *badCase) {
			c.message(map[string]any{"contact": map[string]any{"phone_number": "+447700900123", "first_name": "Bob", "user_id": 77}})
		}, how: noted, want: "I don't need your phone number", noEcho: "+447700900123"},
		{name: "venue", at: "time", send: func(c *badCase) {
			loc := map[string]any{"latitude": 53.8, "longitude": -1.55}
			c.message(map[string]any{"location": loc, "venue": map[string]any{"location": loc, "title": "Café", "address": "1 High St"}})
		}, located: true, how: reasked, want: pickOption},
		{name: "location out of range", at: "time", send: func(c *badCase) { c.h.fake.SendLocation(c.r.id, 91, 0) }, located: true, how: reasked, want: pickOption},
		{name: "location on a text question", at: "head", send: func(c *badCase) { c.h.fake.SendLocation(c.r.id, 53.8, -1.55) }, located: true, how: reasked, want: emptyAnswer},

		// Text that is no answer.
		{name: "empty text", at: "area", send: func(c *badCase) { c.message(map[string]any{"text": ""}) }, how: reasked, want: "I can't read that kind of message"},
		{name: "whitespace only", at: "head", send: sendText(" \t  \n "), how: reasked, want: emptyAnswer},
		{name: "4096 characters", at: "area", send: sendText(long), how: reasked, want: "please keep it to 60 characters at most", noEcho: strings.Repeat("a", 100)},
		{name: "emoji", at: "time", send: sendText("🤷‍♀️🙃"), how: reasked, want: pickOption},
		{name: "emoji on yes or no", at: "consent", send: sendText("🤔"), how: reasked, want: yesOrNo},
		{name: "right-to-left text", at: "time", send: sendText("\u202eמתי שנוח לי\u202c"), how: reasked, want: pickOption},
		{name: "zero-width only", at: "head", send: sendText("\u200b\u200c\u200d\u2060\ufeff"), how: reasked, want: emptyAnswer},
		{name: "HTML", at: "time", send: sendText(htmlText), how: reasked, want: pickOption, noEcho: "<script>"},
		{name: "Markdown", at: "consent", send: sendText("*bold* _it_ [link](http://example.com) `code`"), how: reasked, want: yesOrNo, noEcho: "example.com"},
		{name: "SQL-like text", at: "time", send: sendText(sqlText), how: reasked, want: pickOption, noEcho: "DROP TABLE"},
		{name: "NUL and control characters", at: "head", send: sendText("\x00\x01\x07\x1b\x7f\u0085"), how: reasked, want: emptyAnswer},
		{name: "full address on the area question", at: "area", send: sendText("12 Acacia Avenue, LS6 2AB"), how: reasked, want: "not your full address", noEcho: "Acacia"},
		{name: "number where a choice is expected", at: "time", send: sendText("42"), how: reasked, want: pickOption},
		{name: "number where yes or no is expected", at: "consent", send: sendText("5"), how: reasked, want: yesOrNo},
		{name: "wrong option number on a multi", at: "hands", send: sendText("99"), how: reasked, want: "not one of the options"},

		// Commands.
		{name: "unknown command", at: "head", send: sendText("/foo"), how: noted, want: "Sorry, I don't know /foo"},
		{name: "command for another bot", at: "time", send: sendText("/help@otherbot"), how: noted, want: "for another bot"},
		{name: "start with a malformed payload", at: "hands", send: sendText("/start ../../etc"), how: resumed, want: partWay, noEcho: "link"},
		{name: "start with an oversized payload", at: "time", send: sendText("/start " + strings.Repeat("x", 200)), how: resumed, want: partWay, noEcho: "link"},
		{name: "back on the first question", at: "consent", send: sendText("/back"), how: reasked, want: "This is the first question"},
		{name: "skip on a required question", at: "time", send: sendText("/skip"), how: reasked, want: "can't be skipped"},
		{name: "skip on a required text question", at: "area", send: sendText("/skip"), how: reasked, want: "can't be skipped"},

		// Buttons that are not ours, or no longer current.
		{name: "forged callback kind", at: "consent", send: pressData("x:1:y"), how: toasted, want: badButton},
		{name: "forged callback turn", at: "time", send: pressData("o:abc:yes"), how: toasted, want: badButton},
		{name: "empty callback data", at: "hands", send: pressData(""), how: toasted, want: badButton},
		{name: "callback data over 64 bytes", at: "consent", send: func(c *badCase) {
			c.pressData(fmt.Sprintf("o:%d:%s", c.turn(), strings.Repeat("y", 64)))
		}, how: toasted, want: badButton},
		{name: "option that does not exist", at: "time", send: func(c *badCase) { c.pressData(fmt.Sprintf("o:%d:nope", c.turn())) }, how: toasted, want: pickOption},
		{name: "yes or no that does not exist", at: "consent", send: func(c *badCase) { c.pressData(fmt.Sprintf("o:%d:maybe", c.turn())) }, how: toasted, want: yesOrNo},
		{name: "toggle that does not exist", at: "hands", send: func(c *badCase) { c.pressData(fmt.Sprintf("t:%d:nope", c.turn())) }, how: toasted, want: pickOption},
		{name: "done with nothing ticked", at: "hands", send: func(c *badCase) { c.pressData(fmt.Sprintf("d:%d:", c.turn())) }, how: toasted, want: "Please pick at least 1"},
		{name: "stale no on consent", at: "hands", send: func(c *badCase) {
			consent := c.shown["consent"]
			c.r.press(consent, button(c.t, consent, "o", "no"))
		}, how: toastedStale, want: "moved on", check: func(c *badCase) {
			if _, consent := c.h.answers(c.t, c.r.id); consent == nil || !*consent {
				c.t.Errorf("after a stale No the consent is %v; want it still granted", consent)
			}
		}},
		{name: "stale option of an earlier question", at: "area", send: func(c *badCase) {
			c.r.press(c.shown["time"], "o:"+strconv.Itoa(turnOf(c.t, c.shown["time"]))+":not_now")
		}, how: toastedStale, want: "moved on", check: func(c *badCase) {
			if got, _ := c.h.answers(c.t, c.r.id); got["time"].Choice != "hour_week" {
				c.t.Errorf("after a stale press the time answer is %+v; want it unchanged", got["time"])
			}
		}},
		{name: "inline callback", at: "consent", run: func(c *badCase) {
			id := "inline-" + strconv.FormatInt(c.r.id, 10)
			c.r.inject(mustMarshal(map[string]any{"callback_query": map[string]any{
				"id": id, "from": rawUser(c.r.id), "inline_message_id": "AAQBBQ", "chat_instance": "42",
				"data": fmt.Sprintf("o:%d:no", c.turn()),
			}}))
			got := c.calls.waitFor(c.t, "the inline callback answered", func(calls []apiCall) bool {
				for _, call := range calls {
					if call.method == fakeapi.MethodAnswerCallbackQuery && call.params.Get("callback_query_id") == id {
						return true
					}
				}
				return false
			})
			for _, call := range got {
				if call.method == fakeapi.MethodAnswerCallbackQuery && call.params.Get("callback_query_id") == id &&
					!strings.Contains(call.params.Get("text"), "private chat") {
					c.t.Errorf("inline callback answered %q; want it to point to the private chat", call.params.Get("text"))
				}
			}
			if _, consent := c.h.answers(c.t, c.r.id); consent != nil {
				c.t.Errorf("an inline button recorded consent %v", *consent)
			}
		}},
		{name: "edited message", at: "area", send: func(c *badCase) {
			c.r.inject(rawMessage("edited_message", c.r.id, map[string]any{"text": "LS7", "edit_date": 1700000000}))
		}, how: noted, want: "I saw you edited a message"},

		// Typed answers the question takes after all.
		{name: "choice label typed", at: "time", send: sendText("about an hour a WEEK!"), how: accepted, check: func(c *badCase) {
			if got, _ := c.h.answers(c.t, c.r.id); got["time"].Choice != "hour_week" {
				c.t.Errorf("stored time %+v; want hour_week", got["time"])
			}
		}},
		{name: "option number typed", at: "time", send: sendText("4"), how: accepted, check: func(c *badCase) {
			if got, _ := c.h.answers(c.t, c.r.id); got["time"].Choice != "few_hours_week" {
				c.t.Errorf("stored time %+v; want few_hours_week", got["time"])
			}
		}},
		{name: "two answers at once", at: "time", run: func(c *badCase) {
			// Both updates reach the bot in one getUpdates batch: they must be
			// handled in order, the second answering the question the first
			// led to.
			held := c.calls.holdNextPoll(c.t)
			held.wait(c.t, "the bot's next getUpdates")
			c.text("3")
			c.text("Weekends")
			held.release()
			c.r.asked("when")
			c.r.asked("groups")
			got, _ := c.h.answers(c.t, c.r.id)
			if got["time"].Choice != "hour_week" || !got["when"].Equal(flow.Value{Choices: []string{"weekends"}}) {
				c.t.Errorf("stored time %+v and when %+v; want hour_week and weekends", got["time"], got["when"])
			}
		}},
	}

	for i, tc := range cases {
		user := int64(10000 + i)
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := h.resident(t, user, "Rae")
			c := &badCase{t: t, h: h, r: r, calls: calls}
			c.shown = r.reach(tc.at)
			c.q = c.shown[tc.at]
			if tc.run != nil {
				tc.run(c)
				if tc.at == "consent" {
					carry(c, tc.at)
				}
				return
			}
			before, _ := h.answers(t, user)
			tc.send(c)

			var reply string
			switch tc.how {
			case reasked, noted, accepted:
				var m fakeapi.Sent
				if tc.located {
					m = locatedReply(r)
				} else {
					m = r.reply()
				}
				reply = m.Text
				switch tc.how {
				case reasked:
					if !strings.Contains(m.Text, marker(tc.at)) {
						t.Errorf("reply %q does not ask the %s question again", m.Text, tc.at)
					}
					if !reflect.DeepEqual(m.Markup, c.q.Markup) {
						t.Errorf("re-asked with keyboard %+v; want the question's own %+v", m.Markup, c.q.Markup)
					}
				case noted:
					if m.Markup != nil && (len(m.Markup.InlineButtons()) > 0 || m.Markup.ForceReply) {
						t.Errorf("the note %q asks something: %+v", m.Text, m.Markup)
					}
				case accepted:
					if next := carryOn[tc.at].next; !strings.Contains(m.Text, marker(next)) {
						t.Errorf("reply %q; want the %s question", m.Text, next)
					}
				}
			case toasted:
				reply = r.toast()
			case toastedStale:
				batch := r.await("callback answer and keyboard removal", func(s []fakeapi.Sent) bool {
					return has(fakeapi.MethodAnswerCallbackQuery)(s) && has(fakeapi.MethodEditMessageReplyMarkup)(s)
				})
				for _, s := range batch {
					switch s.Method {
					case fakeapi.MethodAnswerCallbackQuery:
						reply = s.Text
					case fakeapi.MethodEditMessageReplyMarkup:
						if s.Markup != nil && len(s.Markup.InlineButtons()) > 0 {
							t.Errorf("the stale message kept its buttons: %+v", s.Markup)
						}
					default:
						t.Errorf("unexpected %s after a stale press: %q", s.Method, texts(batch))
					}
				}
			case resumed:
				menu := r.reply()
				reply = menu.Text
				if !strings.Contains(menu.Text, "part-way through") {
					t.Fatalf("after /start got %q; want the offer to carry on", menu.Text)
				}
				r.press(menu, button(t, menu, "m", "continue"))
				c.q = r.pressed(menu, "")
				if !strings.Contains(c.q.Text, marker(tc.at)) {
					t.Fatalf("after Carry on got %q; want the %s question", c.q.Text, tc.at)
				}
			}
			if !strings.Contains(reply, tc.want) {
				t.Errorf("reply %q; want it to say %q", reply, tc.want)
			}
			if n := utf8.RuneCountInString(reply); n > 1000 || (tc.how == toasted || tc.how == toastedStale) && n > 200 {
				t.Errorf("reply is %d characters long; want a short one", n)
			}
			if tc.noEcho != "" && strings.Contains(reply, tc.noEcho) {
				t.Errorf("reply %q repeats the input %q", reply, tc.noEcho)
			}
			if tc.check != nil {
				tc.check(c)
			}
			if tc.how == accepted {
				return
			}
			after, _ := h.answers(t, user)
			if !reflect.DeepEqual(after, before) {
				t.Errorf("answers changed from %+v to %+v", before, after)
			}
			carry(c, tc.at)
		})
	}
}

// carry gives the valid answer to the open question of step and checks it
// is taken: the next question is asked and the answer stored.
func carry(c *badCase, step string) {
	c.t.Helper()
	valid := carryOn[step]
	if valid.press != nil {
		c.r.press(c.q, valid.press(c.turn()))
		next := c.r.pressed(c.q, "")
		if !strings.Contains(next.Text, marker(valid.next)) {
			c.t.Fatalf("after the valid answer got %q; want the %s question", next.Text, valid.next)
		}
	} else {
		c.r.say(valid.text)
		c.r.asked(valid.next)
	}
	got, consent := c.h.answers(c.t, c.r.id)
	if step == "consent" {
		if consent == nil || !*consent {
			c.t.Errorf("consent %v after Yes; want granted", consent)
		}
		return
	}
	if !got[step].Equal(valid.want) {
		c.t.Errorf("stored %s %+v; want %+v", step, got[step], valid.want)
	}
}

// locatedReply waits for the bot's answer to a shared location: one message,
// possibly after one that only removes the location keyboard.
func locatedReply(r *resident) fakeapi.Sent {
	r.t.Helper()
	removes := func(s fakeapi.Sent) bool { return s.Markup != nil && s.Markup.RemoveKeyboard }
	batch := r.await("a reply to a location", func(s []fakeapi.Sent) bool {
		n := len(sends(s))
		return n >= 2 || n == 1 && !removes(s[len(s)-1])
	})
	if len(batch) == 2 && removes(batch[0]) {
		return batch[1]
	}
	if len(batch) != 1 {
		r.t.Fatalf("resident %d: got %q; want one reply", r.id, texts(batch))
	}
	return batch[0]
}

// TestRejectedLocationNotThanked checks that a location the open question
// does not take is not acknowledged as if it were.
func TestRejectedLocationNotThanked(t *testing.T) {
	h := newHarness(t, fakeapi.Options{})
	for i, tc := range []struct {
		name     string
		at       string
		lat, lon float64
	}{
		{"on a choice question", "time", 53.8, -1.55},
		{"out of range", "time", 91, 0},
		{"on a text question", "area", 53.8, -1.55},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := h.resident(t, int64(10500+i), "Lou")
			r.reach(tc.at)
			h.fake.SendLocation(r.id, tc.lat, tc.lon)
			batch := r.await("the re-asked question", func(s []fakeapi.Sent) bool {
				return slices.ContainsFunc(s, func(m fakeapi.Sent) bool { return strings.Contains(m.Text, marker(tc.at)) })
			})
			for _, m := range batch {
				if strings.Contains(m.Text, "Got it") {
					t.Errorf("got %q before the re-asked question: a location that was not taken is thanked for", m.Text)
				}
			}
		})
	}
}
