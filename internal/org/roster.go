package org

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"path/filepath"
	"strings"

	"chuangzheng/internal/account"
	"chuangzheng/internal/apperr"
	"chuangzheng/internal/audit"
	"chuangzheng/internal/db"
	"chuangzheng/internal/roster"
)

// MaxUploadBytes is the largest roster file accepted (20 MiB is far more
// than a 100,000-row roster needs).
const MaxUploadBytes = 20 << 20

// Import actions for one row.
const (
	ActionCreate    = "create"    // 新增
	ActionUpdate    = "update"    // 更新
	ActionUnchanged = "unchanged" // 无变化
)

// ImportRow is what will happen to one row of the file.
type ImportRow struct {
	roster.Record
	Action   string        `json:"action"`
	UnitID   int64         `json:"unit_id"`
	UnitName string        `json:"unit_name"`
	MemberID int64         `json:"member_id,omitempty"`
	Changes  []FieldChange `json:"changes,omitempty"`
	member   Member        // what the member will be after the commit
}

// FieldChange is one field an update changes, old → new, as the office
// reads them.
type FieldChange struct {
	Field string `json:"field"` // the column name (所在组织 for the unit)
	Old   string `json:"old"`
	New   string `json:"new"`
	Clear bool   `json:"clear,omitempty"` // a stored value the file's blank cell will erase (以文件为准)
}

// ImportPreview is the outcome of reading a file: what would be written,
// and every problem found. Nothing is written to the roster until Commit.
type ImportPreview struct {
	UploadID int64            `json:"upload_id"`
	Filename string           `json:"filename"`
	UnitID   int64            `json:"unit_id"`
	UnitName string           `json:"unit_name"`
	Rows     []ImportRow      `json:"rows"`
	Problems []roster.Problem `json:"problems"`
	// Groups are the problems with those of one kind (same column, same
	// wrong value, same advice) together: what the office fixes.
	Groups []roster.ProblemGroup `json:"problem_groups"`
	// Columns accounts for every column of the file: the field it fills,
	// or why it is not read.
	Columns     []roster.ColumnUse `json:"columns"`
	ClearBlanks bool               `json:"clear_blanks"` // 以文件为准：blank cells clear stored values
	// Create, Update and Unchanged are what a commit would do now: all zero
	// while any problem remains, since a commit then writes nothing.
	Create    int  `json:"create"`
	Update    int  `json:"update"`
	Unchanged int  `json:"unchanged"`
	Clears    int  `json:"clears"`    // stored values blank cells would erase
	BadRows   int  `json:"bad_rows"`  // rows with a problem
	Committed bool `json:"committed"` // the file has been imported already
}

// OK reports whether the preview can be committed.
func (p *ImportPreview) OK() bool { return len(p.Problems) == 0 && len(p.Rows) > 0 }

// ImportResult is what a commit did.
type ImportResult struct {
	Created, Updated, Unchanged int
	NewAccounts                 []NewAccount
	InitialPassword             string // shared by this batch's new accounts; shown once
}

// NewAccount is an account made for a newly imported member.
type NewAccount struct {
	Name     string `json:"name"`
	Username string `json:"username"`
	Unit     string `json:"unit"`
}

// PreviewImport stores the uploaded file and reads it against the roster
// of the subtree rooted at unitID. The actor must be able to write there.
// The file is parsed outside any transaction, so a large file never holds
// up other writers.
func (s *Service) PreviewImport(ctx context.Context, a *Actor, unitID int64, filename string, r io.Reader) (*ImportPreview, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxUploadBytes+1))
	if err != nil {
		return nil, apperr.Wrap(err, "read upload")
	}
	if len(data) > MaxUploadBytes {
		return nil, apperr.Newf(apperr.Invalid, "文件过大（超过 %d MB），请拆分后分批导入", "The file is larger than %d MB; split it", MaxUploadBytes>>20)
	}
	var id int64
	err = s.DB.Update(ctx, func(tx *db.Tx) error {
		root, err := getUnit(ctx, tx, unitID)
		if err != nil {
			return err
		}
		if !a.CanWrite(root) {
			return apperr.Deny()
		}
		id, err = tx.Insert(ctx, `INSERT INTO roster_uploads (user_id, unit_id, filename, content, created_at) VALUES (?, ?, ?, ?, ?)`,
			a.UserID, unitID, filename, data, tx.NowText())
		return err
	})
	if err != nil {
		return nil, apperr.Wrap(err, "store upload")
	}
	res := roster.Parse(filename, data, s.DB.LocalNow())
	var p *ImportPreview
	err = s.DB.View(ctx, func(tx *db.Tx) error {
		root, err := getUnit(ctx, tx, unitID)
		if err != nil {
			return err
		}
		p, err = s.plan(ctx, tx, a, root, filename, res, importOptions{})
		return err
	})
	if err != nil {
		return nil, apperr.Wrap(err, "preview import")
	}
	p.UploadID = id
	return p, nil
}

