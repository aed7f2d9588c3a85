package e2e

import (
	"net/url"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/assetbot/assetbot/internal/flow"
)

// TestSIGHUPReload adds an organiser to the config file of the running
// binary and sends it SIGHUP: /volunteers goes from the unknown-command
// reply to the organiser's answer without a restart.
func TestSIGHUPReload(t *testing.T) {
	const olu = 501
	d := newDeployment(t)
	d.extra = "organisers: []\n"
	bot := d.start()
	r := newResident(t, d, olu, "Olu")
	r.command("/volunteers")
	r.next(botSays(t, flow.MsgUnknownCommand, "command", "/volunteers"))

	// The same metrics port, so that the only change is the organisers.
	u, err := url.Parse(bot.metrics)
	if err != nil {
		t.Fatal(err)
	}
	port, err := strconv.Atoi(u.Port())
	if err != nil {
		t.Fatal(err)
	}
	d.extra = "organisers: [" + strconv.Itoa(olu) + "]\n"
	d.writeConfig(port)
	if err := bot.cmd.Process.Signal(syscall.SIGHUP); err != nil {
		t.Fatalf("send SIGHUP: %v", err)
	}
	const reloaded = `msg="config reloaded" organisers=1 organisers_added=1 organisers_removed=0`
	if _, err := bot.out.await(bot.exited, replyTimeout, func(s string) (string, bool) {
		return "", strings.Contains(s, reloaded)
	}); err != nil {
		t.Fatalf("waiting for %q in the log: %v", reloaded, err)
	}
	if strings.Contains(bot.out.String(), "take effect at the next start") {
		t.Error("the reload reported settings waiting for a restart; only the organisers changed")
	}
	r.command("/volunteers")
	r.next(botSays(t, flow.MsgVolunteersNone))
	bot.terminate(t)
}
