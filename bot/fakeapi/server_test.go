package fakeapi

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"
)

// response is a decoded Bot API answer.
type response struct {
	OK          bool            `json:"ok"`
	Result      json.RawMessage `json:"result"`
	ErrorCode   int             `json:"error_code"`
	Description string          `json:"description"`
	Parameters  *struct {
		RetryAfter int `json:"retry_after"`
	} `json:"parameters"`
}

func start(t *testing.T, opts Options) *Server {
	t.Helper()
	s := New(opts)
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}

// call posts a form request and decodes the answer.
func call(t *testing.T, s *Server, method string, params url.Values) (int, response) {
	t.Helper()
	resp, err := http.PostForm(fmt.Sprintf(s.Endpoint(), s.Token(), method), params)
	if err != nil {
		t.Fatalf("%s: %v", method, err)
	}
	defer resp.Body.Close()
	var r response
	if err := json.NewDecoder(resp.Body).Decode(&r); err != nil {
		t.Fatalf("%s: decode: %v", method, err)
	}
	if r.OK != (resp.StatusCode == http.StatusOK) || (!r.OK && r.ErrorCode != resp.StatusCode) {
		t.Fatalf("%s: status %d with ok=%v error_code=%d", method, resp.StatusCode, r.OK, r.ErrorCode)
	}
	return resp.StatusCode, r
}

func mustOK(t *testing.T, s *Server, method string, params url.Values) json.RawMessage {
	t.Helper()
	status, r := call(t, s, method, params)
	if status != http.StatusOK {
		t.Fatalf("%s: got %d %q; want 200", method, status, r.Description)
	}
	return r.Result
}

type update struct {
	UpdateID int `json:"update_id"`
	Message  *struct {
		MessageID int    `json:"message_id"`
		Text      string `json:"text"`
		Chat      struct {
			ID   int64  `json:"id"`
			Type string `json:"type"`
		} `json:"chat"`
		Entities []Entity `json:"entities"`
		ReplyTo  *struct {
			MessageID int `json:"message_id"`
		} `json:"reply_to_message"`
		Location *wireLocation `json:"location"`
	} `json:"message"`
	CallbackQuery *struct {
		ID      string `json:"id"`
		Data    string `json:"data"`
		Message struct {
			MessageID int    `json:"message_id"`
			Text      string `json:"text"`
		} `json:"message"`
	} `json:"callback_query"`
}

func getUpdates(t *testing.T, s *Server, params url.Values) []update {
	t.Helper()
	var ups []update
	if err := json.Unmarshal(mustOK(t, s, "getUpdates", params), &ups); err != nil {
		t.Fatal(err)
	}
	return ups
}

func ids(ups []update) []int {
	out := []int{}
	for _, u := range ups {
		out = append(out, u.UpdateID)
	}
	return out
}

func TestGetUpdatesOffset(t *testing.T) {
	tests := []struct {
		name   string
		params []url.Values // successive calls; the last one's ids are checked
		want   []int
	}{
		{"no offset returns all", []url.Values{{}}, []int{1, 2, 3}},
		{"offset confirms earlier", []url.Values{{"offset": {"2"}}}, []int{2, 3}},
		{"confirmed stay gone", []url.Values{{"offset": {"3"}}, {}}, []int{3}},
		{"offset past all", []url.Values{{"offset": {"4"}}, {}}, []int{}},
		{"limit", []url.Values{{"limit": {"2"}}}, []int{1, 2}},
		{"limit out of range means 100", []url.Values{{"limit": {"500"}}}, []int{1, 2, 3}},
		{"negative offset keeps the tail", []url.Values{{"offset": {"-1"}}, {}}, []int{3}},
		{"allowed_updates ignored", []url.Values{{"allowed_updates": {`["message"]`}}}, []int{1, 2, 3}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := start(t, Options{})
			s.SendText(10, "Ann", "a")
			s.SendText(10, "", "b")
			s.SendText(11, "Bob", "c")
			var got []update
			for _, p := range tt.params {
				got = getUpdates(t, s, p)
			}
			if !reflect.DeepEqual(ids(got), tt.want) {
				t.Errorf("got ids %v; want %v", ids(got), tt.want)
			}
		})
	}
}

