package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"strings"
	"time"

	"github.com/assetbot/assetbot/internal/flow"
)

// Asset is an entry on the map that is not a person: a group, an
// organisation, a place, an economic or a cultural asset. Kind is the id
// of the flow that records it; Fields are that flow's answers, by key.
// Name, Area and Point are copied out of Fields by whoever saves it.
type Asset struct {
	ID          int64
	UID         string // a UUID, made once, for exports others import
	Kind        string
	Name        string
	Area        string         // a typed area or address, if any
	Point       *flow.Location // a shared location, if any
	Fields      map[string]flow.Value
	FlowVersion int
	AddedBy     int64 // the person who added it; 0 if unknown
	ChangedBy   int64 // the person who last changed its fields (or added it)
	CreatedAt   time.Time
	UpdatedAt   time.Time // when its fields last changed
	ConfirmedAt time.Time // when someone last said it is still right
	StaleAt     time.Time // when a refresh of it went unanswered; zero if not stale
	RemovedAt   time.Time // zero while it is on the map
	Rev         int64
}

const assetColumns = `id, uid, kind, name, area, lat, lon, fields, flow_version, added_by, changed_by, created_at, updated_at, confirmed_at, stale_at, removed_at, rev`

// scanAssetRow is scanAsset for the rows of a query.
func scanAssetRow(rows *sql.Rows) (Asset, error) { return scanAsset(rows) }

// scanAsset reads one row of assetColumns.
func scanAsset(row interface{ Scan(...any) error }) (Asset, error) {
	var a Asset
	var lat, lon sql.NullFloat64
	var addedBy, changedBy sql.NullInt64
	var fields []byte
	err := row.Scan(&a.ID, &a.UID, &a.Kind, &a.Name, &a.Area, &lat, &lon, &fields, &a.FlowVersion, &addedBy, &changedBy,
		(*sqlTime)(&a.CreatedAt), (*sqlTime)(&a.UpdatedAt), (*sqlTime)(&a.ConfirmedAt), (*nullTime)(&a.StaleAt), (*nullTime)(&a.RemovedAt), &a.Rev)
	if err != nil {
		return a, err
	}
	a.AddedBy, a.ChangedBy = addedBy.Int64, changedBy.Int64
	if lat.Valid && lon.Valid {
		a.Point = &flow.Location{Lat: lat.Float64, Lon: lon.Float64}
	}
	if err := json.Unmarshal(fields, &a.Fields); err != nil {
		return a, fmt.Errorf("decode asset %d: %w", a.ID, err)
	}
	return a, nil
}

// point returns the columns that hold a point: NULL when there is none.
func point(p *flow.Location) (lat, lon any) {
	if p == nil {
		return nil, nil
	}
	return p.Lat, p.Lon
}

// person returns a person id as a column value: NULL for none.
func person(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

// nextRev is the SQL for the asset revision after every one so far: taken
// inside the write transaction, so revisions grow in commit order.
const nextRev = `(SELECT COALESCE(MAX(rev), 0) + 1 FROM assets)`

// newUID returns a random (version 4) UUID.
func newUID() (string, error) {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("make a uuid: %w", err)
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16]), nil
}

// CreateAsset puts a new asset on the map, added by person by (0 for
// nobody known), and returns it as stored.
func (tx *Tx) CreateAsset(a Asset, by int64) (Asset, error) {
	uid, err := newUID()
	if err != nil {
		return a, err
	}
	fields, err := json.Marshal(a.Fields)
	if err != nil {
		return a, fmt.Errorf("encode %s asset: %w", a.Kind, err)
	}
	now := formatTime(tx.now)
	lat, lon := point(a.Point)
	var id int64
	err = tx.queryRow(`INSERT INTO assets (uid, kind, name, area, lat, lon, fields, flow_version, added_by, changed_by, created_at, updated_at, confirmed_at, rev)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, `+nextRev+`) RETURNING id`,
		uid, a.Kind, a.Name, a.Area, lat, lon, fields, a.FlowVersion, person(by), person(by), now, now, now).Scan(&id)
	if err != nil {
		return a, fmt.Errorf("add %s asset: %w", a.Kind, err)
	}
	return tx.Asset(id)
}

