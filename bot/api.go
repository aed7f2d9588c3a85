package bot

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
)

// contextClient makes the library's requests cancellable: go-telegram-bot-api
// takes no context, so each copy of the API client gets one through here.
type contextClient struct {
	ctx    context.Context
	client *http.Client
}

func (c contextClient) Do(req *http.Request) (*http.Response, error) {
	return c.client.Do(req.WithContext(c.ctx))
}

// withContext returns a copy of api whose requests end when ctx does.
func withContext(api *tgbotapi.BotAPI, client *http.Client, ctx context.Context) *tgbotapi.BotAPI {
	cp := *api
	cp.Client = contextClient{ctx: ctx, client: client}
	return &cp
}

// Allowances of the Bot API client beyond the send workers and the long
// poll.
const (
	spareConns     = 4                // for polling and set-up calls
	headerLeeway   = 15 * time.Second // for Telegram to answer after a long poll ends
	responseLeeway = 20 * time.Second // for the whole answer to arrive
)

// newHTTPClient returns a client for the Bot API whose timeout outlasts a
// long poll and which keeps enough idle connections for the send workers.
func newHTTPClient(pollTimeout time.Duration, conns int) *http.Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConns = conns + spareConns
	tr.MaxIdleConnsPerHost = conns + spareConns
	tr.ResponseHeaderTimeout = pollTimeout + headerLeeway
	return &http.Client{Transport: tr, Timeout: pollTimeout + responseLeeway}
}

// errorKind sorts a Bot API failure by what to do about it.
type errorKind string

const (
	errFlood       errorKind = "flood"        // 429: wait retry_after, then retry
	errBlocked     errorKind = "blocked"      // 403: the person is out of reach; never retry
	errUnchanged   errorKind = "unchanged"    // 400 message is not modified: it already says that
	errQueryTooOld errorKind = "query_old"    // 400 about an expired callback query: drop
	errBadRequest  errorKind = "bad_request"  // another 400: this message will never go
	errAuth        errorKind = "unauthorized" // 401: the token is wrong or revoked
	errConflict    errorKind = "conflict"     // 409: another poller or a webhook is active
	errServer      errorKind = "server"       // 5xx or an unreadable answer: retry with backoff
	errNetwork     errorKind = "network"      // no answer at all: retry with backoff
	errCanceled    errorKind = "canceled"     // we are shutting down
)

// defaultFloodWait is the pause after a 429 that names no retry_after.
const defaultFloodWait = time.Second

// classify says what kind of failure err is, and for a flood how long to wait.
func classify(err error) (errorKind, time.Duration) {
	var apiErr *tgbotapi.Error
	switch {
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded) && !isTimeout(err):
		return errCanceled, 0
	case errors.As(err, &apiErr):
		desc := strings.ToLower(apiErr.Message)
		code := apiErr.Code
		if code == 0 {
			// Uploads (sendPhoto) come back without an error code:
			// Telegram's descriptions start with the status's name.
			code = codeOf(desc)
		}
		switch {
		case code == http.StatusTooManyRequests:
			wait := time.Duration(apiErr.RetryAfter) * time.Second
			if wait <= 0 {
				wait = defaultFloodWait
			}
			return errFlood, wait
		case code == http.StatusForbidden:
			return errBlocked, 0
		case code == http.StatusUnauthorized:
			return errAuth, 0
		case code == http.StatusConflict:
			return errConflict, 0
		case code == http.StatusBadRequest && strings.Contains(desc, "message is not modified"):
			return errUnchanged, 0
		case code == http.StatusBadRequest && strings.Contains(desc, "query is too old"):
			return errQueryTooOld, 0
		case code >= 400 && code < 500:
			return errBadRequest, 0
		}
		return errServer, 0
	}
	var netErr net.Error
	var urlErr *url.Error
	if errors.As(err, &netErr) || errors.As(err, &urlErr) {
		return errNetwork, 0
	}
	return errServer, 0
}

// codeOf reads the HTTP status from the start of a lower-cased Bot API
// error description ("too many requests: retry after 5"), or 0.
func codeOf(desc string) int {
	for prefix, code := range map[string]int{
		"too many requests": http.StatusTooManyRequests,
		"forbidden":         http.StatusForbidden,
		"unauthorized":      http.StatusUnauthorized,
		"conflict":          http.StatusConflict,
		"bad request":       http.StatusBadRequest,
	} {
		if strings.HasPrefix(desc, prefix) {
			return code
		}
	}
	return 0
}

func isTimeout(err error) bool {
	var netErr net.Error
	return errors.As(err, &netErr) && netErr.Timeout()
}

// redactor removes the bot token from text: the library's network errors
// carry the request URL, and with it the token.
type redactor struct{ token string }

func (r redactor) String(s string) string {
	if r.token == "" {
		return s
	}
	return strings.ReplaceAll(s, r.token, "<token>")
}

func (r redactor) Err(err error) string {
	if err == nil {
		return ""
	}
	if msg := err.Error(); msg != "" {
		return r.String(msg)
	}
	// The library turns an error answer without a description (an
	// emulator's unsupported method, a proxy's page) into an empty error.
	return fmt.Sprintf("%T with no description", err)
}

// Wrap returns err with the token taken out of its text and its chain
// kept, for errors.Is and errors.As. (An error found in the chain has its
// own text, token and all: redact that too before showing it.)
func (r redactor) Wrap(err error) error {
	if err == nil {
		return nil
	}
	return &redactedError{msg: r.Err(err), err: err}
}

// redactedError is an error whose text has had the token removed.
type redactedError struct {
	msg string
	err error
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.err }

// libraryLogger keeps go-telegram-bot-api's own log lines (which may carry
// the token) out of the logs, redacted, at debug level.
type libraryLogger struct {
	log    func(msg string, args ...any)
	redact redactor
}

func (l libraryLogger) Println(v ...any) {
	l.log("telegram library", "detail", l.redact.String(strings.TrimSpace(fmt.Sprintln(v...))))
}

func (l libraryLogger) Printf(format string, v ...any) {
	l.log("telegram library", "detail", l.redact.String(strings.TrimSpace(fmt.Sprintf(format, v...))))
}
