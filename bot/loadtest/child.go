package loadtest

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// clockTicks is USER_HZ, the unit of utime and stime in /proc/<pid>/stat;
// it is 100 on every Linux architecture Go supports.
const clockTicks = 100

// child is one run of the bot process.
type child struct {
	cmd  *exec.Cmd
	done chan struct{} // closed once the process has exited and been reaped
	err  error         // the Wait result, set before done closes
}

// supervisor starts, kills and restarts the bot, and accounts for the CPU
// and memory of all its runs. It is used from one goroutine.
type supervisor struct {
	binary  string
	config  string
	logPath string
	log     *slog.Logger

	cur       *child
	exitedCPU time.Duration // CPU of the runs that have ended
	peakRSS   int64         // bytes
	kills     int
}

// start launches a new run of the bot as s.cur.
func (s *supervisor) start() error {
	out, err := os.OpenFile(s.logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return fmt.Errorf("open bot log: %w", err)
	}
	defer out.Close()
	cmd := exec.Command(s.binary, "run", "--config", s.config)
	cmd.Stdout = out
	cmd.Stderr = out
	// Its own process group keeps a terminal's Ctrl-C to us (we stop the
	// bot ourselves); Pdeathsig ends it if we die first.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start bot %s: %w", s.binary, err)
	}
	c := &child{cmd: cmd, done: make(chan struct{})}
	go func() {
		c.err = cmd.Wait()
		close(c.done)
	}()
	s.cur = c
	s.log.Debug("bot started", "pid", cmd.Process.Pid)
	return nil
}

// exited is closed when the current run ends.
func (s *supervisor) exited() <-chan struct{} {
	return s.cur.done
}

// kill SIGKILLs the current run and starts a new one at once.
func (s *supervisor) kill() error {
	s.sampleRSS()
	if err := s.cur.cmd.Process.Signal(syscall.SIGKILL); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return fmt.Errorf("kill bot: %w", err)
	}
	<-s.cur.done
	s.account()
	s.kills++
	return s.start()
}

// stop SIGTERMs the current run and waits for it, SIGKILLing it after grace.
func (s *supervisor) stop(grace time.Duration) error {
	select {
	case <-s.cur.done:
		s.account()
		return s.cur.err
	default:
	}
	s.sampleRSS()
	if err := s.cur.cmd.Process.Signal(syscall.SIGTERM); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return fmt.Errorf("stop bot: %w", err)
	}
	t := time.NewTimer(grace)
	defer t.Stop()
	select {
	case <-s.cur.done:
	case <-t.C:
		s.log.Warn("bot ignored SIGTERM, killing it", "grace", grace)
		_ = s.cur.cmd.Process.Signal(syscall.SIGKILL)
		<-s.cur.done
	}
	s.account()
	if s.cur.err != nil {
		return fmt.Errorf("bot exit after SIGTERM: %w", s.cur.err)
	}
	return nil
}

// account adds an ended run's CPU and peak memory.
func (s *supervisor) account() {
	st := s.cur.cmd.ProcessState
	if st == nil {
		return
	}
	s.exitedCPU += st.UserTime() + st.SystemTime()
	if ru, ok := st.SysUsage().(*syscall.Rusage); ok {
		s.peakRSS = max(s.peakRSS, ru.Maxrss*1024) // kilobytes on Linux
	}
}

// sampleRSS records the current run's VmHWM.
func (s *supervisor) sampleRSS() {
	if b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", s.cur.cmd.Process.Pid)); err == nil {
		if hwm, err := parseHWM(b); err == nil {
			s.peakRSS = max(s.peakRSS, hwm)
		}
	}
}

// cpu is the CPU time used by all runs so far.
func (s *supervisor) cpu() time.Duration {
	total := s.exitedCPU
	select {
	case <-s.cur.done:
		return total
	default:
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", s.cur.cmd.Process.Pid))
	if err != nil {
		return total
	}
	ticks, err := parseStatCPU(b)
	if err != nil {
		s.log.Warn("read bot cpu time", "err", err)
		return total
	}
	return total + time.Duration(ticks)*time.Second/clockTicks
}

// parseStatCPU returns utime+stime, in clock ticks, from /proc/<pid>/stat.
func parseStatCPU(stat []byte) (int64, error) {
	// The command name (field 2) may hold spaces and parentheses, so count
	// fields from the last ')'; field 3 (state) is then the first.
	i := bytes.LastIndexByte(stat, ')')
	if i < 0 {
		return 0, errors.New("parse /proc stat: no command name")
	}
	f := strings.Fields(string(stat[i+1:]))
	if len(f) < 13 {
		return 0, fmt.Errorf("parse /proc stat: %d fields after the name", len(f))
	}
	utime, err1 := strconv.ParseInt(f[11], 10, 64)
	stime, err2 := strconv.ParseInt(f[12], 10, 64)
	if err := errors.Join(err1, err2); err != nil {
		return 0, fmt.Errorf("parse /proc stat: %w", err)
	}
	return utime + stime, nil
}

// parseHWM returns VmHWM, the peak resident set, in bytes from
// /proc/<pid>/status.
func parseHWM(status []byte) (int64, error) {
	sc := bufio.NewScanner(bytes.NewReader(status))
	for sc.Scan() {
		rest, ok := strings.CutPrefix(sc.Text(), "VmHWM:")
		if !ok {
			continue
		}
		f := strings.Fields(rest)
		if len(f) != 2 || f[1] != "kB" {
			return 0, fmt.Errorf("parse VmHWM %q", rest)
		}
		kb, err := strconv.ParseInt(f[0], 10, 64)
		if err != nil {
			return 0, fmt.Errorf("parse VmHWM: %w", err)
		}
		return kb * 1024, nil
	}
	return 0, errors.New("parse /proc status: no VmHWM")
}

// tail returns up to n bytes from the end of a file, for error messages.
func tail(path string, n int64) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	if st, err := f.Stat(); err == nil && st.Size() > n {
		_, _ = f.Seek(-n, io.SeekEnd)
	}
	b, _ := io.ReadAll(f)
	return strings.TrimSpace(string(b))
}
