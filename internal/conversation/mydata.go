package conversation

import (
	"errors"
	"sync"
	"time"

	"github.com/assetbot/assetbot/internal/flow"
	"github.com/assetbot/assetbot/internal/mydata"
	"github.com/assetbot/assetbot/internal/store"
)

// myDataInterval is the least time between two copies of a person's data
// sent to them: each is a file upload, and a flood of /mydata must not
// become a flood of uploads. A request sooner gets a short reply instead.
const myDataInterval = time.Minute

// myData answers /mydata: everything held about the person, as a message
// and a document. It reads and changes nothing else, and makes no record of
// someone the bot does not know.
func (s *Service) myData(tx *store.Tx, id Identity) (Reply, error) {
	lang, err := s.PersonLanguage(tx, id)
	if err != nil {
		return Reply{}, err
	}
	say := func(p store.Person, text string) Reply {
		p.Language = lang
		return Reply{Messages: []Message{{Prompt: flow.Prompt{Type: flow.TypeInfo, Text: text}}}, Person: p}
	}
	d, err := tx.PersonData(id.Channel, id.UserID)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return say(store.Person{}, s.Text(lang, flow.MsgMyDataNone)), nil
	case err != nil:
		return Reply{}, err
	}
	now := tx.Now()
	if !s.sent.allowed(d.Person.ID, now) {
		return say(d.Person, s.Text(lang, flow.MsgMyDataWait)), nil
	}
	words := mydata.Words{Flows: s.flows, Main: s.main}
	doc, err := mydata.JSON(d, words, lang, now)
	if err != nil {
		return Reply{}, err
	}
	r := say(d.Person, mydata.Text(d, words, lang))
	r.Document = &Document{Name: mydata.FileName, Data: doc}
	personID := d.Person.ID
	tx.OnCommit(func() { s.sent.record(personID, now) })
	s.log.Info("person's data sent to them", "person_id", personID)
	return r, nil
}

// dataLimiter remembers when each person was last sent their data, for
// as long as it matters: in memory, so a restart forgets it, which at
// worst lets one more copy through.
type dataLimiter struct {
	every time.Duration
	mu    sync.Mutex
	last  map[int64]time.Time
}

func newDataLimiter(every time.Duration) *dataLimiter {
	return &dataLimiter{every: every, last: map[int64]time.Time{}}
}

// allowed reports whether the person may be sent their data at now.
func (l *dataLimiter) allowed(personID int64, now time.Time) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	last, ok := l.last[personID]
	return !ok || now.Sub(last) >= l.every
}

// record notes that the person was sent their data at, and forgets those
// sent theirs long enough ago, so memory holds only the last interval's.
func (l *dataLimiter) record(personID int64, at time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for id, last := range l.last {
		if at.Sub(last) >= l.every {
			delete(l.last, id)
		}
	}
	l.last[personID] = at
}