// waitPolling blocks until a getUpdates call is waiting in the fake.
func waitPolling(t *testing.T, s *Server) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		s.queue.mu.Lock()
		waiting := s.queue.poll != nil && s.queue.wake != nil
		s.queue.mu.Unlock()
		if waiting {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("getUpdates never started waiting")
		}
		time.Sleep(time.Millisecond)
	}
}

func TestLongPoll(t *testing.T) {
	t.Run("returns early on a new update", func(t *testing.T) {
		s := start(t, Options{})
		done := make(chan []update)
		begin := time.Now()
		go func() { done <- getUpdates(t, s, url.Values{"timeout": {"30"}}) }()
		waitPolling(t, s)
		s.SendText(5, "Eve", "hello")
		got := <-done
		if len(got) != 1 || got[0].Message.Text != "hello" {
			t.Fatalf("got %+v; want the one update", got)
		}
		if d := time.Since(begin); d > 5*time.Second {
			t.Errorf("got a %v wait; want an early return", d)
		}
	})
	t.Run("times out empty", func(t *testing.T) {
		s := start(t, Options{})
		begin := time.Now()
		got := getUpdates(t, s, url.Values{"timeout": {"0.2"}})
		if d := time.Since(begin); len(got) != 0 || d < 150*time.Millisecond {
			t.Errorf("got %d updates after %v; want 0 after the 200ms timeout", len(got), d)
		}
	})
	t.Run("close ends the poll", func(t *testing.T) {
		s := start(t, Options{})
		done := make(chan int)
		go func() {
			resp, err := http.PostForm(fmt.Sprintf(s.Endpoint(), s.Token(), "getUpdates"), url.Values{"timeout": {"30"}})
			if err == nil {
				resp.Body.Close()
			}
			done <- 0
		}()
		waitPolling(t, s)
		s.Close()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			t.Fatal("poll still running after Close")
		}
	})
	t.Run("a newer poll ends the older with 409", func(t *testing.T) {
		s := start(t, Options{})
		type result struct {
			status int
			r      response
		}
		first := make(chan result)
		go func() {
			st, r := call(t, s, "getUpdates", url.Values{"timeout": {"30"}})
			first <- result{st, r}
		}()
		waitPolling(t, s)
		second := make(chan result)
		go func() {
			st, r := call(t, s, "getUpdates", url.Values{"timeout": {"30"}})
			second <- result{st, r}
		}()
		got := <-first
		if got.status != http.StatusConflict || !strings.HasPrefix(got.r.Description, "Conflict: terminated by other getUpdates") {
			t.Errorf("got %d %q; want 409 conflict", got.status, got.r.Description)
		}
		s.SendText(1, "A", "x")
		if got := <-second; got.status != http.StatusOK {
			t.Errorf("got %d for the newer poll; want 200", got.status)
		}
		if n := s.Stats().Conflicts; n != 1 {
			t.Errorf("got %d conflicts; want 1", n)
		}
	})
}

func TestInjectedUpdates(t *testing.T) {
	s := start(t, Options{})
	s.SendCommand(7, "Ann", "start ref_1")
	s.SendText(7, "", "/help@assetbot_test_bot now")
	s.SendText(7, "", "plain")
	s.SendLocation(7, 53.8, -1.55)
	if _, err := s.InjectRaw([]byte(`{"message":{"message_id":99,"chat":{"id":-100,"type":"group"},"sticker":{"file_id":"x"}}}`)); err != nil {
		t.Fatal(err)
	}
	id, err := s.InjectRaw([]byte(`{"update_id":500,"edited_message":{"message_id":1,"chat":{"id":7,"type":"private"}}}`))
	if err != nil || id != 500 {
		t.Fatalf("got %d, %v; want 500", id, err)
	}
	if next := s.SendText(7, "", "after"); next != 501 {
		t.Errorf("got update_id %d after an explicit 500; want 501", next)
	}
	if _, err := s.InjectRaw([]byte(`[1]`)); err == nil {
		t.Error("got no error for a non-object update")
	}

	ups := getUpdates(t, s, nil)
	if len(ups) != 7 {
		t.Fatalf("got %d updates; want 7", len(ups))
	}
	tests := []struct {
		name     string
		u        update
		text     string
		entities []Entity
	}{
		{"command", ups[0], "/start ref_1", []Entity{{Type: "bot_command", Offset: 0, Length: 6}}},
		{"command with bot name", ups[1], "/help@assetbot_test_bot now", []Entity{{Type: "bot_command", Offset: 0, Length: 23}}},
		{"plain text", ups[2], "plain", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := tt.u.Message
			if m.Text != tt.text || !reflect.DeepEqual(m.Entities, tt.entities) || m.Chat.ID != 7 || m.Chat.Type != "private" {
				t.Errorf("got %+v; want text %q entities %v in private chat 7", m, tt.text, tt.entities)
			}
		})
	}
	if loc := ups[3].Message.Location; loc == nil || loc.Latitude != 53.8 || loc.Longitude != -1.55 {
		t.Errorf("got location %+v; want 53.8,-1.55", loc)
	}
	if ups[0].Message.MessageID >= ups[1].Message.MessageID {
		t.Errorf("got message ids %d then %d; want increasing", ups[0].Message.MessageID, ups[1].Message.MessageID)
	}
}

