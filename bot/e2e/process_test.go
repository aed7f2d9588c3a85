package e2e

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Timeouts. The race detector makes the binary several times slower, and CI
// machines are slow, so they are generous; the tests wait for events and
// only reach a timeout when something is wrong.
const (
	startTimeout = 20 * time.Second // a process to be ready
	replyTimeout = 15 * time.Second // the bot to act on one input
	stopTimeout  = 5 * time.Second  // the bot to exit after SIGTERM
	pollEvery    = 50 * time.Millisecond
)

// output collects what a child process writes and lets a test wait for it.
type output struct {
	mu      sync.Mutex
	buf     bytes.Buffer
	changed chan struct{} // closed and replaced on every write
}

func newOutput() *output { return &output{changed: make(chan struct{})} }

func (o *output) Write(p []byte) (int, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.buf.Write(p)
	close(o.changed)
	o.changed = make(chan struct{})
	return len(p), nil
}

func (o *output) String() string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.buf.String()
}

// await waits until match finds what it looks for in the output and
// returns it; it gives up when the process exits or the timeout passes.
func (o *output) await(exited <-chan struct{}, timeout time.Duration, match func(string) (string, bool)) (string, error) {
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		o.mu.Lock()
		text, changed := o.buf.String(), o.changed
		o.mu.Unlock()
		if found, ok := match(text); ok {
			return found, nil
		}
		select {
		case <-changed:
		case <-exited:
			if found, ok := match(o.String()); ok {
				return found, nil
			}
			return "", errors.New("the process exited")
		case <-deadline.C:
			return "", fmt.Errorf("nothing after %v", timeout)
		}
	}
}

// process is a running child process.
type process struct {
	name   string
	cmd    *exec.Cmd
	out    *output // stdout and stderr together
	exited chan struct{}
	err    error // from Wait, once exited is closed
}

func startProcess(name string, cmd *exec.Cmd) (*process, error) {
	p := &process{name: name, cmd: cmd, out: newOutput(), exited: make(chan struct{})}
	cmd.Stdout, cmd.Stderr = p.out, p.out
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	go func() {
		p.err = cmd.Wait()
		close(p.exited)
	}()
	return p, nil
}

// running reports whether the process has not exited yet.
func (p *process) running() bool {
	select {
	case <-p.exited:
		return false
	default:
		return true
	}
}

// childEnv is the environment of the assetbot processes. A binary built
// with -race sleeps a second before exiting, by default, to let other
// goroutines report races; that second would count against stopTimeout.
func childEnv() []string {
	env := os.Environ()
	if raceEnabled {
		env = append(env, "GORACE="+strings.TrimSpace(os.Getenv("GORACE")+" atexit_sleep_ms=0"))
	}
	return env
}

// kill ends the process with SIGKILL and waits for it.
func (p *process) kill() {
	if p.running() {
		_ = p.cmd.Process.Kill()
	}
	<-p.exited
}

// freePort returns a TCP port on 127.0.0.1 that was free a moment ago.
func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// startEmulator runs the telegram-test-api emulator on a free port.
func startEmulator(t *testing.T) *emulator {
	t.Helper()
	node := requireNode(t)
	var lastErr error
	for range 3 {
		port := freePort(t)
		p, err := startProcess("emulator", exec.Command(node, "server.js", strconv.Itoa(port)))
		if err != nil {
			t.Fatal(err)
		}
		_, err = p.out.await(p.exited, startTimeout, func(s string) (string, bool) {
			return "", strings.Contains(s, "ready\n")
		})
		if err == nil {
			t.Cleanup(func() {
				p.kill()
				if t.Failed() {
					t.Logf("emulator output:\n%s", p.out)
				}
			})
			return newEmulator(fmt.Sprintf("http://127.0.0.1:%d", port))
		}
		p.kill()
		lastErr = fmt.Errorf("emulator not ready: %w\n%s", err, p.out)
		if !strings.Contains(p.out.String(), "EADDRINUSE") {
			break
		}
	}
	t.Fatal(lastErr)
	return nil
}

// token is the bot token the tests give the bot and the emulator.
const token = "12345:e2e"

// deployment is one bot installation: an emulator standing in for
// Telegram, a config file and a database that outlive restarts of the bot.
type deployment struct {
	t      *testing.T
	emu    *emulator
	dir    string
	config string
	// webhook has the bot receive updates by webhook instead of polling.
	webhook bool
	// extra is YAML added at the end of the config file.
	extra string
}

func newDeployment(t *testing.T) *deployment {
	t.Helper()
	watchSources(t)
	dir := t.TempDir()
	return &deployment{t: t, emu: startEmulator(t), dir: dir, config: filepath.Join(dir, "config.yaml")}
}

// database is the path of the deployment's database file.
func (d *deployment) database() string { return filepath.Join(d.dir, "assetbot.db") }

