package bot

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"github.com/assetbot/assetbot/bot/fakeapi"
	"github.com/assetbot/assetbot/internal/flow"
	"github.com/assetbot/assetbot/internal/store"
)

// en is a catalogue message in English.
func en(msg string, vars ...string) string { return (&flow.Flow{}).Text(msg, "en", vars...) }

func TestInvite(t *testing.T) {
	t.Parallel()
	h := newHarness(t, fakeapi.Options{})
	r := h.resident(t, 601, "Ann")
	r.say("/invite")
	m := h.next(601)
	link := "https://t.me/" + fakeapi.BotUsername + "?start=r"
	if !strings.Contains(m.Text, link) {
		t.Fatalf("/invite = %q; want a link starting %s", m.Text, link)
	}
	code := m.Text[strings.Index(m.Text, "?start=")+len("?start=") : strings.Index(m.Text, "?start=")+len("?start=")+16]
	photo := h.next(601)
	if photo.Method != fakeapi.MethodSendPhoto || photo.Text != en(flow.MsgInviteCaption) {
		t.Fatalf("after the link: %+v; want the QR code as a photo", photo)
	}
	// The same link every time.
	r.say("/invite")
	if again := h.next(601); !strings.Contains(again.Text, "?start="+code) {
		t.Errorf("second /invite = %q; want the same code %s", again.Text, code)
	}
	h.next(601)
	// Someone starting through it starts as usual (the attribution itself
	// is TestStartThroughVolunteerLink's).
	h.resident(t, 602, "Bea").say("/start " + code)
	if m := h.next(602); !strings.Contains(m.Text, "Hi Bea") {
		t.Errorf("Bea through Ann's link got %q; want the usual greeting", m.Text)
	}
}

func TestVolunteerCommands(t *testing.T) {
	t.Parallel()
	h := newIdleHarness(t, fakeapi.Options{})
	const organiser, resident = 700, 701
	h.opts = []Option{WithOrganisers([]int64{organiser})}
	h.start(testConfig(h.fake))

	// Anyone else gets exactly the reply to a command the bot does not know.
	res := h.resident(t, resident, "Rhys")
	for _, cmd := range []string{"/volunteer Sam", "/volunteers"} {
		res.say(cmd)
		word, _, _ := strings.Cut(cmd, " ")
		if got, want := h.next(resident).Text, en(flow.MsgUnknownCommand, "command", word); got != want {
			t.Errorf("%s from a resident = %q; want the unknown-command reply %q", cmd, got, want)
		}
	}
	res.say("/nonsense")
	if got, want := h.next(resident).Text, en(flow.MsgUnknownCommand, "command", "/nonsense"); got != want {
		t.Errorf("/nonsense = %q; want %q", got, want)
	}
	res.say("/mystats")
	if got := h.next(resident).Text; got != en(flow.MsgNotVolunteer) {
		t.Errorf("/mystats from a resident = %q", got)
	}

	org := h.resident(t, organiser, "Olu")
	org.say("/volunteers")
	if got := h.next(organiser).Text; got != en(flow.MsgVolunteersNone) {
		t.Errorf("/volunteers with none = %q", got)
	}
	org.say("/volunteer")
	if got := h.next(organiser).Text; got != en(flow.MsgVolunteerUsage) {
		t.Errorf("/volunteer with no name = %q", got)
	}
	org.say("/volunteer " + strings.Repeat("x", 65))
	if got := h.next(organiser).Text; got != en(flow.MsgVolunteerName) {
		t.Errorf("/volunteer with a long name = %q", got)
	}
	org.say("/volunteer Sam Jones")
	added := h.next(organiser)
	i := strings.Index(added.Text, "?start=v")
	if !strings.HasPrefix(added.Text, "Sam Jones is registered") || i < 0 {
		t.Fatalf("/volunteer Sam Jones = %q; want the registration and link", added.Text)
	}
	code := added.Text[i+len("?start=") : i+len("?start=")+16]
	photo := h.next(organiser)
	if photo.Method != fakeapi.MethodSendPhoto {
		t.Fatalf("after the link: %+v; want the QR code", photo)
	}
	h.resident(t, 702, "Cai").say("/start " + code)
	h.next(702)
	org.say("/volunteers")
	if got := h.next(organiser).Text; got != "• Sam Jones (active): 1 started, 0 finished, 0 brought others, longest chain 1" {
		t.Errorf("/volunteers = %q; want Sam with one started", got)
	}
	vs, err := h.store.Volunteers(context.Background())
	if err != nil || len(vs) != 1 || vs[0].Started != 1 {
		t.Errorf("stored volunteers = %+v, %v", vs, err)
	}

	// Sam, once his Telegram id is on his record, sees his own results.
	const sam = 703
	if err := h.store.Update(context.Background(), func(tx *store.Tx) error {
		_, err := tx.SetVolunteerTelegram(code, strconv.Itoa(sam))
		return err
	}); err != nil {
		t.Fatal(err)
	}
	h.resident(t, sam, "Sam").say("/mystats")
	if got, want := h.next(sam).Text, en(flow.MsgMyStats, "started", "1", "finished", "0", "brought", "0", "chain", "1"); got != want {
		t.Errorf("/mystats from Sam = %q; want %q", got, want)
	}
}
