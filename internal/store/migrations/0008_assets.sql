-- The whole map: assets beside people (associations, organisations,
-- places, economic and cultural assets) and the links between them.

-- An asset of a kind (the id of the flow that records it). Its answers are
-- kept together in fields (JSON: answer key to value), written once the
-- flow that adds or changes it is over, so nothing is stored half-done.
-- name and the area or point are copied out of fields to find it again.
-- uid is a UUID made once, for exports that others import and update
-- (Open Referral, Kumu). rev grows with every change, so the in-memory
-- directory reads only what changed since it last looked. A removed asset
-- keeps its row and history, marked.
CREATE TABLE assets (
    id           INTEGER PRIMARY KEY,
    uid          TEXT    NOT NULL UNIQUE,
    kind         TEXT    NOT NULL,
    name         TEXT    NOT NULL,
    area         TEXT    NOT NULL DEFAULT '',
    lat          REAL,
    lon          REAL,
    fields       TEXT    NOT NULL,
    flow_version INTEGER NOT NULL,
    added_by     INTEGER REFERENCES people (id) ON DELETE SET NULL,
    changed_by   INTEGER REFERENCES people (id) ON DELETE SET NULL,
    created_at   TEXT    NOT NULL,
    updated_at   TEXT    NOT NULL,
    confirmed_at TEXT    NOT NULL,
    stale_at     TEXT,
    removed_at   TEXT,
    rev          INTEGER NOT NULL
);
CREATE INDEX assets_rev ON assets (rev);
CREATE INDEX assets_kind ON assets (kind, id) WHERE removed_at IS NULL;
CREATE INDEX assets_added_by ON assets (added_by) WHERE removed_at IS NULL;
CREATE INDEX assets_confirmed ON assets (confirmed_at) WHERE removed_at IS NULL;

-- Earlier versions of an asset's fields: what they were, from when, until
-- when, and who changed them.
CREATE TABLE asset_history (
    id           INTEGER PRIMARY KEY,
    asset_id     INTEGER NOT NULL REFERENCES assets (id) ON DELETE CASCADE,
    fields       TEXT    NOT NULL,
    flow_version INTEGER NOT NULL,
    changed_by   INTEGER REFERENCES people (id) ON DELETE SET NULL,
    valid_from   TEXT    NOT NULL,
    replaced_at  TEXT    NOT NULL
);
CREATE INDEX asset_history_asset ON asset_history (asset_id);

-- A link of a type (member_of, runs, owns, uses, offers_to,
-- connected_with) from a person or asset to a person or asset, with who
-- recorded it. source names the flow and answer that made it
-- ("resident/group_name"; a flow's own links: the flow id), so that
-- changing that answer replaces the links it made.
CREATE TABLE links (
    id          INTEGER PRIMARY KEY,
    type        TEXT    NOT NULL,
    from_person INTEGER REFERENCES people (id) ON DELETE CASCADE,
    from_asset  INTEGER REFERENCES assets (id) ON DELETE CASCADE,
    to_person   INTEGER REFERENCES people (id) ON DELETE CASCADE,
    to_asset    INTEGER REFERENCES assets (id) ON DELETE CASCADE,
    recorded_by INTEGER REFERENCES people (id) ON DELETE SET NULL,
    source      TEXT    NOT NULL DEFAULT '',
    created_at  TEXT    NOT NULL,
    CHECK ((from_person IS NULL) <> (from_asset IS NULL)),
    CHECK ((to_person IS NULL) <> (to_asset IS NULL))
);
CREATE UNIQUE INDEX links_unique ON links (type, IFNULL(from_person, 0), IFNULL(from_asset, 0), IFNULL(to_person, 0), IFNULL(to_asset, 0));
CREATE INDEX links_from_person ON links (from_person) WHERE from_person IS NOT NULL;
CREATE INDEX links_to_person ON links (to_person) WHERE to_person IS NOT NULL;
CREATE INDEX links_from_asset ON links (from_asset) WHERE from_asset IS NOT NULL;
CREATE INDEX links_to_asset ON links (to_asset) WHERE to_asset IS NOT NULL;
