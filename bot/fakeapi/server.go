// Package fakeapi is a loopback fake of the Telegram Bot API for tests and
// load tests of assetbot.
//
// A Server speaks enough of the Bot API (getMe, getUpdates with real long
// polling, sendMessage, editMessageText, editMessageReplyMarkup,
// answerCallbackQuery, command and webhook setup) for go-telegram-bot-api
// v5.5.1 to run against it. Tests play users with SendText, PressButton and
// friends, read what the bot did with Messages, WaitFor and NextMessage, and
// inject failures with Fail or OnRequest. Options turn on Telegram's flood
// limits, and the fake counts duplicate messages, the usual symptom of a bot
// that resends after a crash.
//
//	fake := fakeapi.New(fakeapi.Options{})
//	if err := fake.Start(); err != nil { ... }
//	defer fake.Close()
//	api, err := tgbotapi.NewBotAPIWithClient(fakeapi.DefaultToken, fake.Endpoint(), client)
//	fake.SendCommand(42, "Ann", "/start")
//	msg, err := fake.NextMessage(ctx, 42)
package fakeapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"mime"
	"mime/multipart"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/time/rate"
)

// Identity of the fake bot, as getMe reports it.
const (
	BotID       = 1
	BotUsername = "assetbot_test_bot"
	// DefaultToken is the token accepted when Options.Token is empty.
	DefaultToken = "123456:TEST-token"
)

// Options configure a Server. The zero value is a permissive fake that keeps
// full history.
type Options struct {
	// Token is the only bot token accepted (others get 401 Unauthorized);
	// "" means DefaultToken.
	Token string
	// GlobalRate limits sends and edits over all chats, per second (0 = off).
	GlobalRate float64
	// GlobalBurst is the global bucket size; 0 means GlobalRate rounded up.
	GlobalBurst int
	// GlobalWindow makes the global limit strict, as Telegram states it:
	// at most GlobalRate (rounded down, at least 1) sends and edits in any
	// one-second window, counted as they arrive. GlobalBurst is then unused.
	GlobalWindow bool
	// PerChatRate limits sends and edits to one chat, per second (0 = off).
	PerChatRate float64
	// PerChatBurst is the per-chat bucket size; 0 means 1.
	PerChatBurst int
	// Jitter holds each request a random time in [0, Jitter) before serving
	// it, as a network whose delay varies would: requests sent in one order
	// may arrive in another, and closer together than they were sent.
	Jitter time.Duration
	// UniqueButtons says the bot under test never sends the same buttons
	// twice (assetbot numbers its questions in their callback data), so a
	// message repeating one of a chat's latest buttoned messages counts as
	// a duplicate even when the user spoke in between: the resend after a
	// crash that a quick user would otherwise hide.
	UniqueButtons bool
	// Light keeps only counters and the last Sent of each chat (plus the few
	// latest messages needed to serve edits), for load tests.
	Light bool
	// OnSent, if set, is called after every recorded Sent, once its
	// response has been written, from the request's goroutine. It must not
	// block for long: the bot waits for it.
	OnSent func(Sent)
}

// Server is the fake Bot API. It is an http.Handler; Start serves it on a
// loopback port. All methods are safe for concurrent use.
type Server struct {
	opts   Options
	token  string
	global *rate.Limiter  // token-bucket global limit
	window *slidingWindow // strict global limit (Options.GlobalWindow)

	done      chan struct{}
	closeOnce sync.Once
	srv       *http.Server
	url       string

	chats sync.Map // int64 -> *chat
	queue queue
	stats counters

	faultMu sync.Mutex
	rules   []*faultRule
	nRules  atomic.Int32
	hook    atomic.Pointer[func(string, url.Values) *Fault]

	callMu  sync.Mutex
	calls   map[string][]url.Values
	webhook url.Values
}

