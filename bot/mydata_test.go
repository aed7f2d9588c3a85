package bot

import (
	"context"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"testing"

	"github.com/assetbot/assetbot/bot/fakeapi"
	"github.com/assetbot/assetbot/internal/flow"
	"github.com/assetbot/assetbot/internal/mydata"
	"github.com/assetbot/assetbot/internal/store"
)

// myDataDoc is what the bot tests read of the /mydata document.
type myDataDoc struct {
	Format string `json:"format"`
	Person struct {
		ChannelUserID string `json:"channel_user_id"`
		FirstName     string `json:"first_name"`
	} `json:"person"`
	Answers []struct {
		Key   string `json:"key"`
		Label string `json:"label"`
		Text  string `json:"text"`
	} `json:"answers"`
}

// myData sends /mydata (with what follows it) and waits for the message
// and the document, which must come in that order; it returns the message
// and the parsed document.
func (r *resident) myData(command string) (fakeapi.Sent, myDataDoc) {
	r.t.Helper()
	r.say(command)
	batch := r.await("the data message and document", func(s []fakeapi.Sent) bool {
		return has(fakeapi.MethodSendMessage)(s) && has(fakeapi.MethodSendDocument)(s)
	})
	if len(batch) != 2 || batch[0].Method != fakeapi.MethodSendMessage || batch[1].Method != fakeapi.MethodSendDocument {
		r.t.Fatalf("%s: got %q; want one message, then the document", command, texts(batch))
	}
	doc := batch[1]
	if doc.File != mydata.FileName {
		r.t.Errorf("document named %q; want %q", doc.File, mydata.FileName)
	}
	var d myDataDoc
	if err := json.Unmarshal(doc.FileData, &d); err != nil || d.Format != mydata.Format {
		r.t.Fatalf("document %s does not parse as %s: %v", doc.FileData, mydata.Format, err)
	}
	return batch[0], d
}

// TestMyData takes a resident through some of the flow, then /mydata: the
// message and the document arrive, the document is theirs and parses.
func TestMyData(t *testing.T) {
	t.Parallel()
	h := newHarness(t, fakeapi.Options{})
	const ann = 5101
	r := h.resident(t, ann, "Ann")
	r.reach("heart")
	msg, doc := r.myData("/mydata")
	for _, want := range []string{"• First name: Ann", "• Skills to share: Cooking", "• Knowledge to share: Local history"} {
		if !strings.Contains(msg.Text, want) {
			t.Errorf("message lacks %q:\n%s", want, msg.Text)
		}
	}
	if doc.Person.FirstName != "Ann" || doc.Person.ChannelUserID != strconv.Itoa(ann) || len(doc.Answers) != 2 || doc.Answers[0].Text != "Cooking" {
		t.Errorf("document %+v; want Ann's, with her two answers", doc)
	}
	// The question she was at is not lost: her next answer goes on.
	r.say(residentPath[3].answer)
	r.asked("offer")
}

// TestMyDataUnknown: someone the bot never met gets a kind reply, no
// document, and no record is made of them.
func TestMyDataUnknown(t *testing.T) {
	t.Parallel()
	h := newHarness(t, fakeapi.Options{})
	const stranger = 5102
	r := h.resident(t, stranger, "Sid")
	r.say("/mydata")
	if got, want := r.reply().Text, en(flow.MsgMyDataNone); got != want {
		t.Errorf("got %q; want %q", got, want)
	}
	err := h.store.Update(context.Background(), func(tx *store.Tx) error {
		_, err := tx.Person(channel, strconv.Itoa(stranger))
		return err
	})
	if !errors.Is(err, store.ErrNotFound) {
		t.Errorf("after /mydata from someone unknown: %v; want no record of them", err)
	}
}

// TestMyDataFlood: a flood of /mydata, some with another resident's id
// after the command, sends one document, the sender's own, and a short
// reply to each of the rest, within the per-chat limit.
func TestMyDataFlood(t *testing.T) {
	t.Parallel()
	const limit = 1
	h := newIdleHarness(t, fakeapi.Options{PerChatRate: limit, PerChatBurst: limit})
	cfg := testConfig(h.fake)
	cfg.Send.PerChatRate, cfg.Send.PerChatBurst = limit, limit
	h.start(cfg)
	const ann, bob = 5103, 5104
	b := h.resident(t, bob, "Bob")
	b.say("/start")
	b.asked("consent")
	b.say("yes")
	b.asked("hands")

	a := h.resident(t, ann, "Ann")
	a.say("/start")
	a.asked("consent")
	a.say("yes")
	a.asked("hands")
	_, doc := a.myData("/mydata " + strconv.Itoa(bob))
	if doc.Person.FirstName != "Ann" || doc.Person.ChannelUserID != strconv.Itoa(ann) {
		t.Errorf("/mydata naming Bob sent %+v; want Ann's own data", doc.Person)
	}
	const more = 4
	for i := range more {
		a.say("/mydata " + strconv.Itoa(bob+i))
	}
	batch := a.await("a reply to each", func(s []fakeapi.Sent) bool { return len(s) >= more })
	for _, s := range batch {
		if s.Method != fakeapi.MethodSendMessage || s.Text != en(flow.MsgMyDataWait) {
			t.Errorf("got %s %q; want only %q", s.Method, s.Text, en(flow.MsgMyDataWait))
		}
	}
	docs := 0
	for _, s := range h.fake.Messages(ann) {
		if s.Method == fakeapi.MethodSendDocument {
			docs++
		}
	}
	if docs != 1 {
		t.Errorf("%d documents sent; want 1", docs)
	}
	if st := h.fake.Stats(); st.RateLimited != 0 {
		t.Errorf("the bot hit the per-chat limit %d times; want never", st.RateLimited)
	}
	for _, s := range h.fake.Messages(bob) {
		if s.Method == fakeapi.MethodSendDocument {
			t.Errorf("Bob was sent a document %q", s.File)
		}
	}
}