// upload is a stored roster file.
type upload struct {
	id, userID, unitID int64
	filename           string
	data               []byte
	committed          bool
	opts               importOptions
}

// parse reads the stored file with the office's choices.
func (u upload) parse(s *Service) roster.Result {
	return roster.ParseWith(u.filename, u.data, s.DB.LocalNow(), roster.Options{ColumnMap: u.opts.ColumnMap})
}

func getUpload(ctx context.Context, tx *db.Tx, a *Actor, uploadID int64) (upload, error) {
	u := upload{id: uploadID}
	var committed sql.NullString
	var colMap string
	err := tx.QueryRow(ctx, `SELECT user_id, unit_id, filename, content, committed_at, column_map, clear_blanks FROM roster_uploads WHERE id = ?`, uploadID).
		Scan(&u.userID, &u.unitID, &u.filename, &u.data, &committed, &colMap, &u.opts.ClearBlanks)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && u.userID != a.UserID) {
		return u, apperr.NotFoundf("导入文件", "Upload")
	}
	if err == nil && colMap != "" {
		_ = json.Unmarshal([]byte(colMap), &u.opts.ColumnMap) // written by SetImportOptions; a bad value is no mapping
	}
	u.committed = committed.Valid
	return u, err
}

// ImportOptions are the office's choices on the preview page.
type ImportOptions struct {
	// ColumnMap maps a header of the file (as written) to the roster column
	// it fills; "" ignores the column.
	ColumnMap map[string]string `json:"column_map"`
	// ClearBlanks (以文件为准): a blank cell of a column the file carries
	// clears the stored value. Otherwise blank cells never erase anything.
	ClearBlanks bool `json:"clear_blanks"`
}

// SetImportOptions stores the office's choices for an upload it has not
// committed yet; the preview is read again with them.
func (s *Service) SetImportOptions(ctx context.Context, a *Actor, uploadID int64, in ImportOptions) (*ImportPreview, error) {
	known := map[string]bool{"": true}
	for _, c := range roster.ColumnNames() {
		known[c] = true
	}
	clean := map[string]string{}
	for h, c := range in.ColumnMap {
		if !known[c] {
			return nil, apperr.Field("column_map", "“"+c+"”不是花名册的列", c+" is not a roster column")
		}
		if len(clean) >= 200 || len(h) > 200 {
			return nil, apperr.Field("column_map", "列太多", "Too many columns")
		}
		clean[h] = c
	}
	// One column per field: two headers mapped to one field would leave
	// the second silently unread.
	seen := map[string]string{}
	for h, c := range clean {
		if c == "" {
			continue
		}
		if other, dup := seen[c]; dup {
			return nil, apperr.Field("column_map", "「"+other+"」和「"+h+"」都对应“"+c+"”，每个字段只能对应一列", "Two columns map to "+c)
		}
		seen[c] = h
	}
	b, _ := json.Marshal(clean)
	err := s.DB.Update(ctx, func(tx *db.Tx) error {
		up, err := getUpload(ctx, tx, a, uploadID)
		if err != nil {
			return err
		}
		if up.committed {
			return apperr.New(apperr.Conflict, "这个文件已经导入过了", "This file has already been imported")
		}
		_, err = tx.Exec(ctx, `UPDATE roster_uploads SET column_map = ?, clear_blanks = ? WHERE id = ?`, string(b), in.ClearBlanks, uploadID)
		return err
	})
	if err != nil {
		return nil, apperr.Wrap(err, "import options")
	}
	return s.Upload(ctx, a, uploadID)
}

// Upload re-reads a stored upload (to show its preview again).
func (s *Service) Upload(ctx context.Context, a *Actor, uploadID int64) (*ImportPreview, error) {
	var up upload
	err := s.DB.View(ctx, func(tx *db.Tx) error {
		var err error
		up, err = getUpload(ctx, tx, a, uploadID)
		return err
	})
	if err != nil {
		return nil, apperr.Wrap(err, "load upload")
	}
	res := up.parse(s)
	var p *ImportPreview
	err = s.DB.View(ctx, func(tx *db.Tx) error {
		root, err := getUnit(ctx, tx, up.unitID)
		if err != nil {
			return err
		}
		if !a.CanWrite(root) {
			return apperr.Deny()
		}
		p, err = s.plan(ctx, tx, a, root, up.filename, res, up.opts)
		return err
	})
	if err != nil {
		return nil, apperr.Wrap(err, "load upload")
	}
	p.UploadID, p.Committed = uploadID, up.committed
	return p, nil
}