// New returns a Server that is not yet listening; use Start, or mount it on
// an httptest.Server (then call Close before closing that, to end long polls).
func New(opts Options) *Server {
	s := &Server{
		opts:  opts,
		token: opts.Token,
		done:  make(chan struct{}),
		calls: make(map[string][]url.Values),
	}
	if s.token == "" {
		s.token = DefaultToken
	}
	switch {
	case opts.GlobalRate > 0 && opts.GlobalWindow:
		s.window = newSlidingWindow(int(opts.GlobalRate), time.Second, time.Now)
	case opts.GlobalRate > 0:
		burst := opts.GlobalBurst
		if burst <= 0 {
			burst = int(opts.GlobalRate + 0.999)
		}
		s.global = rate.NewLimiter(rate.Limit(opts.GlobalRate), burst)
	}
	s.queue.nextID = 1
	s.stats.unknown = make(map[string]int64)
	s.stats.byMethod = make([]atomic.Int64, len(methods))
	return s
}

// Start serves the fake on a free 127.0.0.1 port until Close.
func (s *Server) Start() error {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return fmt.Errorf("listen for fake telegram api: %w", err)
	}
	s.srv = &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second}
	s.url = "http://" + ln.Addr().String()
	go func() { _ = s.srv.Serve(ln) }()
	return nil
}

// URL is the base URL after Start, e.g. "http://127.0.0.1:41234".
func (s *Server) URL() string {
	return s.url
}

// Endpoint is the API endpoint format for tgbotapi (URL()+"/bot%s/%s").
func (s *Server) Endpoint() string {
	return s.url + "/bot%s/%s"
}

// Token is the bot token the fake accepts.
func (s *Server) Token() string {
	return s.token
}

// Close ends pending long polls (they return no updates) and, after Start,
// stops serving.
func (s *Server) Close() {
	s.closeOnce.Do(func() {
		close(s.done)
		if s.srv != nil {
			_ = s.srv.Close()
		}
	})
}

// apiError is a Bot API failure.
type apiError struct {
	code       int
	desc       string
	retryAfter int
}

func badRequest(desc string) *apiError {
	return &apiError{code: http.StatusBadRequest, desc: "Bad Request: " + desc}
}

var (
	errNotFound     = &apiError{code: http.StatusNotFound, desc: "Not Found"}
	errUnauthorized = &apiError{code: http.StatusUnauthorized, desc: "Unauthorized"}
)

// ServeHTTP serves /bot<token>/<method> requests, GET or POST, with form,
// multipart or JSON parameters.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if s.opts.Jitter > 0 {
		s.wait(rand.N(s.opts.Jitter))
	}
	rest, ok := strings.CutPrefix(r.URL.Path, "/bot")
	token, name, ok2 := strings.Cut(rest, "/")
	if !ok || !ok2 {
		s.writeError(w, errNotFound)
		return
	}
	m := lookupMethod(name)
	s.stats.count(m, name)
	if token != s.token {
		s.writeError(w, errUnauthorized)
		return
	}
	if m == nil {
		s.writeError(w, errNotFound)
		return
	}
	params, files, err := parseParams(r)
	if err != nil {
		s.writeError(w, badRequest("can't parse request: "+err.Error()))
		return
	}
	f := s.faultFor(m.name, params)
	if f != nil && f.Delay > 0 {
		s.wait(f.Delay)
	}
	if f != nil && f.failing() && !f.Commit {
		s.writeFault(w, f)
		return
	}
	if m.setup {
		s.record(m.name, params)
	}
	res, sent, aerr := m.serve(s, r.Context(), params, files)
	if f != nil && f.failing() {
		s.writeFault(w, f)
	} else if aerr != nil {
		s.writeError(w, aerr)
	} else {
		writeResult(w, res)
	}
	if sent != nil && s.opts.OnSent != nil {
		if fl, ok := w.(http.Flusher); ok && (f == nil || !f.Reset) {
			fl.Flush()
		}
		s.opts.OnSent(*sent)
	}
}

// uploaded is a file part of a multipart request.
type uploaded struct {
	name string
	size int64
	// data is the bytes of a document; other files (photos) are not
	// kept, only counted.
	data []byte
}

// maxBody bounds request bodies; Telegram allows 50 MB uploads.
const maxBody = 50 << 20