// Asset returns the asset with the given id; ErrNotFound if there is none
// or it was removed from the map.
func (tx *Tx) Asset(id int64) (Asset, error) {
	a, err := scanAsset(tx.queryRow(`SELECT `+assetColumns+` FROM assets WHERE id = ? AND removed_at IS NULL`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return a, ErrNotFound
	}
	if err != nil {
		return a, fmt.Errorf("read asset %d: %w", id, err)
	}
	return a, nil
}

// SaveAsset writes an asset's fields (with its name, area and point) as
// person by says they are now, which also confirms it. Fields that differ
// from those held move the old ones to asset_history. It reports whether
// anything changed.
func (tx *Tx) SaveAsset(a Asset, by int64) (bool, error) {
	old, err := tx.Asset(a.ID)
	if err != nil {
		return false, err
	}
	now := formatTime(tx.now)
	if maps.EqualFunc(old.Fields, a.Fields, flow.Value.Equal) && old.Name == a.Name && old.Area == a.Area {
		return false, tx.ConfirmAsset(a.ID)
	}
	oldFields, err := json.Marshal(old.Fields)
	if err != nil {
		return false, fmt.Errorf("encode asset %d: %w", a.ID, err)
	}
	fields, err := json.Marshal(a.Fields)
	if err != nil {
		return false, fmt.Errorf("encode asset %d: %w", a.ID, err)
	}
	if _, err := tx.exec(`INSERT INTO asset_history (asset_id, fields, flow_version, changed_by, valid_from, replaced_at) VALUES (?, ?, ?, ?, ?, ?)`,
		a.ID, oldFields, old.FlowVersion, person(old.ChangedBy), formatTime(old.UpdatedAt), now); err != nil {
		return false, fmt.Errorf("keep history of asset %d: %w", a.ID, err)
	}
	lat, lon := point(a.Point)
	if _, err := tx.exec(`UPDATE assets SET name = ?, area = ?, lat = ?, lon = ?, fields = ?, flow_version = ?, changed_by = ?,
		updated_at = ?, confirmed_at = ?, stale_at = NULL, rev = `+nextRev+` WHERE id = ?`,
		a.Name, a.Area, lat, lon, fields, a.FlowVersion, person(by), now, now, a.ID); err != nil {
		return false, fmt.Errorf("update asset %d: %w", a.ID, err)
	}
	return true, nil
}

// ConfirmAsset records that someone says the asset is still right.
func (tx *Tx) ConfirmAsset(id int64) error {
	res, err := tx.exec(`UPDATE assets SET confirmed_at = ?, stale_at = NULL WHERE id = ? AND removed_at IS NULL`, formatTime(tx.now), id)
	if err != nil {
		return fmt.Errorf("confirm asset %d: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotFound
	}
	return nil
}

// RemoveAsset takes an asset off the map, as person by asked, with every
// link to or from it. Its row and history stay, marked removed.
func (tx *Tx) RemoveAsset(id, by int64) error {
	now := formatTime(tx.now)
	res, err := tx.exec(`UPDATE assets SET removed_at = ?, updated_at = ?, changed_by = ?, rev = `+nextRev+` WHERE id = ? AND removed_at IS NULL`, now, now, person(by), id)
	if err != nil {
		return fmt.Errorf("remove asset %d: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotFound
	}
	if _, err := tx.exec(`DELETE FROM links WHERE from_asset = ? OR to_asset = ?`, id, id); err != nil {
		return fmt.Errorf("remove links of asset %d: %w", id, err)
	}
	return nil
}

// AssetVersion is an earlier version of an asset's fields.
type AssetVersion struct {
	Fields      map[string]flow.Value
	FlowVersion int
	ChangedBy   int64
	ValidFrom   time.Time
	ReplacedAt  time.Time
}

// AssetHistory returns the earlier versions of an asset's fields, oldest first.
func (tx *Tx) AssetHistory(id int64) ([]AssetVersion, error) {
	var out []AssetVersion
	err := tx.each(func(rows *sql.Rows) error {
		var v AssetVersion
		var fields []byte
		var by sql.NullInt64
		if err := rows.Scan(&fields, &v.FlowVersion, &by, (*sqlTime)(&v.ValidFrom), (*sqlTime)(&v.ReplacedAt)); err != nil {
			return err
		}
		if err := json.Unmarshal(fields, &v.Fields); err != nil {
			return fmt.Errorf("decode: %w", err)
		}
		v.ChangedBy = by.Int64
		out = append(out, v)
		return nil
	}, `SELECT fields, flow_version, changed_by, valid_from, replaced_at FROM asset_history WHERE asset_id = ? ORDER BY id`, id)
	if err != nil {
		return nil, fmt.Errorf("read history of asset %d: %w", id, err)
	}
	return out, nil
}

// AssetsSince calls fn for every asset changed (added, changed or
// removed) after revision rev, in revision order, and returns the last
// revision seen (rev if none). It reads what is committed.
func (s *Store) AssetsSince(ctx context.Context, rev int64, fn func(Asset) error) (int64, error) {
	err := each(ctx, s.db, fmt.Sprintf("read assets since %d", rev), scanAssetRow, func(a Asset) error {
		if err := fn(a); err != nil {
			return err
		}
		rev = a.Rev
		return nil
	}, `SELECT `+assetColumns+` FROM assets WHERE rev > ? ORDER BY rev`, rev)
	return rev, err
}

// Assets calls fn for every asset on the map of kind (every kind when
// kind is ""), in the order they were added, one row at a time.
func (s *Store) Assets(ctx context.Context, kind string, fn func(Asset) error) error {
	return each(ctx, s.db, "read assets", scanAssetRow, fn,
		`SELECT `+assetColumns+` FROM assets WHERE removed_at IS NULL AND (? = '' OR kind = ?) ORDER BY id`, kind, kind)
}

// End is one end of a link: a person or an asset (exactly one is set).
type End struct {
	Person int64
	Asset  int64
}

// PersonEnd and AssetEnd make the ends of links.
func PersonEnd(id int64) End { return End{Person: id} }

// AssetEnd is the end of a link at asset id.
func AssetEnd(id int64) End { return End{Asset: id} }

// String names the end as "person:ID" or "asset:ID".
func (e End) String() string {
	if e.Person != 0 {
		return fmt.Sprintf("person:%d", e.Person)
	}
	return fmt.Sprintf("asset:%d", e.Asset)
}

// Link is a link of Type (flow.LinkMemberOf, ...) From one end To another,
// recorded by a person. Source names the flow and answer that made it.
type Link struct {
	ID         int64
	Type       string
	From, To   End
	RecordedBy int64
	Source     string
	CreatedAt  time.Time
}

// ReplaceLinks makes the links made by source exactly links: those it made
// before and no longer makes go. A link that already exists (from another
// source) is kept as it is.
func (tx *Tx) ReplaceLinks(source string, links []Link) error {
	if _, err := tx.exec(`DELETE FROM links WHERE source = ?`, source); err != nil {
		return fmt.Errorf("replace links of %s: %w", source, err)
	}
	now := formatTime(tx.now)
	for _, l := range links {
		if _, err := tx.exec(`INSERT INTO links (type, from_person, from_asset, to_person, to_asset, recorded_by, source, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
			l.Type, person(l.From.Person), person(l.From.Asset), person(l.To.Person), person(l.To.Asset), person(l.RecordedBy), source, now); err != nil {
			return fmt.Errorf("link %s %s %s: %w", l.From, l.Type, l.To, err)
		}
	}
	return nil
}

const linkColumns = `id, type, from_person, from_asset, to_person, to_asset, recorded_by, source, created_at`

func scanLink(row interface{ Scan(...any) error }) (Link, error) {
	var l Link
	var fp, fa, tp, ta, by sql.NullInt64
	if err := row.Scan(&l.ID, &l.Type, &fp, &fa, &tp, &ta, &by, &l.Source, (*sqlTime)(&l.CreatedAt)); err != nil {
		return l, err
	}
	l.From, l.To = End{Person: fp.Int64, Asset: fa.Int64}, End{Person: tp.Int64, Asset: ta.Int64}
	l.RecordedBy = by.Int64
	return l, nil
}

// Links calls fn for every link, oldest first, one row at a time.
func (s *Store) Links(ctx context.Context, fn func(Link) error) error {
	rows, err := s.db.QueryContext(ctx, `SELECT `+linkColumns+` FROM links ORDER BY id`)
	if err != nil {
		return fmt.Errorf("read links: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		l, err := scanLink(rows)
		if err != nil {
			return fmt.Errorf("read links: %w", err)
		}
		if err := fn(l); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read links: %w", err)
	}
	return nil
}

// PersonAsset is an asset a person added or is linked with, and how.
type PersonAsset struct {
	Asset Asset
	Added bool
	// Links are the types of the person's links with it, in the order made.
	Links []string
}

// personAssetsSQL reads the assets a person (?1) added or is linked with
// (only asset ?2 unless it is 0), each with the types of those links,
// through the indexes on who added an asset and on each end of a link.
const personAssetsSQL = `SELECT ` + assetColumns + `, (SELECT GROUP_CONCAT(type) FROM (SELECT type FROM links
			WHERE (from_person = ?1 AND to_asset = assets.id) OR (from_asset = assets.id AND to_person = ?1) ORDER BY id))
		FROM assets WHERE removed_at IS NULL AND (?2 = 0 OR id = ?2) AND id IN (
			SELECT id FROM assets WHERE added_by = ?1 AND removed_at IS NULL
			UNION SELECT to_asset FROM links WHERE from_person = ?1 AND to_asset IS NOT NULL
			UNION SELECT from_asset FROM links WHERE to_person = ?1 AND from_asset IS NOT NULL)
		ORDER BY id`

// PersonAssets returns the assets on the map that the person added or is
// linked with, in the order they were added.
func (tx *Tx) PersonAssets(personID int64) ([]PersonAsset, error) {
	return tx.personAssets(personID, 0)
}

// PersonAsset returns how the person is linked with one asset;
// ErrNotFound if they neither added it nor are linked with it.
func (tx *Tx) PersonAsset(personID, assetID int64) (PersonAsset, error) {
	found, err := tx.personAssets(personID, assetID)
	if err != nil {
		return PersonAsset{}, err
	}
	if len(found) == 0 {
		return PersonAsset{}, ErrNotFound
	}
	return found[0], nil
}

// HasAssets reports whether the person added or is linked with any asset
// on the map.
func (tx *Tx) HasAssets(personID int64) (bool, error) {
	var has bool
	err := tx.queryRow(`SELECT EXISTS (SELECT 1 FROM assets WHERE added_by = ?1 AND removed_at IS NULL)
		OR EXISTS (SELECT 1 FROM links WHERE from_person = ?1 AND to_asset IS NOT NULL)
		OR EXISTS (SELECT 1 FROM links WHERE to_person = ?1 AND from_asset IS NOT NULL)`, personID).Scan(&has)
	if err != nil {
		return false, fmt.Errorf("read whether %d has assets: %w", personID, err)
	}
	return has, nil
}

// personAssets returns the person's assets, or only asset assetID when it
// is not 0.
func (tx *Tx) personAssets(personID, assetID int64) ([]PersonAsset, error) {
	rows, err := tx.query(personAssetsSQL, personID, assetID)
	if err != nil {
		return nil, fmt.Errorf("read assets of %d: %w", personID, err)
	}
	defer rows.Close()
	var out []PersonAsset
	for rows.Next() {
		var types sql.NullString
		var pa PersonAsset
		a, err := scanAsset(scanTail{rows, &types})
		if err != nil {
			return nil, fmt.Errorf("read assets of %d: %w", personID, err)
		}
		pa.Asset, pa.Added = a, a.AddedBy == personID
		if types.String != "" {
			pa.Links = strings.Split(types.String, ",")
		}
		out = append(out, pa)
	}
	return out, rows.Err()
}

// scanTail scans a row whose last columns follow those a scanner reads.
type scanTail struct {
	row  interface{ Scan(...any) error }
	tail any
}

func (s scanTail) Scan(dest ...any) error { return s.row.Scan(append(dest, s.tail)...) }

// OthersLinked counts the links with an asset that do not involve the person.
func (tx *Tx) OthersLinked(assetID, personID int64) (int, error) {
	var n int
	err := tx.queryRow(`SELECT COUNT(*) FROM links WHERE (from_asset = ?1 OR to_asset = ?1)
		AND IFNULL(from_person, 0) <> ?2 AND IFNULL(to_person, 0) <> ?2`, assetID, personID).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("count links of asset %d: %w", assetID, err)
	}
	return n, nil
}

// Unlink removes every link between a person and an asset.
func (tx *Tx) Unlink(personID, assetID int64) error {
	if _, err := tx.exec(`DELETE FROM links WHERE (from_person = ?1 AND to_asset = ?2) OR (from_asset = ?2 AND to_person = ?1)`, personID, assetID); err != nil {
		return fmt.Errorf("unlink %d from asset %d: %w", personID, assetID, err)
	}
	return nil
}