// CommitImport writes a previewed upload, all or nothing: the file is read
// again against the roster as it is now, and if any row has a problem
// nothing is written. New members get an account named by the pinyin of
// their name, with one initial password for the batch that must be changed
// at first login. Each member's creation (with its account) or update is
// one audit entry.
func (s *Service) CommitImport(ctx context.Context, a *Actor, acc *account.Service, uploadID int64) (ImportResult, *ImportPreview, error) {
	var res ImportResult
	var up upload
	err := s.DB.View(ctx, func(tx *db.Tx) error {
		var err error
		up, err = getUpload(ctx, tx, a, uploadID)
		return err
	})
	if err != nil {
		return res, nil, apperr.Wrap(err, "load upload")
	}
	parsed := up.parse(s)
	pw := InitialPassword()
	phc, err := acc.Hasher.Hash(pw)
	if err != nil {
		return res, nil, apperr.Wrap(err, "hash")
	}
	var p *ImportPreview
	err = s.DB.Update(ctx, func(tx *db.Tx) error {
		var committed sql.NullString
		if err := tx.QueryRow(ctx, `SELECT committed_at FROM roster_uploads WHERE id = ?`, uploadID).Scan(&committed); err != nil {
			return err
		}
		root, err := getUnit(ctx, tx, up.unitID)
		if err != nil {
			return err
		}
		if !a.CanWrite(root) {
			return apperr.Deny()
		}
		if p, err = s.plan(ctx, tx, a, root, up.filename, parsed, up.opts); err != nil {
			return err
		}
		p.UploadID, p.Committed = uploadID, committed.Valid
		if p.Committed {
			return apperr.New(apperr.Conflict, "这个文件已经导入过了", "This file has already been imported")
		}
		if !p.OK() {
			return apperr.Newf(apperr.Invalid, "文件中有 %d 处问题，未导入任何数据；请修改后重新上传", "The file has %d problems; nothing was imported", len(p.Problems))
		}
		w, err := newBulkWriter(ctx, tx, a, phc)
		if err != nil {
			return err
		}
		defer w.close()
		for _, row := range p.Rows {
			m := row.member // merged with the stored member and validated by plan
			switch row.Action {
			case ActionCreate:
				name, err := w.create(ctx, &m)
				if err != nil {
					return err
				}
				res.Created++
				res.NewAccounts = append(res.NewAccounts, NewAccount{Name: m.Name, Username: name, Unit: row.UnitName})
			case ActionUpdate:
				if err := w.update(ctx, &m, row.MemberID); err != nil {
					return err
				}
				res.Updated++
			default:
				res.Unchanged++
			}
		}
		if _, err := tx.Exec(ctx, `UPDATE roster_uploads SET committed_at = ? WHERE id = ?`, tx.NowText(), uploadID); err != nil {
			return err
		}
		return w.chain.Record(ctx, who(a), "roster.import", "roster_upload", uploadID, nil,
			map[string]any{"file": p.Filename, "unit": p.UnitName, "created": res.Created, "updated": res.Updated, "unchanged": res.Unchanged})
	})
	if err != nil {
		return res, p, apperr.Wrap(err, "commit import")
	}
	if res.Created > 0 {
		res.InitialPassword = pw
	}
	return res, p, nil
}

// bulkWriter writes many members in one transaction with prepared
// statements, one audit chain, the taken usernames in memory and each
// target unit checked once: a 10,000-row roster is a few statements a row.
type bulkWriter struct {
	tx                       *db.Tx
	a                        *Actor
	phc                      string
	chain                    *audit.Chain
	taken                    map[string]bool
	units                    map[int64]error
	member, user, grant, upd *sql.Stmt
}