func send(t *testing.T, s *Server, chatID int64, text, markup string) (int, response) {
	t.Helper()
	p := url.Values{"chat_id": {fmt.Sprint(chatID)}, "text": {text}}
	if markup != "" {
		p.Set("reply_markup", markup)
	}
	return call(t, s, "sendMessage", p)
}

const kb = `{"inline_keyboard":[[{"text":"Yes","callback_data":"o:1:yes"},{"text":"No","callback_data":"o:1:no"}]]}`

func TestSendAndEdit(t *testing.T) {
	s := start(t, Options{})
	_, r := send(t, s, 42, "Question?", kb)
	var msg struct {
		MessageID   int    `json:"message_id"`
		Text        string `json:"text"`
		Date        int64  `json:"date"`
		Chat        struct{ ID int64 }
		ReplyMarkup json.RawMessage `json:"reply_markup"`
	}
	if err := json.Unmarshal(r.Result, &msg); err != nil {
		t.Fatal(err)
	}
	if msg.MessageID != 1 || msg.Text != "Question?" || msg.Chat.ID != 42 || msg.Date == 0 || string(msg.ReplyMarkup) != kb {
		t.Fatalf("got %+v; want message 1 echoing text and keyboard", msg)
	}
	id := fmt.Sprint(msg.MessageID)
	editKB := `{"inline_keyboard":[[{"text":"✅ Yes","callback_data":"o:1:yes"}]]}`
	tests := []struct {
		name   string
		method string
		params url.Values
		status int
		desc   string
	}{
		{"same text and keyboard", "editMessageText", url.Values{"message_id": {id}, "text": {"Question?"}, "reply_markup": {kb}}, 400, "Bad Request: message is not modified"},
		{"same keyboard", "editMessageReplyMarkup", url.Values{"message_id": {id}, "reply_markup": {kb}}, 400, "Bad Request: message is not modified"},
		{"new keyboard", "editMessageReplyMarkup", url.Values{"message_id": {id}, "reply_markup": {editKB}}, 200, ""},
		{"unknown message", "editMessageText", url.Values{"message_id": {"77"}, "text": {"x"}}, 400, "Bad Request: message to edit not found"},
		{"empty text", "editMessageText", url.Values{"message_id": {id}, "text": {""}}, 400, "Bad Request: message text is empty"},
		{"text drops keyboard", "editMessageText", url.Values{"message_id": {id}, "text": {"Question?"}}, 200, ""},
		{"then unchanged", "editMessageText", url.Values{"message_id": {id}, "text": {"Question?"}, "reply_markup": {`{"inline_keyboard":[]}`}}, 400, "Bad Request: message is not modified"},
		{"no chat", "editMessageText", url.Values{"message_id": {id}, "text": {"x"}, "chat_id": {""}}, 400, "Bad Request: chat_id is empty"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := url.Values{"chat_id": {"42"}}
			for k, v := range tt.params {
				p[k] = v
			}
			status, r := call(t, s, tt.method, p)
			if status != tt.status || !strings.HasPrefix(r.Description, tt.desc) {
				t.Errorf("got %d %q; want %d %q", status, r.Description, tt.status, tt.desc)
			}
		})
	}
	got := s.Messages(42)
	var methods []string
	for _, m := range got {
		methods = append(methods, m.Method)
	}
	want := []string{"sendMessage", "editMessageReplyMarkup", "editMessageText"}
	if !reflect.DeepEqual(methods, want) {
		t.Fatalf("got %v; want %v", methods, want)
	}
	if got[1].Markup == nil || got[1].Markup.InlineKeyboard[0][0].Text != "✅ Yes" || got[2].Markup != nil {
		t.Errorf("got markups %+v, %+v; want the ticked keyboard then none", got[1].Markup, got[2].Markup)
	}
	if st := s.Stats(); st.Sent != 1 || st.Edited != 2 || st.NotModified != 3 {
		t.Errorf("got %+v; want 1 sent, 2 edited, 3 not modified", st)
	}
}

