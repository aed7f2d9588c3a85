package fakeapi

import (
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
)

// BenchmarkSendMessage measures loopback sendMessage throughput of a Light
// fake over many chats, as in the load test.
func BenchmarkSendMessage(b *testing.B) {
	s := New(Options{Light: true, PerChatRate: 1e6, PerChatBurst: 1000, GlobalRate: 1e6})
	if err := s.Start(); err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	endpoint := fmt.Sprintf(s.Endpoint(), s.Token(), "sendMessage")
	var chat atomic.Int64
	b.SetParallelism(8)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		id := chat.Add(1)
		body := url.Values{"chat_id": {fmt.Sprint(id)}, "text": {"Which of these do you offer?"},
			"reply_markup": {kb}}.Encode()
		for pb.Next() {
			resp, err := client.Post(endpoint, "application/x-www-form-urlencoded", strings.NewReader(body))
			if err != nil {
				b.Error(err)
				return
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				b.Errorf("got status %d", resp.StatusCode)
				return
			}
		}
	})
}