func newBulkWriter(ctx context.Context, tx *db.Tx, a *Actor, phc string) (*bulkWriter, error) {
	w := &bulkWriter{tx: tx, a: a, phc: phc, taken: map[string]bool{}, units: map[int64]error{}}
	var err error
	if w.chain, err = audit.Begin(ctx, tx); err != nil {
		return nil, err
	}
	rows, err := tx.Query(ctx, `SELECT username FROM users`)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var u string
		if err := rows.Scan(&u); err != nil {
			rows.Close()
			return nil, err
		}
		w.taken[u] = true
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	prep := func(q string) *sql.Stmt {
		if err != nil {
			return nil
		}
		var st *sql.Stmt
		st, err = tx.Prepare(ctx, q)
		return st
	}
	w.member = prep(`INSERT INTO members (unit_id, name, gender, id_number, ethnicity, birth_date, education, category, joined_date,
		confirmed_date, retired, no_post, post, phone, status, remarks, oral, version, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?) RETURNING id`)
	w.user = prep(`INSERT INTO users (username, display_name, password_hash, member_id, must_change, disabled, created_at, updated_at)
		VALUES (?, ?, ?, ?, TRUE, FALSE, ?, ?) RETURNING id`)
	w.grant = prep(`INSERT INTO role_grants (user_id, role, unit_id, created_at) VALUES (?, 'member', ?, ?)`)
	w.upd = prep(`UPDATE members SET unit_id = ?, name = ?, gender = ?, id_number = ?, ethnicity = ?, birth_date = ?, education = ?,
		category = ?, joined_date = ?, confirmed_date = ?, retired = ?, no_post = ?, post = ?, phone = ?, status = ?, remarks = ?, oral = ?,
		version = version + 1, updated_at = ? WHERE id = ?`)
	if err != nil {
		w.close()
		return nil, err
	}
	return w, nil
}

func (w *bulkWriter) close() {
	for _, st := range []*sql.Stmt{w.member, w.user, w.grant, w.upd} {
		if st != nil {
			st.Close()
		}
	}
}

func (w *bulkWriter) checkUnit(ctx context.Context, unitID int64) error {
	err, seen := w.units[unitID]
	if !seen {
		_, err = memberUnit(ctx, w.tx, w.a, unitID)
		w.units[unitID] = err
	}
	return err
}

// freeUsername is account.FreeUsername against the names held in memory.
func (w *bulkWriter) freeUsername(base string) string {
	if len(base) < 2 {
		base = "dy" + base
	}
	if len(base) > 28 {
		base = base[:28]
	}
	name := base
	for i := 2; w.taken[name]; i++ {
		name = fmt.Sprintf("%s%d", base, i)
	}
	w.taken[name] = true
	return name
}

// create adds a member with an account (must change password) and the member role.
func (w *bulkWriter) create(ctx context.Context, m *Member) (string, error) {
	if err := w.checkUnit(ctx, m.UnitID); err != nil {
		return "", err
	}
	now := w.tx.NowText()
	m.Version, m.UpdatedAt = 1, now
	if err := w.member.QueryRowContext(ctx, m.UnitID, m.Name, m.Gender, m.IDNumber, m.Ethnicity, m.BirthDate.String(), m.Education, m.Category,
		m.JoinedDate.String(), m.ConfirmedDate.String(), m.Retired, m.NoPost, m.Post, m.Phone, m.Status, m.Remarks, m.Oral, now, now).Scan(&m.ID); err != nil {
		if db.IsUniqueViolation(err) {
			return "", apperr.Newf(apperr.Conflict, "公民身份号码 %s 已在花名册中（可能刚被他人录入），请重新预览", "ID number %s is already on the roster; preview again", m.IDNumber)
		}
		return "", err
	}
	name := w.freeUsername(account.Pinyin(m.Name))
	var uid int64
	if err := w.user.QueryRowContext(ctx, name, m.Name, w.phc, m.ID, now, now).Scan(&uid); err != nil {
		return "", err
	}
	if _, err := w.grant.ExecContext(ctx, uid, m.UnitID, now); err != nil {
		return "", err
	}
	m.Username = name
	return name, w.chain.Record(ctx, who(w.a), "member.import_create", "member", m.ID, nil, m)
}

// update saves an imported member's changes (moving branch if the file says so).
func (w *bulkWriter) update(ctx context.Context, m *Member, id int64) error {
	old, err := getMember(ctx, w.tx, id)
	if err != nil {
		return err
	}
	if err := w.checkUnit(ctx, m.UnitID); err != nil {
		return err
	}
	m.ID, m.Version, m.UpdatedAt = id, old.Version+1, w.tx.NowText()
	if _, err := w.upd.ExecContext(ctx, m.UnitID, m.Name, m.Gender, m.IDNumber, m.Ethnicity, m.BirthDate.String(), m.Education, m.Category,
		m.JoinedDate.String(), m.ConfirmedDate.String(), m.Retired, m.NoPost, m.Post, m.Phone, m.Status, m.Remarks, m.Oral, m.UpdatedAt, id); err != nil {
		return err
	}
	if old.UnitID != m.UnitID {
		if _, err := w.tx.Exec(ctx, `UPDATE role_grants SET unit_id = ? WHERE role = 'member' AND unit_id = ? AND user_id IN (SELECT id FROM users WHERE member_id = ?)`, m.UnitID, old.UnitID, id); err != nil {
			return err
		}
	}
	return w.chain.Record(ctx, who(w.a), "member.import_update", "member", id, old, m)
}