// writeConfig writes the config file, with metricsPort for http.listen.
func (d *deployment) writeConfig(metricsPort int) {
	d.t.Helper()
	receive := ""
	if d.webhook {
		// The emulator sends no secret header.
		port := freePort(d.t)
		receive = fmt.Sprintf(`
  mode: webhook
  webhook:
    listen: 127.0.0.1:%d
    url: http://127.0.0.1:%d/telegram
    insecure_no_secret: true`, port, port)
	}
	cfg := fmt.Sprintf(`database:
  path: %s
telegram:
  token: %q
  api_endpoint: %s
  poll_timeout: 1s
  send:
    rate: 0
    per_chat_rate: 0%s
log:
  level: debug
http:
  listen: 127.0.0.1:%d
%s`, strconv.Quote(d.database()), token, d.emu.url, receive, metricsPort, d.extra)
	if err := os.WriteFile(d.config, []byte(cfg), 0o600); err != nil {
		d.t.Fatal(err)
	}
}

// botProcess is a running `assetbot run`.
type botProcess struct {
	*process
	metrics string // URL of /metrics
}

// listenLine finds where the bot serves its metrics in its log.
var listenLine = regexp.MustCompile(`msg="serving /healthz and /metrics" listen=(\S+)`)

// start runs `assetbot run` and waits until it takes updates. The process is
// killed at the end of the test if it still runs; its log is shown if the
// test failed, and a data race or an error it logs fails the test.
func (d *deployment) start() *botProcess {
	t := d.t
	t.Helper()
	d.writeConfig(freePort(t))
	cmd := exec.Command(binary(t), "run", "--config", d.config)
	cmd.Env = childEnv()
	p, err := startProcess("assetbot", cmd)
	if err != nil {
		t.Fatal(err)
	}
	b := &botProcess{process: p}
	t.Cleanup(func() {
		p.kill()
		log := p.out.String()
		if strings.Contains(log, "WARNING: DATA RACE") {
			t.Error("the race detector found a data race in assetbot")
		}
		if strings.Contains(log, "level=ERROR") {
			t.Error("assetbot logged an error")
		}
		if t.Failed() {
			t.Logf("assetbot log:\n%s", p.out)
		}
	})
	ready := `msg="assetbot is running"`
	if d.webhook {
		ready = `msg="receiving updates by webhook"`
	}
	addr, err := p.out.await(p.exited, startTimeout, func(s string) (string, bool) {
		m := listenLine.FindStringSubmatch(s)
		if m == nil || !strings.Contains(s, ready) {
			return "", false
		}
		return m[1], true
	})
	if err != nil {
		t.Fatalf("assetbot did not start: %v", err)
	}
	b.metrics = "http://" + addr + "/metrics"
	return b
}

// terminate sends SIGTERM and checks that the bot exits with status 0
// within stopTimeout.
func (b *botProcess) terminate(t *testing.T) {
	t.Helper()
	began := time.Now()
	if err := b.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatalf("send SIGTERM: %v", err)
	}
	select {
	case <-b.exited:
	case <-time.After(stopTimeout):
		t.Fatalf("assetbot still running %v after SIGTERM", stopTimeout)
	}
	if b.err != nil {
		t.Fatalf("assetbot after SIGTERM: got %v; want exit status 0", b.err)
	}
	if !strings.Contains(b.out.String(), `msg="assetbot stopped"`) {
		t.Errorf("assetbot exited without logging that it stopped")
	}
	t.Logf("assetbot exited 0, %v after SIGTERM", time.Since(began).Round(time.Millisecond))
}

// callbackAnswers reads how many callback queries the bot has answered.
func (b *botProcess) callbackAnswers(t *testing.T) int {
	t.Helper()
	req, err := http.NewRequestWithContext(context.Background(), http.MethodGet, b.metrics, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("read metrics: %v", err)
	}
	defer resp.Body.Close()
	var body bytes.Buffer
	if _, err := body.ReadFrom(resp.Body); err != nil {
		t.Fatalf("read metrics: %v", err)
	}
	const series = `assetbot_messages_sent_total{method="answerCallbackQuery"} `
	for line := range strings.Lines(body.String()) {
		if value, ok := strings.CutPrefix(line, series); ok {
			n, err := strconv.ParseFloat(strings.TrimSpace(value), 64)
			if err != nil {
				t.Fatalf("metrics: %q: %v", line, err)
			}
			return int(n)
		}
	}
	return 0
}

// awaitCallbackAnswers waits until the bot has answered want callback
// queries, and fails if it answers more.
func (b *botProcess) awaitCallbackAnswers(t *testing.T, want int) {
	t.Helper()
	deadline := time.Now().Add(replyTimeout)
	for {
		got := b.callbackAnswers(t)
		if got > want {
			t.Fatalf("callback queries answered: got %d; want %d", got, want)
		}
		if got == want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("callback queries answered after %v: got %d; want %d", replyTimeout, got, want)
		}
		time.Sleep(pollEvery)
	}
}

// export runs `assetbot export --format json` on the deployment's database.
func (d *deployment) export() exported {
	return decodeExport(d.t, []byte(d.cli("export", "--format", "json")))
}

// cli runs an assetbot command on the deployment's config and returns
// what it printed, failing the test if it fails.
func (d *deployment) cli(args ...string) string {
	t := d.t
	t.Helper()
	cmd := exec.Command(binary(t), append(args, "--config", d.config)...)
	cmd.Env = childEnv()
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("assetbot %v: %v\n%s", args, err, stderr.String())
	}
	return stdout.String()
}
