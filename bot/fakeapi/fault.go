package fakeapi

import (
	"fmt"
	"net"
	"net/http"
	"net/url"
	"time"
)

// Fault is a failure the fake injects into a request instead of (or, with
// Commit, after) serving it. A zero Fault does nothing.
type Fault struct {
	// Status is the HTTP status and error_code of the failure response;
	// 0 sends no error (use with Delay alone).
	Status int
	// Description is the error description; "" picks the usual Telegram text
	// for Status (see DefaultDescription).
	Description string
	// RetryAfter is sent as parameters.retry_after (seconds) when above 0.
	RetryAfter int
	// Body, when set, is sent verbatim instead of the JSON error, e.g. the
	// HTML page a proxy returns with a 502.
	Body []byte
	// Delay holds the request this long before anything else happens. A
	// delayed request still takes effect unless Status or Reset is set, as a
	// slow Telegram would deliver a message whose client timed out.
	Delay time.Duration
	// Reset closes the connection without a response (TCP RST).
	Reset bool
	// Commit makes the request take effect first (the message is sent, the
	// update confirmed) and then fails it: a lost response.
	Commit bool
}

// failing reports whether f replaces the response.
func (f *Fault) failing() bool {
	return f.Status != 0 || f.Reset
}

// TooManyRequests is the 429 a flood-limited bot gets.
func TooManyRequests(retryAfter int) Fault {
	return Fault{Status: http.StatusTooManyRequests, RetryAfter: retryAfter}
}

// Blocked is the 403 for a user who blocked the bot.
func Blocked() Fault {
	return Fault{Status: http.StatusForbidden, Description: descBlocked}
}

// InternalError is a 500 Internal Server Error.
func InternalError() Fault {
	return Fault{Status: http.StatusInternalServerError}
}

// BadGateway is a 502 Bad Gateway with a JSON body.
func BadGateway() Fault {
	return Fault{Status: http.StatusBadGateway}
}

// Delay holds a request for d and then serves it normally.
func Delay(d time.Duration) Fault {
	return Fault{Delay: d}
}

// ConnReset drops the connection without answering.
func ConnReset() Fault {
	return Fault{Reset: true}
}

const descBlocked = "Forbidden: bot was blocked by the user"

// DefaultDescription is the Telegram error description for an HTTP status.
func DefaultDescription(status, retryAfter int) string {
	switch status {
	case http.StatusTooManyRequests:
		return fmt.Sprintf("Too Many Requests: retry after %d", retryAfter)
	case http.StatusForbidden:
		return descBlocked
	case http.StatusUnauthorized:
		return "Unauthorized"
	case http.StatusNotFound:
		return "Not Found"
	case http.StatusConflict:
		return "Conflict"
	case http.StatusBadRequest:
		return "Bad Request"
	default:
		return http.StatusText(status)
	}
}

// faultRule is one Fail registration.
type faultRule struct {
	method string
	left   int // < 0: until ClearFaults
	fault  Fault
}

// Fail makes the next n requests to method (any method when "") fail with f;
// n <= 0 means every request until ClearFaults. Rules apply in the order
// they were added, before the OnRequest hook.
func (s *Server) Fail(method string, n int, f Fault) {
	if n <= 0 {
		n = -1
	}
	s.faultMu.Lock()
	s.rules = append(s.rules, &faultRule{method: method, left: n, fault: f})
	s.nRules.Store(int32(len(s.rules)))
	s.faultMu.Unlock()
}

// OnRequest installs h, called for every authorised request the Fail rules
// left alone; a non-nil result is injected as a fault. h runs concurrently
// and must not modify params. A nil h removes the hook.
func (s *Server) OnRequest(h func(method string, params url.Values) *Fault) {
	if h == nil {
		s.hook.Store(nil)
		return
	}
	s.hook.Store(&h)
}

// ClearFaults removes every Fail rule and the OnRequest hook.
func (s *Server) ClearFaults() {
	s.faultMu.Lock()
	s.rules = nil
	s.nRules.Store(0)
	s.faultMu.Unlock()
	s.hook.Store(nil)
}

// faultFor picks the fault for a request, if any.
func (s *Server) faultFor(method string, params url.Values) *Fault {
	if s.nRules.Load() > 0 {
		s.faultMu.Lock()
		for i, r := range s.rules {
			if r.method != "" && r.method != method {
				continue
			}
			f := r.fault
			if r.left > 0 {
				r.left--
				if r.left == 0 {
					s.rules = append(s.rules[:i:i], s.rules[i+1:]...)
					s.nRules.Store(int32(len(s.rules)))
				}
			}
			s.faultMu.Unlock()
			return &f
		}
		s.faultMu.Unlock()
	}
	if h := s.hook.Load(); h != nil {
		return (*h)(method, params)
	}
	return nil
}

// wait holds a request for d, or less if the server closes.
func (s *Server) wait(d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-s.done:
	}
}

// writeFault answers (or drops) a request as f says.
func (s *Server) writeFault(w http.ResponseWriter, f *Fault) {
	s.stats.faults.Add(1)
	if f.Reset {
		s.reset(w)
		return
	}
	if f.Body != nil {
		if f.Status == http.StatusTooManyRequests {
			s.stats.tooMany.Add(1)
		}
		w.WriteHeader(f.Status)
		_, _ = w.Write(f.Body)
		return
	}
	desc := f.Description
	if desc == "" {
		desc = DefaultDescription(f.Status, f.RetryAfter)
	}
	s.writeError(w, &apiError{code: f.Status, desc: desc, retryAfter: f.RetryAfter})
}

// reset closes the client connection abruptly, with an RST where possible.
func (s *Server) reset(w http.ResponseWriter) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		panic(http.ErrAbortHandler)
	}
	conn, _, err := hj.Hijack()
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	if tc, ok := conn.(*net.TCPConn); ok {
		_ = tc.SetLinger(0)
	}
	_ = conn.Close()
}