// InitialPassword makes a readable one-time password like "Cz-4827-kqmt".
func InitialPassword() string {
	const letters = "abcdefghjkmnpqrstuvwxyz"
	var b strings.Builder
	b.WriteString("Cz-")
	for i := 0; i < 4; i++ {
		n, _ := rand.Int(rand.Reader, big.NewInt(10))
		b.WriteByte(byte('0' + n.Int64()))
	}
	b.WriteByte('-')
	for i := 0; i < 4; i++ {
		n, _ := rand.Int(rand.Reader, big.NewInt(int64(len(letters))))
		b.WriteByte(letters[n.Int64()])
	}
	return b.String()
}

// ExportRoster writes the roster of a subtree as .xlsx in the import columns;
// the private fields only of the units the actor manages.
func (s *Service) ExportRoster(ctx context.Context, a *Actor, unitID int64, w io.Writer) (string, error) {
	var recs []roster.Record
	var name string
	err := s.DB.View(ctx, func(tx *db.Tx) error {
		root, err := getUnit(ctx, tx, unitID)
		if err != nil {
			return err
		}
		if !a.CanRead(root) {
			return apperr.Deny()
		}
		name = root.Name
		units, err := loadUnits(ctx, tx)
		if err != nil {
			return err
		}
		t := BuildTree(units)
		rows, err := tx.Query(ctx, `SELECT `+memberCols+` FROM members m JOIN units u ON u.id = m.unit_id WHERE u.path LIKE ? ORDER BY u.path, m.id`, root.Path+"%")
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var m Member
			if err := rows.Scan(memberDest(&m)...); err != nil {
				return err
			}
			u := t.ByID[m.UnitID]
			if !a.CanReadPrivate(u) && m.ID != a.MemberID {
				m.Private()
			}
			rec := roster.Record{Name: m.Name, Gender: m.Gender, IDNumber: m.IDNumber, Ethnicity: m.Ethnicity, BirthDate: m.BirthDate,
				Education: m.Education, Category: m.Category, JoinedDate: m.JoinedDate, ConfirmedDate: m.ConfirmedDate, Retired: m.Retired,
				NoPost: m.NoPost, Post: m.Post, Branch: t.BranchOf(u.ID).Name, Phone: m.Phone, Status: m.Status, Remarks: m.Remarks, Oral: m.Oral}
			if u.Type == Group {
				rec.Group = u.Name
			}
			recs = append(recs, rec)
		}
		return rows.Err()
	})
	if err != nil {
		return "", apperr.Wrap(err, "export roster")
	}
	var buf bytes.Buffer
	if err := roster.Write(&buf, name+"党员花名册", recs); err != nil {
		return "", apperr.Wrap(err, "write xlsx")
	}
	_, err = w.Write(buf.Bytes())
	return name, err
}

// AnnotatedUpload writes the office's own file back as an .xlsx with a 问题
// column saying what is wrong on each row (the file to fix and upload
// again). It returns the name to save it under.
func (s *Service) AnnotatedUpload(ctx context.Context, a *Actor, uploadID int64, w io.Writer) (string, error) {
	p, err := s.Upload(ctx, a, uploadID) // authorizes
	if err != nil {
		return "", err
	}
	var up upload
	err = s.DB.View(ctx, func(tx *db.Tx) error {
		var err error
		up, err = getUpload(ctx, tx, a, uploadID)
		return err
	})
	if err != nil {
		return "", apperr.Wrap(err, "load upload")
	}
	res := up.parse(s)
	var buf bytes.Buffer
	if err := roster.Annotate(&buf, up.filename, up.data, res, p.Problems); err != nil {
		return "", apperr.New(apperr.Invalid, "无法生成带问题说明的文件：文件无法读取", "Cannot annotate this file: it cannot be read")
	}
	name := strings.TrimSuffix(up.filename, filepath.Ext(up.filename)) + "（问题）.xlsx"
	_, err = w.Write(buf.Bytes())
	return name, err
}
