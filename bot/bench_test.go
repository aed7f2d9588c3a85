package bot

import (
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/assetbot/assetbot/bot/fakeapi"
	"github.com/assetbot/assetbot/bot/loadtest"
)

// BenchmarkResidents measures whole inputs: 200 residents on a fake Bot API
// answering every question as soon as it is asked, the bot in-process with
// its send limits lifted. One op is one resident input answered, durably.
func BenchmarkResidents(b *testing.B) {
	const residents = 200
	var inputs atomic.Int64
	var target int64
	done := make(chan struct{})
	var once sync.Once
	inbox := map[int64]chan fakeapi.Sent{}
	for i := int64(0); i < residents; i++ {
		inbox[1000+i] = make(chan fakeapi.Sent, 64)
	}
	opts := fakeapi.Options{Light: true, OnSent: func(s fakeapi.Sent) {
		if ch, ok := inbox[s.ChatID]; ok {
			ch <- s
		}
	}}
	h := newHarness(b, opts)
	target = int64(b.N)
	b.ResetTimer()
	var wg sync.WaitGroup
	for id, ch := range inbox {
		wg.Go(func() {
			rnd := rand.New(rand.NewPCG(uint64(id), 1))
			question := 0
			act := func(a loadtest.Action) bool {
				if inputs.Add(1) > target {
					once.Do(func() { close(done) })
					return false
				}
				switch a.Kind {
				case loadtest.Type:
					h.fake.SendText(id, "Res", a.Text)
				case loadtest.Press:
					h.fake.PressButton(id, a.MessageID, a.Data)
				case loadtest.ShareLocation:
					h.fake.SendLocation(id, a.Lat, a.Lon)
				}
				return true
			}
			if !act(loadtest.Action{Kind: loadtest.Type, Text: "/start"}) {
				return
			}
			for {
				select {
				case <-done:
					return
				case s := <-ch:
					if s.Method == fakeapi.MethodAnswerCallbackQuery || (s.IsEdit() && s.MessageID != question) {
						continue
					}
					a := loadtest.Next(s, rnd)
					if a.Kind == loadtest.Wait {
						continue
					}
					if !s.IsEdit() {
						question = s.MessageID
					}
					if !act(a) {
						return
					}
				}
			}
		})
	}
	<-done
	b.StopTimer()
	wg.Wait()
}
