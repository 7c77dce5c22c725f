package commitment

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"chuangzheng/internal/apperr"
	"chuangzheng/internal/audit"
	"chuangzheng/internal/db"
	"chuangzheng/internal/org"
)

func who(a *org.Actor) audit.Actor { return audit.Actor{ID: a.UserID, Name: a.Username} }

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

func notFound() error { return apperr.NotFoundf("承诺", "Commitment") }

// campaignInfo is what this package needs of a campaign.
type campaignInfo struct {
	ID     int64
	Year   int
	Status string
	Root   org.Unit
	// PublishSeparately: approving does not publish at once (the office
	// wants publishing as its own step).
	PublishSeparately bool
}

func loadCampaign(ctx context.Context, tx *db.Tx, id int64) (campaignInfo, error) {
	var c campaignInfo
	var rootID int64
	err := tx.QueryRow(ctx, `SELECT id, year, status, unit_id, publish_separately FROM campaigns WHERE id = ?`, id).Scan(&c.ID, &c.Year, &c.Status, &rootID, &c.PublishSeparately)
	if errors.Is(err, sql.ErrNoRows) {
		return c, apperr.NotFoundf("活动", "Campaign")
	}
	if err != nil {
		return c, err
	}
	c.Root, err = getUnit(ctx, tx, rootID)
	return c, err
}

func getUnit(ctx context.Context, tx *db.Tx, id int64) (org.Unit, error) {
	return org.UnitTx(ctx, tx, id)
}

// branchOf returns the nearest 党支部 at or above u, or u itself if none.
func branchOf(ctx context.Context, tx *db.Tx, u org.Unit) (org.Unit, error) {
	b, ok, err := org.BranchOfTx(ctx, tx, u)
	if err != nil || !ok {
		return u, err
	}
	return b, nil
}

// member is what this package needs of a roster entry (never the private fields).
type member struct {
	ID     int64
	UnitID int64
	Name   string
	Post   string
	Oral   bool
	Status string
}

func getMember(ctx context.Context, tx *db.Tx, id int64) (member, error) {
	var m member
	err := tx.QueryRow(ctx, `SELECT id, unit_id, name, post, oral, status FROM members WHERE id = ?`, id).
		Scan(&m.ID, &m.UnitID, &m.Name, &m.Post, &m.Oral, &m.Status)
	if errors.Is(err, sql.ErrNoRows) {
		return m, apperr.NotFoundf("党员", "Member")
	}
	return m, err
}

// categories returns the campaign's categories, or the defaults.
func categories(ctx context.Context, tx *db.Tx, campaignID int64) (Categories, error) {
	var body string
	err := tx.QueryRow(ctx, `SELECT body FROM commitment_categories WHERE campaign_id = ?`, campaignID).Scan(&body)
	if errors.Is(err, sql.ErrNoRows) {
		return DefaultCategories(), nil
	}
	if err != nil {
		return Categories{}, err
	}
	var c Categories
	if err := json.Unmarshal([]byte(body), &c); err != nil {
		return Categories{}, fmt.Errorf("categories of campaign %d: %w", campaignID, err)
	}
	return c, nil
}

const commitmentCols = `c.id, c.campaign_id, c.kind, c.unit_id, u.name, COALESCE(c.member_id, 0), COALESCE(m.name, ''), c.year, c.title,
	c.leading_cadre, c.phone, c.oral, COALESCE(ru.display_name, ''), c.recorded_at, COALESCE(c.meeting_id, 0), c.confirmed_at,
	c.state, c.version, c.published_version, c.return_reason, c.submitted_at, COALESCE(vu.display_name, ''), c.reviewed_at,
	c.published_at, c.read_out_at, COALESCE(c.read_out_meeting_id, 0), c.created_at, c.updated_at,
	(SELECT COUNT(*) FROM commitment_items i WHERE i.commitment_id = c.id)`

var commitmentFrom = ` FROM commitments c` + org.JoinUnit("u", "c.unit_id") + ` LEFT JOIN members m ON m.id = c.member_id
	LEFT JOIN users ru ON ru.id = c.recorded_by LEFT JOIN users vu ON vu.id = c.reviewed_by`

func commitmentDest(c *Commitment) []any {
	return []any{&c.ID, &c.CampaignID, &c.Kind, &c.UnitID, &c.UnitName, &c.MemberID, &c.MemberName, &c.Year, &c.Title,
		&c.LeadingCadre, &c.Phone, &c.Oral, &c.RecordedBy, &c.RecordedAt, &c.MeetingID, &c.ConfirmedAt,
		&c.State, &c.Version, &c.PublishedVersion, &c.ReturnReason, &c.SubmittedAt, &c.ReviewedBy, &c.ReviewedAt,
		&c.PublishedAt, &c.ReadOutAt, &c.ReadOutMeetingID, &c.CreatedAt, &c.UpdatedAt, &c.ItemCount}
}

func getCommitment(ctx context.Context, tx *db.Tx, id int64) (Commitment, error) {
	var c Commitment
	err := tx.QueryRow(ctx, `SELECT `+commitmentCols+commitmentFrom+` WHERE c.id = ?`, id).Scan(commitmentDest(&c)...)
	if errors.Is(err, sql.ErrNoRows) {
		return c, notFound()
	}
	if err != nil {
		return c, err
	}
	c.Items, err = loadItems(ctx, tx, id)
	return c, err
}