func TestSendValidation(t *testing.T) {
	tests := []struct {
		name   string
		params url.Values
		desc   string
	}{
		{"no chat", url.Values{"text": {"x"}}, "Bad Request: chat_id is empty"},
		{"empty text", url.Values{"chat_id": {"1"}}, "Bad Request: message text is empty"},
		{"too long", url.Values{"chat_id": {"1"}, "text": {strings.Repeat("é", 4097)}}, "Bad Request: message is too long"},
		{"bad markup", url.Values{"chat_id": {"1"}, "text": {"x"}, "reply_markup": {"{"}}, "Bad Request: can't parse reply keyboard markup"},
		{"long callback data", url.Values{"chat_id": {"1"}, "text": {"x"}, "reply_markup": {`{"inline_keyboard":[[{"text":"a","callback_data":"` + strings.Repeat("x", 65) + `"}]]}`}}, "Bad Request: BUTTON_DATA_INVALID"},
		{"bad entities", url.Values{"chat_id": {"1"}, "text": {"x"}, "entities": {"{"}}, "Bad Request: can't parse entities"},
		{"unknown entity", url.Values{"chat_id": {"1"}, "text": {"x"}, "entities": {`[{"type":"link","offset":0,"length":1}]`}}, "Bad Request: can't parse entities"},
		// "😀" is two UTF-16 code units: an entity counting runes would end short.
		{"entity past the text", url.Values{"chat_id": {"1"}, "text": {"😀 x"}, "entities": {`[{"type":"bold","offset":2,"length":3}]`}}, "Bad Request: can't parse entities"},
		{"empty entity", url.Values{"chat_id": {"1"}, "text": {"x"}, "entities": {`[{"type":"bold","offset":0,"length":0}]`}}, "Bad Request: can't parse entities"},
		{"text_link without url", url.Values{"chat_id": {"1"}, "text": {"x"}, "entities": {`[{"type":"text_link","offset":0,"length":1}]`}}, "Bad Request: can't parse entities"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := start(t, Options{})
			status, r := call(t, s, "sendMessage", tt.params)
			if status != 400 || !strings.HasPrefix(r.Description, tt.desc) {
				t.Errorf("got %d %q; want 400 %q", status, r.Description, tt.desc)
			}
		})
	}
}

// TestEntities: a message's entities are recorded, counted in UTF-16 code
// units, and replaced by an edit of its text.
func TestEntities(t *testing.T) {
	s := start(t, Options{})
	link := `[{"type":"text_link","offset":3,"length":5,"url":"tg://user?id=5"}]`
	mustOK(t, s, "sendMessage", url.Values{"chat_id": {"9"}, "text": {"😀 Zoë🌷 says hi"}, "entities": {link}})
	mustOK(t, s, "editMessageText", url.Values{"chat_id": {"9"}, "message_id": {"1"}, "text": {"plain"}})
	got := s.Messages(9)
	if len(got) != 2 {
		t.Fatalf("got %d calls; want a send and an edit", len(got))
	}
	want := []Entity{{Type: "text_link", Offset: 3, Length: 5, URL: "tg://user?id=5"}}
	if !reflect.DeepEqual(got[0].Entities, want) || got[0].EntityText(want[0]) != "Zoë🌷" {
		t.Errorf("sent entities %+v over %q; want %+v over %q", got[0].Entities, got[0].EntityText(want[0]), want, "Zoë🌷")
	}
	if got[1].Entities != nil {
		t.Errorf("after an edit without entities: %+v; want none", got[1].Entities)
	}
}

