package conversation

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/assetbot/assetbot/internal/directory"
	"github.com/assetbot/assetbot/internal/flow"
	"github.com/assetbot/assetbot/internal/store"
)

// syncTimeout bounds one read of the assets changed since the last.
const syncTimeout = 5 * time.Second

// assetDirectory is the in-memory directory of the assets on the map,
// kept in step with the store: before each search it reads the assets
// changed since it last looked (by revision, so changes made by another
// process count too).
type assetDirectory struct {
	store *store.Store
	log   *slog.Logger
	index *directory.Index

	mu  sync.Mutex // serialises syncs
	rev int64
}

func newAssetDirectory(st *store.Store, log *slog.Logger) *assetDirectory {
	return &assetDirectory{store: st, log: log, index: directory.New()}
}

// sync reads what changed since the last sync. A failure is logged and the
// directory searched as it stands: a lookup then misses the newest assets,
// which the duplicate check and the next sync make good.
func (d *assetDirectory) sync() {
	d.mu.Lock()
	defer d.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), syncTimeout)
	defer cancel()
	rev, err := d.store.AssetsSince(ctx, d.rev, func(a store.Asset) error {
		if !a.RemovedAt.IsZero() {
			d.index.Remove(a.ID)
			return nil
		}
		d.index.Put(entry(a))
		return nil
	})
	d.rev = rev
	if err != nil {
		d.log.Error("read the assets for the directory", "rev", rev, "err", err)
	}
}

// entry is an asset as the directory holds it.
func entry(a store.Asset) directory.Entry {
	e := directory.Entry{ID: a.ID, Kind: a.Kind, Name: a.Name, Area: directory.Area{Text: a.Area}}
	if a.Point != nil {
		e.Area.Lat, e.Area.Lon, e.Area.HasPoint = a.Point.Lat, a.Point.Lon, true
	}
	return e
}

// Search finds the assets of kind that match text, for a lookup step.
func (d *assetDirectory) Search(kind, text string, limit int) ([]flow.Candidate, int) {
	d.sync()
	found, total := d.index.Search(kind, text, limit)
	return candidates(found), total
}

// Same finds the assets of kind with the same name as name in a
// compatible area, for the duplicate check.
func (d *assetDirectory) Same(kind, name string, area directory.Area) []flow.Candidate {
	d.sync()
	return candidates(d.index.Same(kind, name, area))
}

func candidates(entries []directory.Entry) []flow.Candidate {
	out := make([]flow.Candidate, len(entries))
	for i, e := range entries {
		out[i] = flow.Candidate{ID: e.ID, Name: e.Name, Detail: e.Area.Text}
	}
	return out
}