func loadItems(ctx context.Context, tx *db.Tx, id int64) ([]Item, error) {
	rows, err := tx.Query(ctx, `SELECT item_key, category, content, measures, deadline, standard, responsible, tag
		FROM commitment_items WHERE commitment_id = ? ORDER BY seq`, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Item{}
	for rows.Next() {
		var it Item
		if err := rows.Scan(&it.Key, &it.Category, &it.Content, &it.Measures, &it.Deadline, &it.Standard, &it.Responsible, &it.Tag); err != nil {
			return nil, err
		}
		out = append(out, it)
	}
	return out, rows.Err()
}

// fillItems loads the current items of a page of commitments in one query.
func fillItems(ctx context.Context, tx *db.Tx, cs []Commitment) error {
	if len(cs) == 0 {
		return nil
	}
	at := map[int64]int{}
	ph := make([]string, len(cs))
	args := make([]any, len(cs))
	for i, c := range cs {
		at[c.ID] = i
		ph[i], args[i] = "?", c.ID
		cs[i].Items = []Item{}
	}
	rows, err := tx.Query(ctx, `SELECT commitment_id, item_key, category, content, measures, deadline, standard, responsible, tag
		FROM commitment_items WHERE commitment_id IN (`+strings.Join(ph, ", ")+`) ORDER BY commitment_id, seq`, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var it Item
		if err := rows.Scan(&id, &it.Key, &it.Category, &it.Content, &it.Measures, &it.Deadline, &it.Standard, &it.Responsible, &it.Tag); err != nil {
			return err
		}
		if i, ok := at[id]; ok {
			cs[i].Items = append(cs[i].Items, it)
		}
	}
	return rows.Err()
}

// writeItems replaces the current items, giving new items a key; it
// returns the next free key.
func writeItems(ctx context.Context, tx *db.Tx, id int64, items []Item, nextKey int) (int, error) {
	if _, err := tx.Exec(ctx, `DELETE FROM commitment_items WHERE commitment_id = ?`, id); err != nil {
		return 0, err
	}
	seen := map[int]bool{}
	for i := range items {
		it := &items[i]
		if it.Key <= 0 || it.Key >= nextKey || seen[it.Key] {
			it.Key = nextKey
			nextKey++
		}
		seen[it.Key] = true
		if _, err := tx.Exec(ctx, `INSERT INTO commitment_items (commitment_id, seq, item_key, category, content, measures, deadline, standard, responsible, tag)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, id, i+1, it.Key, it.Category, it.Content, it.Measures, it.Deadline.String(), it.Standard, it.Responsible, it.Tag); err != nil {
			return 0, err
		}
	}
	return nextKey, nil
}

func insertVersion(ctx context.Context, tx *db.Tx, a *org.Actor, id int64, version int, state State, b Body) error {
	js, err := json.Marshal(b)
	if err != nil {
		return err
	}
	_, err = tx.Exec(ctx, `INSERT INTO commitment_versions (commitment_id, version, state, body, author_id, author_name, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		id, version, state, string(js), nullID(a.UserID), a.Name, tx.NowText())
	return err
}

func loadVersion(ctx context.Context, tx *db.Tx, id int64, version int) (Version, error) {
	var v Version
	var body string
	err := tx.QueryRow(ctx, `SELECT version, state, author_name, created_at, body FROM commitment_versions WHERE commitment_id = ? AND version = ?`, id, version).
		Scan(&v.Version, &v.State, &v.Author, &v.At, &body)
	if errors.Is(err, sql.ErrNoRows) {
		return v, apperr.NotFoundf(fmt.Sprintf("第 %d 版", version), fmt.Sprintf("Version %d", version))
	}
	if err != nil {
		return v, err
	}
	return v, json.Unmarshal([]byte(body), &v.Body)
}

func loadVersions(ctx context.Context, tx *db.Tx, id int64) ([]VersionInfo, error) {
	rows, err := tx.Query(ctx, `SELECT version, state, author_name, created_at FROM commitment_versions WHERE commitment_id = ? ORDER BY version`, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []VersionInfo
	for rows.Next() {
		var v VersionInfo
		if err := rows.Scan(&v.Version, &v.State, &v.Author, &v.At); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

func loadReviews(ctx context.Context, tx *db.Tx, id int64) ([]Review, error) {
	rows, err := tx.Query(ctx, `SELECT version, decision, reason, reviewer_name, created_at FROM commitment_reviews WHERE commitment_id = ? ORDER BY id`, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Review
	for rows.Next() {
		var r Review
		if err := rows.Scan(&r.Version, &r.Decision, &r.Reason, &r.Reviewer, &r.At); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

func insertReview(ctx context.Context, tx *db.Tx, a *org.Actor, id int64, version int, d Decision, reason string) error {
	_, err := tx.Exec(ctx, `INSERT INTO commitment_reviews (commitment_id, version, decision, reason, reviewer_id, reviewer_name, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		id, version, d, reason, nullID(a.UserID), a.Name, tx.NowText())
	return err
}

// meetingIn checks that a meeting exists and was held by a unit inside the
// subtree at path.
func meetingIn(ctx context.Context, tx *db.Tx, meetingID int64, path string) error {
	var unitID int64
	err := tx.QueryRow(ctx, `SELECT unit_id FROM meetings WHERE id = ?`, meetingID).Scan(&unitID)
	if errors.Is(err, sql.ErrNoRows) {
		return apperr.Field("meeting_id", "会议不存在", "No such meeting")
	}
	if err != nil {
		return err
	}
	u, err := getUnit(ctx, tx, unitID)
	if err != nil {
		return err
	}
	if !u.Within(path) {
		return apperr.Field("meeting_id", "只能关联本支部的会议", "Only a meeting of this branch can be linked")
	}
	return nil
}