func TestRateLimit(t *testing.T) {
	tests := []struct {
		name    string
		opts    Options
		chats   []int64 // one send each, in order
		limited []bool
	}{
		{"off", Options{}, []int64{1, 1, 1, 1}, []bool{false, false, false, false}},
		{"per chat burst", Options{PerChatRate: 0.5, PerChatBurst: 2}, []int64{1, 1, 1, 2}, []bool{false, false, true, false}},
		{"per chat default burst 1", Options{PerChatRate: 0.5}, []int64{1, 1}, []bool{false, true}},
		{"global", Options{GlobalRate: 0.5, GlobalBurst: 2}, []int64{1, 2, 3}, []bool{false, false, true}},
		{"global default burst rounds up", Options{GlobalRate: 0.2}, []int64{1, 2}, []bool{false, true}},
		{"global window", Options{GlobalRate: 2.5, GlobalWindow: true}, []int64{1, 2, 3}, []bool{false, false, true}},
		{"global window below one a second", Options{GlobalRate: 0.5, GlobalWindow: true}, []int64{1, 2}, []bool{false, true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := start(t, tt.opts)
			var wantLimited int64
			for i, chatID := range tt.chats {
				status, r := send(t, s, chatID, fmt.Sprint("m", i), "")
				if got := status == http.StatusTooManyRequests; got != tt.limited[i] {
					t.Fatalf("send %d: got status %d; want limited=%v", i, status, tt.limited[i])
				}
				if tt.limited[i] {
					wantLimited++
					if r.Parameters == nil || r.Parameters.RetryAfter < 1 ||
						r.Description != fmt.Sprintf("Too Many Requests: retry after %d", r.Parameters.RetryAfter) {
						t.Errorf("send %d: got %q %+v; want retry_after >= 1", i, r.Description, r.Parameters)
					}
				}
			}
			if st := s.Stats(); st.RateLimited != wantLimited || st.TooManyRequests != wantLimited {
				t.Errorf("got %d limited, %d 429s; want %d", st.RateLimited, st.TooManyRequests, wantLimited)
			}
		})
	}
	t.Run("edits limited, callback answers not", func(t *testing.T) {
		s := start(t, Options{PerChatRate: 0.5, PerChatBurst: 1})
		send(t, s, 9, "q", kb)
		if status, _ := call(t, s, "editMessageText", url.Values{"chat_id": {"9"}, "message_id": {"1"}, "text": {"new"}}); status != 429 {
			t.Errorf("got edit status %d; want 429", status)
		}
		for range 3 {
			s.PressButton(9, 1, "o:1:yes")
		}
		for _, u := range getUpdates(t, s, nil) {
			mustOK(t, s, "answerCallbackQuery", url.Values{"callback_query_id": {u.CallbackQuery.ID}})
		}
	})
}

func TestDuplicates(t *testing.T) {
	type step struct {
		user   bool // inject a user message instead of sending
		text   string
		markup string
	}
	tests := []struct {
		name string
		opts Options
		seq  []step
		want int
	}{
		{"same twice", Options{}, []step{{text: "Q"}, {text: "Q"}}, 1},
		{"user in between", Options{}, []step{{text: "Q"}, {user: true}, {text: "Q"}}, 0},
		{"different text", Options{}, []step{{text: "Q"}, {text: "R"}}, 0},
		{"different markup", Options{}, []step{{text: "Q", markup: kb}, {text: "Q"}}, 0},
		{"same markup", Options{}, []step{{text: "Q", markup: kb}, {text: "Q", markup: kb}}, 1},
		{"three in a row", Options{}, []step{{text: "Q"}, {text: "Q"}, {text: "Q"}}, 2},
		{"light mode too", Options{Light: true}, []step{{user: true}, {text: "Q"}, {text: "Q"}}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := start(t, tt.opts)
			for _, st := range tt.seq {
				if st.user {
					s.SendText(3, "U", "hi")
					continue
				}
				send(t, s, 3, st.text, st.markup)
			}
			if got := s.Duplicates(3); got != tt.want {
				t.Errorf("got %d duplicates; want %d", got, tt.want)
			}
			if got := s.Stats().Duplicates; got != int64(tt.want) {
				t.Errorf("got %d duplicates in stats; want %d", got, tt.want)
			}
		})
	}
}