// parseParams merges query, form, multipart and JSON parameters. JSON values
// that are not strings keep their JSON text, as tgbotapi sends objects.
func parseParams(r *http.Request) (url.Values, map[string]uploaded, error) {
	r.Body = http.MaxBytesReader(nil, r.Body, maxBody)
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch ct {
	case "application/json":
		params := r.URL.Query()
		var obj map[string]json.RawMessage
		dec := json.NewDecoder(r.Body)
		if err := dec.Decode(&obj); err != nil && !errors.Is(err, io.EOF) {
			return nil, nil, err
		}
		for k, v := range obj {
			var str string
			if len(v) > 0 && v[0] == '"' && json.Unmarshal(v, &str) == nil {
				params.Set(k, str)
			} else if string(v) != "null" {
				params.Set(k, string(v))
			}
		}
		return params, nil, nil
	case "multipart/form-data":
		if err := r.ParseMultipartForm(1 << 20); err != nil {
			return nil, nil, err
		}
		files := make(map[string]uploaded)
		for k, fhs := range r.MultipartForm.File {
			if len(fhs) > 0 {
				f := uploaded{name: fhs[0].Filename, size: fhs[0].Size}
				if k == "document" {
					data, err := readUpload(fhs[0])
					if err != nil {
						return nil, nil, err
					}
					f.data = data
				}
				files[k] = f
			}
		}
		_ = r.MultipartForm.RemoveAll()
		return r.Form, files, nil
	default:
		if err := r.ParseForm(); err != nil {
			return nil, nil, err
		}
		return r.Form, nil, nil
	}
}

func writeResult(w http.ResponseWriter, result []byte) {
	h := w.Header()
	h.Set("Content-Type", "application/json")
	buf := make([]byte, 0, len(result)+22)
	buf = append(buf, `{"ok":true,"result":`...)
	buf = append(buf, result...)
	buf = append(buf, '}')
	// A known length lets an early Flush send the whole response at once,
	// not as chunks.
	h.Set("Content-Length", strconv.Itoa(len(buf)))
	_, _ = w.Write(buf)
}

type errorBody struct {
	OK          bool            `json:"ok"`
	ErrorCode   int             `json:"error_code"`
	Description string          `json:"description"`
	Parameters  *errorParameter `json:"parameters,omitempty"`
}

type errorParameter struct {
	RetryAfter int `json:"retry_after"`
}

func (s *Server) writeError(w http.ResponseWriter, e *apiError) {
	if e.code == http.StatusTooManyRequests {
		s.stats.tooMany.Add(1)
	}
	body := errorBody{ErrorCode: e.code, Description: e.desc}
	if e.retryAfter > 0 {
		body.Parameters = &errorParameter{RetryAfter: e.retryAfter}
	}
	b, _ := json.Marshal(body)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(e.code)
	_, _ = w.Write(b)
}

// method is one served Bot API method.
type method struct {
	name  string
	index int
	setup bool
	// serve runs the method; sent, if not nil, is passed to OnSent.
	serve func(s *Server, ctx context.Context, p url.Values, files map[string]uploaded) ([]byte, *Sent, *apiError)
}

var (
	methods       []*method
	methodsByName map[string]*method
)

func init() {
	list := []struct {
		name  string
		serve func(*Server, context.Context, url.Values, map[string]uploaded) ([]byte, *Sent, *apiError)
		// setup methods are kept for Calls.
		setup bool
	}{
		{"getMe", (*Server).getMe, true},
		{"getUpdates", (*Server).getUpdates, false},
		{MethodSendMessage, (*Server).sendMessage, false},
		{MethodEditMessageText, (*Server).editMessageText, false},
		{MethodEditMessageReplyMarkup, (*Server).editMessageReplyMarkup, false},
		{MethodAnswerCallbackQuery, (*Server).answerCallbackQuery, false},
		{MethodDeleteMessage, (*Server).deleteMessage, false},
		{MethodSendPhoto, (*Server).sendPhoto, false},
		{MethodSendDocument, (*Server).sendDocument, false},
		{"sendChatAction", (*Server).trueCall, false},
		{"setMyCommands", (*Server).trueCall, true},
		{"deleteMyCommands", (*Server).trueCall, true},
		{"setChatMenuButton", (*Server).trueCall, true},
		{"setWebhook", (*Server).setWebhook, true},
		{"deleteWebhook", (*Server).deleteWebhook, true},
		{"getWebhookInfo", (*Server).getWebhookInfo, true},
		{"logOut", (*Server).trueCall, true},
		{"close", (*Server).trueCall, true},
	}
	methodsByName = make(map[string]*method, len(list))
	for i, m := range list {
		mm := &method{name: m.name, index: i, serve: m.serve, setup: m.setup}
		methods = append(methods, mm)
		methodsByName[strings.ToLower(m.name)] = mm
	}
}

