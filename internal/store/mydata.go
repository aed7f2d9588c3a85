package store

import (
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// What a person may ask to see of themselves (their right of access):
// everything held about them, read in one transaction so that its parts
// agree with each other. Nothing in it names another resident.

// PersonData is everything held about one person.
type PersonData struct {
	Person    Person
	Freshness EntryFreshness
	// InviteCode is the person's own invitation code; "" if never made.
	InviteCode string
	// Conversation is where they are in their conversation; nil if none
	// is kept.
	Conversation *Conversation
	Answers      []AnswerRecord
	Assets       []AssetRecord
	Links        []PersonLink
	Consents     []ConsentRecord
	// Referral is how they came to the bot; nil if through no link.
	Referral *ReferralRecord
	// Invited counts the people who came through their own link.
	Invited int
	// Volunteer is their own volunteer record, if they are a volunteer.
	Volunteer     *Volunteer
	Reminders     []SentReminder
	Introductions []Introduction
}

// AnswerRecord is one answer with its earlier values. Withdrawn is set
// (and Value is the last value given) when the question no longer applies.
type AnswerRecord struct {
	StoredAnswer
	Withdrawn time.Time
	History   []HistoryEntry
}

// AssetRecord is an asset the person added or wrote a version of, with the
// earlier versions they wrote (never those others wrote). Its fields, area
// and point are those of its current version only if that is theirs.
type AssetRecord struct {
	Asset
	// Removed assets are included: RemovedAt says when.
	AddedByThem   bool
	ChangedByThem bool // the current version is theirs
	TheirVersions []AssetVersion
}

// PersonLink is a link with the person at one end. Other is the other end;
// for a person it carries no id (OtherPerson is set instead), since that
// is someone else. OtherName is the asset's name.
type PersonLink struct {
	ID           int64
	Type         string
	FromThem     bool // the person is the link's from end
	OtherAsset   int64
	OtherName    string
	OtherKind    string
	OtherPerson  bool
	RecordedByMe bool
	CreatedAt    time.Time
}

// ConsentRecord is one consent decision, as recorded.
type ConsentRecord struct {
	Purpose     string
	Granted     bool
	Flow        string
	FlowVersion int
	// TextVersion names the wording answered (see flow.TextVersion); ""
	// for decisions recorded before it was kept, or seeded.
	TextVersion string
	At          time.Time
}

// ReferralRecord is how the person came: through a volunteer's link
// (VolunteerName set) or a neighbour's (never named).
type ReferralRecord struct {
	VolunteerName string
	At            time.Time
}

// SentReminder is a reminder sent to the person: its kind (ReminderNudge,
// ...) and when.
type SentReminder struct {
	Kind   string
	SentAt time.Time
}

// PersonData returns everything held about the person on channel with the
// given user id; ErrNotFound if the bot holds nothing about them. It only
// reads.
func (tx *Tx) PersonData(channel, userID string) (PersonData, error) {
	var d PersonData
	p, err := tx.Person(channel, userID)
	if err != nil {
		return d, err
	}
	d.Person = p
	id := p.ID
	var invite sql.NullString
	err = tx.queryRow(`SELECT confirmed_at, stale_at, invite_code FROM people WHERE id = ?`, id).
		Scan((*nullTime)(&d.Freshness.ConfirmedAt), (*nullTime)(&d.Freshness.StaleAt), &invite)
	if err != nil {
		return d, fmt.Errorf("read the record of %d: %w", id, err)
	}
	d.InviteCode = invite.String
	switch c, err := tx.Conversation(id); {
	case err == nil:
		d.Conversation = &c
	case !errors.Is(err, ErrNotFound):
		return d, err
	}
	readers := []func(*PersonData) error{tx.dataAnswers, tx.dataAssets, tx.dataLinks, tx.dataConsents, tx.dataReferrals, tx.dataVolunteer, tx.dataReminders, tx.dataIntroductions}
	for _, read := range readers {
		if err := read(&d); err != nil {
			return d, fmt.Errorf("read the data of %d: %w", id, err)
		}
	}
	return d, nil
}

func (tx *Tx) dataAnswers(d *PersonData) error {
	byID := map[int64]int{}
	err := tx.each(func(r *sql.Rows) error {
		var id int64
		var withdrawn time.Time
		a, err := scanAnswer(r, &id, (*nullTime)(&withdrawn))
		if err != nil {
			return err
		}
		byID[id] = len(d.Answers)
		d.Answers = append(d.Answers, AnswerRecord{StoredAnswer: a, Withdrawn: withdrawn})
		return nil
	}, `SELECT id, withdrawn_at, `+answerColumns+` FROM answers WHERE person_id = ? ORDER BY id`, d.Person.ID)
	if err != nil {
		return fmt.Errorf("answers: %w", err)
	}
	err = tx.each(func(r *sql.Rows) error {
		var id int64
		var h HistoryEntry
		var value []byte
		if err := r.Scan(&id, &value, &h.FlowVersion, (*sqlTime)(&h.ValidFrom), (*sqlTime)(&h.ReplacedAt)); err != nil {
			return err
		}
		if err := json.Unmarshal(value, &h.Value); err != nil {
			return fmt.Errorf("decode an earlier answer: %w", err)
		}
		a := &d.Answers[byID[id]]
		a.History = append(a.History, h)
		return nil
	}, `SELECT h.answer_id, h.value, h.flow_version, h.valid_from, h.replaced_at FROM answer_history h
		JOIN answers a ON a.id = h.answer_id WHERE a.person_id = ? ORDER BY h.id`, d.Person.ID)
	if err != nil {
		return fmt.Errorf("earlier answers: %w", err)
	}
	return nil
}

func (tx *Tx) dataAssets(d *PersonData) error {
	id := d.Person.ID
	byID := map[int64]int{}
	err := tx.each(func(r *sql.Rows) error {
		a, err := scanAsset(r)
		if err != nil {
			return err
		}
		byID[a.ID] = len(d.Assets)
		if a.ChangedBy != id {
			// Its current version is someone else's words: only its name
			// says which asset it is.
			a.Fields, a.Area, a.Point = nil, "", nil
		}
		// Whoever else added or changed it is not theirs to know.
		a.AddedBy, a.ChangedBy = mine(a.AddedBy, id), mine(a.ChangedBy, id)
		d.Assets = append(d.Assets, AssetRecord{Asset: a, AddedByThem: a.AddedBy == id, ChangedByThem: a.ChangedBy == id})
		return nil
	}, `SELECT `+assetColumns+` FROM assets WHERE added_by = ?1 OR changed_by = ?1
		OR id IN (SELECT asset_id FROM asset_history WHERE changed_by = ?1) ORDER BY id`, id)
	if err != nil {
		return fmt.Errorf("assets: %w", err)
	}
	err = tx.each(func(r *sql.Rows) error {
		var asset int64
		var v AssetVersion
		var fields []byte
		if err := r.Scan(&asset, &fields, &v.FlowVersion, (*sqlTime)(&v.ValidFrom), (*sqlTime)(&v.ReplacedAt)); err != nil {
			return err
		}
		if err := json.Unmarshal(fields, &v.Fields); err != nil {
			return fmt.Errorf("decode an earlier version of asset %d: %w", asset, err)
		}
		v.ChangedBy = id
		a := &d.Assets[byID[asset]]
		a.TheirVersions = append(a.TheirVersions, v)
		return nil
	}, `SELECT asset_id, fields, flow_version, valid_from, replaced_at FROM asset_history WHERE changed_by = ? ORDER BY id`, id)
	if err != nil {
		return fmt.Errorf("earlier versions of assets: %w", err)
	}
	return nil
}

// mine is person, if it is me, else 0: nobody named.
func mine(person, me int64) int64 {
	if person != me {
		return 0
	}
	return person
}

func (tx *Tx) dataLinks(d *PersonData) error {
	id := d.Person.ID
	err := tx.each(func(r *sql.Rows) error {
		var name, kind sql.NullString
		l, err := scanLink(withTail(r, &name, &kind))
		if err != nil {
			return err
		}
		pl := PersonLink{ID: l.ID, Type: l.Type, FromThem: l.From.Person == id, RecordedByMe: l.RecordedBy == id, CreatedAt: l.CreatedAt}
		other := l.To
		if !pl.FromThem {
			other = l.From
		}
		pl.OtherAsset, pl.OtherName, pl.OtherKind, pl.OtherPerson = other.Asset, name.String, kind.String, other.Person != 0
		d.Links = append(d.Links, pl)
		return nil
	}, `SELECT l.id, l.type, l.from_person, l.from_asset, l.to_person, l.to_asset, l.recorded_by, l.source, l.created_at, a.name, a.kind
		FROM links l LEFT JOIN assets a ON a.id = CASE WHEN l.from_person = ?1 THEN l.to_asset ELSE l.from_asset END
		WHERE l.from_person = ?1 OR l.to_person = ?1 ORDER BY l.id`, id)
	if err != nil {
		return fmt.Errorf("links: %w", err)
	}
	return nil
}

func (tx *Tx) dataConsents(d *PersonData) error {
	return tx.each(func(r *sql.Rows) error {
		var c ConsentRecord
		if err := r.Scan(&c.Purpose, &c.Granted, &c.Flow, &c.FlowVersion, &c.TextVersion, (*sqlTime)(&c.At)); err != nil {
			return fmt.Errorf("consents: %w", err)
		}
		d.Consents = append(d.Consents, c)
		return nil
	}, `SELECT purpose, granted, flow, flow_version, text_version, at FROM consents WHERE person_id = ? ORDER BY id`, d.Person.ID)
}

// dataReferrals reads who brought the person, naming a volunteer but never
// a neighbour, and how many they brought.
func (tx *Tx) dataReferrals(d *PersonData) error {
	var ref ReferralRecord
	var volunteer sql.NullString
	err := tx.queryRow(`SELECT v.name, r.at FROM referrals r LEFT JOIN volunteers v ON v.id = r.volunteer_id WHERE r.person_id = ?`, d.Person.ID).
		Scan(&volunteer, (*sqlTime)(&ref.At))
	switch {
	case err == nil:
		ref.VolunteerName = volunteer.String
		d.Referral = &ref
	case !errors.Is(err, sql.ErrNoRows):
		return fmt.Errorf("referral: %w", err)
	}
	if err := tx.queryRow(`SELECT COUNT(*) FROM referrals WHERE referrer_person_id = ?`, d.Person.ID).Scan(&d.Invited); err != nil {
		return fmt.Errorf("people invited: %w", err)
	}
	return nil
}

// dataVolunteer reads the person's own volunteer record: a volunteer's
// record names their Telegram user id once they claimed it.
func (tx *Tx) dataVolunteer(d *PersonData) error {
	if d.Person.Channel != "telegram" {
		return nil
	}
	var v Volunteer
	err := tx.queryRow(`SELECT `+volunteerColumns+` FROM volunteers WHERE telegram_user_id = ?`, d.Person.ChannelUserID).Scan(volunteerFields(&v)...)
	switch {
	case err == nil:
		d.Volunteer = &v
	case !errors.Is(err, sql.ErrNoRows):
		return fmt.Errorf("volunteer record: %w", err)
	}
	return nil
}

func (tx *Tx) dataReminders(d *PersonData) error {
	return tx.each(func(r *sql.Rows) error {
		var s SentReminder
		if err := r.Scan(&s.Kind, (*sqlTime)(&s.SentAt)); err != nil {
			return fmt.Errorf("reminders: %w", err)
		}
		d.Reminders = append(d.Reminders, s)
		return nil
	}, `SELECT kind, sent_at FROM reminders WHERE person_id = ? AND sent_at IS NOT NULL ORDER BY sent_at, id`, d.Person.ID)
}

// dataIntroductions reads the introductions sent to the person: a draft
// the organiser has not finished was never sent to them.
func (tx *Tx) dataIntroductions(d *PersonData) error {
	return tx.each(func(r *sql.Rows) error {
		var in Introduction
		if err := r.Scan(&in.ID, &in.OrganiserUserID, &in.PersonID, &in.Message, (*sqlTime)(&in.CreatedAt), (*nullTime)(&in.AnsweredAt), &in.Shared); err != nil {
			return fmt.Errorf("introductions: %w", err)
		}
		d.Introductions = append(d.Introductions, in)
		return nil
	}, `SELECT `+introductionColumns+` FROM introductions WHERE person_id = ? AND message IS NOT NULL ORDER BY id`, d.Person.ID)
}