func TestFaults(t *testing.T) {
	tests := []struct {
		name      string
		fault     Fault
		status    int
		desc      string
		retry     int
		delivered bool
	}{
		{"429", TooManyRequests(7), 429, "Too Many Requests: retry after 7", 7, false},
		{"blocked", Blocked(), 403, "Forbidden: bot was blocked by the user", 0, false},
		{"500", InternalError(), 500, "Internal Server Error", 0, false},
		{"502", BadGateway(), 502, "Bad Gateway", 0, false},
		{"custom", Fault{Status: 400, Description: "Bad Request: can't parse entities"}, 400, "Bad Request: can't parse entities", 0, false},
		{"lost response", Fault{Status: 500, Commit: true}, 500, "Internal Server Error", 0, true},
		{"short delay", Delay(10 * time.Millisecond), 200, "", 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := start(t, Options{})
			s.Fail("sendMessage", 1, tt.fault)
			mustOK(t, s, "getMe", nil) // other methods unaffected
			status, r := send(t, s, 5, "hi", "")
			retry := 0
			if r.Parameters != nil {
				retry = r.Parameters.RetryAfter
			}
			if status != tt.status || r.Description != tt.desc || retry != tt.retry {
				t.Errorf("got %d %q retry %d; want %d %q retry %d", status, r.Description, retry, tt.status, tt.desc, tt.retry)
			}
			if got := len(s.Messages(5)) == 1; got != tt.delivered {
				t.Errorf("got delivered=%v; want %v", got, tt.delivered)
			}
			if status, _ := send(t, s, 5, "again", ""); status != 200 {
				t.Errorf("got %d after the fault was used up; want 200", status)
			}
		})
	}
	t.Run("connection reset", func(t *testing.T) {
		s := start(t, Options{})
		s.Fail("", 1, ConnReset())
		_, err := http.PostForm(fmt.Sprintf(s.Endpoint(), s.Token(), "sendMessage"), url.Values{"chat_id": {"1"}, "text": {"x"}})
		if err == nil {
			t.Fatal("got no error; want a connection error")
		}
		if n := s.Stats().Faults; n != 1 {
			t.Errorf("got %d faults; want 1", n)
		}
	})
	t.Run("delay provokes client timeout", func(t *testing.T) {
		s := start(t, Options{})
		s.Fail("sendMessage", 1, Delay(2*time.Second))
		client := &http.Client{Timeout: 100 * time.Millisecond}
		_, err := client.PostForm(fmt.Sprintf(s.Endpoint(), s.Token(), "sendMessage"), url.Values{"chat_id": {"1"}, "text": {"x"}})
		if err == nil {
			t.Fatal("got no error; want a client timeout")
		}
	})
	t.Run("raw body", func(t *testing.T) {
		s := start(t, Options{})
		s.Fail("getMe", 1, Fault{Status: 502, Body: []byte("<html>502 Bad Gateway</html>")})
		resp, err := http.PostForm(fmt.Sprintf(s.Endpoint(), s.Token(), "getMe"), nil)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 502 {
			t.Errorf("got %d; want 502", resp.StatusCode)
		}
	})
	t.Run("n <= 0 until cleared, then hook", func(t *testing.T) {
		s := start(t, Options{})
		s.Fail("sendMessage", 0, Blocked())
		for range 3 {
			if status, _ := send(t, s, 1, "x", ""); status != 403 {
				t.Fatalf("got %d; want 403", status)
			}
		}
		s.ClearFaults()
		s.OnRequest(func(method string, p url.Values) *Fault {
			if method == "sendMessage" && p.Get("chat_id") == "2" {
				f := TooManyRequests(3)
				return &f
			}
			return nil
		})
		if status, _ := send(t, s, 1, "x", ""); status != 200 {
			t.Errorf("got %d for chat 1; want 200", status)
		}
		if status, _ := send(t, s, 2, "x", ""); status != 429 {
			t.Errorf("got %d for chat 2; want 429", status)
		}
		if st := s.Stats(); st.Faults != 4 || st.TooManyRequests != 1 || st.RateLimited != 0 {
			t.Errorf("got %+v; want 4 faults, one 429", st)
		}
	})
}