// lookupMethod finds a method by name, ignoring case as Telegram does.
func lookupMethod(name string) *method {
	if m, ok := methodsByName[name]; ok {
		return m
	}
	return methodsByName[strings.ToLower(name)]
}

func (s *Server) getMe(context.Context, url.Values, map[string]uploaded) ([]byte, *Sent, *apiError) {
	b, _ := json.Marshal(wireGetMe{wireUser: botUser, CanJoinGroups: true})
	return b, nil, nil
}

// record keeps the params of a set-up call for Calls.
func (s *Server) record(name string, p url.Values) {
	s.callMu.Lock()
	s.calls[name] = append(s.calls[name], p)
	s.callMu.Unlock()
}

// trueCall serves set-up methods that just return true.
func (s *Server) trueCall(context.Context, url.Values, map[string]uploaded) ([]byte, *Sent, *apiError) {
	return []byte("true"), nil, nil
}

func (s *Server) setWebhook(_ context.Context, p url.Values, _ map[string]uploaded) ([]byte, *Sent, *apiError) {
	if p.Get("url") == "" {
		return s.deleteWebhook(context.Background(), p, nil)
	}
	s.callMu.Lock()
	s.webhook = p
	s.callMu.Unlock()
	return []byte("true"), nil, nil
}

func (s *Server) deleteWebhook(_ context.Context, p url.Values, _ map[string]uploaded) ([]byte, *Sent, *apiError) {
	s.callMu.Lock()
	s.webhook = nil
	s.callMu.Unlock()
	if p.Get("drop_pending_updates") == "true" {
		s.queue.dropAll()
	}
	return []byte("true"), nil, nil
}

func (s *Server) getWebhookInfo(context.Context, url.Values, map[string]uploaded) ([]byte, *Sent, *apiError) {
	info := wireWebhookInfo{PendingUpdateCount: s.Pending()}
	if wh := s.Webhook(); wh != nil {
		info.URL = wh.Get("url")
		info.MaxConnections, _ = strconv.Atoi(wh.Get("max_connections"))
		info.IPAddress = wh.Get("ip_address")
		_ = json.Unmarshal([]byte(wh.Get("allowed_updates")), &info.AllowedUpdates)
	}
	b, _ := json.Marshal(info)
	return b, nil, nil
}

// Webhook returns the parameters of the webhook set with setWebhook
// (url, secret_token, ...), nil when none is set.
func (s *Server) Webhook() url.Values {
	s.callMu.Lock()
	defer s.callMu.Unlock()
	return s.webhook
}

// Calls returns the parameters of every call to a method other than
// getUpdates and the chat methods recorded as Sent, e.g. "setMyCommands".
func (s *Server) Calls(method string) []url.Values {
	s.callMu.Lock()
	defer s.callMu.Unlock()
	return append([]url.Values(nil), s.calls[method]...)
}

// readUpload reads an uploaded file's bytes.
func readUpload(fh *multipart.FileHeader) ([]byte, error) {
	f, err := fh.Open()
	if err != nil {
		return nil, fmt.Errorf("open the upload %s: %w", fh.Filename, err)
	}
	defer f.Close()
	data, err := io.ReadAll(f)
	if err != nil {
		return nil, fmt.Errorf("read the upload %s: %w", fh.Filename, err)
	}
	return data, nil
}