func TestProtocolErrors(t *testing.T) {
	s := start(t, Options{Token: "1:good"})
	tests := []struct {
		name   string
		path   string
		status int
		desc   string
	}{
		{"unknown method", "/bot1:good/sendPoll", 404, "Not Found"},
		{"wrong token", "/bot1:bad/getMe", 401, "Unauthorized"},
		{"not a bot path", "/favicon.ico", 404, "Not Found"},
		{"method case ignored", "/bot1:good/GETME", 200, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, err := http.Post(s.URL()+tt.path, "application/x-www-form-urlencoded", nil)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var r response
			if err := json.NewDecoder(resp.Body).Decode(&r); err != nil {
				t.Fatal(err)
			}
			if resp.StatusCode != tt.status || r.Description != tt.desc || r.OK != (tt.status == 200) {
				t.Errorf("got %d %q; want %d %q", resp.StatusCode, r.Description, tt.status, tt.desc)
			}
		})
	}
	if got := s.Stats().Requests["sendPoll"]; got != 1 {
		t.Errorf("got %d sendPoll requests counted; want 1", got)
	}
}

func TestJSONBody(t *testing.T) {
	s := start(t, Options{})
	body := `{"chat_id":12,"text":"hi","reply_markup":{"force_reply":true,"input_field_placeholder":"A number"}}`
	resp, err := http.Post(fmt.Sprintf(s.Endpoint(), s.Token(), "sendMessage"), "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	got := s.Messages(12)
	if resp.StatusCode != 200 || len(got) != 1 || got[0].Text != "hi" || got[0].Markup == nil || !got[0].Markup.ForceReply {
		t.Fatalf("got %d %+v; want the force-reply message", resp.StatusCode, got)
	}
	// The user's answer replies to the force_reply message.
	s.SendText(12, "Z", "4")
	if ups := getUpdates(t, s, nil); ups[0].Message.ReplyTo == nil || ups[0].Message.ReplyTo.MessageID != got[0].MessageID {
		t.Errorf("got reply_to %+v; want message %d", ups[0].Message.ReplyTo, got[0].MessageID)
	}
}

func TestCallbacks(t *testing.T) {
	s := start(t, Options{})
	send(t, s, 8, "Pick", kb)
	s.PressButton(8, 1, "o:1:yes")
	ups := getUpdates(t, s, nil)
	cq := ups[0].CallbackQuery
	if cq == nil || cq.Data != "o:1:yes" || cq.Message.MessageID != 1 || cq.Message.Text != "Pick" {
		t.Fatalf("got %+v; want the press on message 1", cq)
	}
	if s.UnansweredCallbacks() != 1 {
		t.Errorf("got %d unanswered; want 1", s.UnansweredCallbacks())
	}
	tests := []struct {
		name   string
		id     string
		status int
	}{
		{"first answer", cq.ID, 200},
		{"second answer", cq.ID, 400},
		{"unknown id", "nonsense", 400},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, r := call(t, s, "answerCallbackQuery", url.Values{"callback_query_id": {tt.id}, "text": {"ok"}})
			if status != tt.status {
				t.Errorf("got %d %q; want %d", status, r.Description, tt.status)
			}
		})
	}
	last, _ := s.Last(8)
	if last.Method != MethodAnswerCallbackQuery || last.CallbackQueryID != cq.ID || last.Text != "ok" {
		t.Errorf("got %+v; want the callback answer", last)
	}
}

func TestWaiting(t *testing.T) {
	s := start(t, Options{})
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	go func() {
		send(t, s, 4, "one", "")
		call(t, s, "editMessageText", url.Values{"chat_id": {"4"}, "message_id": {"1"}, "text": {"one!"}})
		send(t, s, 4, "two", "")
	}()
	for _, want := range []string{"one", "two"} {
		m, err := s.NextMessage(ctx, 4)
		if err != nil || m.Text != want || m.Method != MethodSendMessage {
			t.Fatalf("got %+v, %v; want sendMessage %q", m, err, want)
		}
	}
	got, err := s.WaitFor(ctx, 4, func(ss []Sent) bool { return len(ss) == 3 })
	if err != nil || got[1].Method != MethodEditMessageText {
		t.Fatalf("got %+v, %v; want send, edit, send", got, err)
	}
	short, cancelShort := context.WithTimeout(ctx, 20*time.Millisecond)
	defer cancelShort()
	if _, err := s.NextMessage(short, 4); err == nil {
		t.Error("got a message; want a timeout")
	}
}

func TestLight(t *testing.T) {
	var hooked []string
	done := make(chan struct{}, 10)
	s := start(t, Options{Light: true, OnSent: func(m Sent) {
		hooked = append(hooked, m.Method)
		done <- struct{}{}
	}})
	for i := range keptMessages + 5 {
		send(t, s, 6, fmt.Sprint("m", i), kb)
		<-done
	}
	if got := s.Messages(6); len(got) != 1 || got[0].Text != fmt.Sprint("m", keptMessages+4) {
		t.Errorf("got %+v; want only the last message", got)
	}
	// A forgotten message can still be edited.
	if status, r := call(t, s, "editMessageText", url.Values{"chat_id": {"6"}, "message_id": {"1"}, "text": {"x"}}); status != 200 {
		t.Errorf("got %d %q editing a forgotten message; want 200", status, r.Description)
	}
	<-done
	if len(s.chat(6).msgs) > keptMessages+1 {
		t.Errorf("got %d kept messages; want at most %d", len(s.chat(6).msgs), keptMessages+1)
	}
	if len(hooked) != keptMessages+6 {
		t.Errorf("got %d hook calls; want %d", len(hooked), keptMessages+6)
	}
}

func TestWebhook(t *testing.T) {
	s := start(t, Options{})
	mustOK(t, s, "setWebhook", url.Values{"url": {"https://example.org/hook"}, "secret_token": {"s3cret"}, "max_connections": {"10"}})
	if wh := s.Webhook(); wh.Get("secret_token") != "s3cret" {
		t.Errorf("got %v; want the secret recorded", wh)
	}
	if status, _ := call(t, s, "getUpdates", nil); status != 409 {
		t.Errorf("got %d polling with a webhook; want 409", status)
	}
	var info wireWebhookInfo
	if err := json.Unmarshal(mustOK(t, s, "getWebhookInfo", nil), &info); err != nil || info.URL != "https://example.org/hook" || info.MaxConnections != 10 {
		t.Errorf("got %+v, %v; want the webhook info", info, err)
	}
	s.SendText(1, "A", "x")
	mustOK(t, s, "deleteWebhook", url.Values{"drop_pending_updates": {"true"}})
	if s.Webhook() != nil || s.Pending() != 0 {
		t.Errorf("got webhook %v, %d pending; want none", s.Webhook(), s.Pending())
	}
	mustOK(t, s, "setMyCommands", url.Values{"commands": {`[{"command":"start","description":"Start"}]`}})
	if c := s.Calls("setMyCommands"); len(c) != 1 || !strings.Contains(c[0].Get("commands"), "start") {
		t.Errorf("got %v; want the commands recorded", c)
	}
}

func TestBlock(t *testing.T) {
	s := start(t, Options{})
	s.Block(15)
	if status, r := send(t, s, 15, "hi", ""); status != 403 || r.Description != "Forbidden: bot was blocked by the user" {
		t.Errorf("got %d %q; want 403 blocked", status, r.Description)
	}
	s.Unblock(15)
	if status, _ := send(t, s, 15, "hi", ""); status != 200 {
		t.Errorf("got %d after unblock; want 200", status)
	}
	raw := mustOK(t, s, "getUpdates", nil)
	if !strings.Contains(string(raw), `"status":"kicked"`) || !strings.Contains(string(raw), `"my_chat_member"`) {
		t.Errorf("got %s; want my_chat_member updates", raw)
	}
}

// TestUniqueButtonsDuplicates checks that with UniqueButtons a repeat of a
// buttoned message counts even after the user spoke, and without it only a
// repeat with nothing in between does.
func TestUniqueButtonsDuplicates(t *testing.T) {
	markup := `{"inline_keyboard":[[{"text":"Yes","callback_data":"o:3:yes"}]]}`
	for _, tc := range []struct {
		unique bool
		want   int
	}{{false, 0}, {true, 1}} {
		s := New(Options{UniqueButtons: tc.unique})
		if err := s.Start(); err != nil {
			t.Fatal(err)
		}
		send := func() {
			resp, err := http.PostForm(s.URL()+"/bot"+s.Token()+"/sendMessage",
				url.Values{"chat_id": {"5"}, "text": {"Is that OK?"}, "reply_markup": {markup}})
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
		}
		send()
		s.SendText(5, "Ann", "yes")
		send()
		if got := s.Duplicates(5); got != tc.want {
			t.Errorf("UniqueButtons %v: duplicates = %d; want %d", tc.unique, got, tc.want)
		}
		s.Close()
	}
}
