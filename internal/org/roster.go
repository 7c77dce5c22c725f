package org

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"math/big"
	"sort"
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
	Action   string `json:"action"`
	UnitID   int64  `json:"unit_id"`
	UnitName string `json:"unit_name"`
	MemberID int64  `json:"member_id,omitempty"`
	Changes  []string
}

// ImportPreview is the outcome of reading a file: what would be written,
// and every problem found. Nothing is written to the roster until Commit.
type ImportPreview struct {
	UploadID  int64            `json:"upload_id"`
	Filename  string           `json:"filename"`
	UnitID    int64            `json:"unit_id"`
	UnitName  string           `json:"unit_name"`
	Rows      []ImportRow      `json:"rows"`
	Problems  []roster.Problem `json:"problems"`
	Create    int              `json:"create"`
	Update    int              `json:"update"`
	Unchanged int              `json:"unchanged"`
	Committed bool             `json:"committed"`
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
		p, err = s.plan(ctx, tx, a, root, filename, res)
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
}

func getUpload(ctx context.Context, tx *db.Tx, a *Actor, uploadID int64) (upload, error) {
	u := upload{id: uploadID}
	var committed sql.NullString
	err := tx.QueryRow(ctx, `SELECT user_id, unit_id, filename, content, committed_at FROM roster_uploads WHERE id = ?`, uploadID).
		Scan(&u.userID, &u.unitID, &u.filename, &u.data, &committed)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && u.userID != a.UserID) {
		return u, apperr.NotFoundf("导入文件", "Upload")
	}
	u.committed = committed.Valid
	return u, err
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
	res := roster.Parse(up.filename, up.data, s.DB.LocalNow())
	var p *ImportPreview
	err = s.DB.View(ctx, func(tx *db.Tx) error {
		root, err := getUnit(ctx, tx, up.unitID)
		if err != nil {
			return err
		}
		if !a.CanWrite(root) {
			return apperr.Deny()
		}
		p, err = s.plan(ctx, tx, a, root, up.filename, res)
		return err
	})
	if err != nil {
		return nil, apperr.Wrap(err, "load upload")
	}
	p.UploadID, p.Committed = uploadID, up.committed
	return p, nil
}

type existing struct {
	m    Member
	unit Unit
}

// plan decides, row by row, what a parsed file would do to the roster.
func (s *Service) plan(ctx context.Context, tx *db.Tx, a *Actor, root Unit, filename string, res roster.Result) (*ImportPreview, error) {
	p := &ImportPreview{Filename: filename, UnitID: root.ID, UnitName: root.Name, Problems: res.Problems, Rows: []ImportRow{}}
	if len(res.FileProblems()) > 0 {
		return p, nil
	}
	units, err := loadUnits(ctx, tx)
	if err != nil {
		return nil, err
	}
	t := BuildTree(units)
	// Branches (and groups by branch) that rows may name: open ones inside the subtree.
	branches := map[string]Unit{}
	var branchNames []string
	groupsOf := map[int64]map[string]Unit{}
	for _, u := range t.Subtree(root.ID) {
		if u.Closed() {
			continue
		}
		switch u.Type {
		case Branch:
			branches[u.Name] = u
			branchNames = append(branchNames, u.Name)
		case Group:
			b := t.BranchOf(u.ID)
			if groupsOf[b.ID] == nil {
				groupsOf[b.ID] = map[string]Unit{}
			}
			groupsOf[b.ID][u.Name] = u
		}
	}
	if root.Type == Group {
		b := t.BranchOf(root.ID)
		branches[b.Name] = b
		branchNames = append(branchNames, b.Name)
		groupsOf[b.ID] = map[string]Unit{root.Name: root}
	}
	// Members already on the roster, by ID number.
	known := map[string]existing{}
	rows, err := tx.Query(ctx, `SELECT `+memberCols+` FROM members m`)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var m Member
		if err := rows.Scan(memberDest(&m)...); err != nil {
			rows.Close()
			return nil, err
		}
		known[m.IDNumber] = existing{m, t.ByID[m.UnitID]}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	bad := map[int]bool{}
	for _, pr := range res.Problems {
		bad[pr.Row] = true
	}
	problem := func(rec roster.Record, col, val, zh, en string) {
		p.Problems = append(p.Problems, roster.Problem{Row: rec.Row, Column: col, Value: val, Msg: fmt.Sprintf("第%d行「%s」%s", rec.Row, col, zh), MsgEn: fmt.Sprintf("Row %d, %s: %s", rec.Row, col, en)})
		bad[rec.Row] = true
	}
	for _, rec := range res.Records {
		row := ImportRow{Record: rec}
		b, ok := branches[strings.TrimSpace(rec.Branch)]
		if !ok {
			msg := "“" + rec.Branch + "”不是「" + root.Name + "」下的党支部"
			en := rec.Branch + " is not a branch under " + root.Name
			if sug, found := roster.Suggest(rec.Branch, branchNames); found {
				msg += "，是否应为“" + sug + "”？"
				en += "; did you mean " + sug + "?"
			} else {
				msg += "，可填：" + strings.Join(branchNames, "、")
			}
			problem(rec, "所在支部", rec.Branch, msg, en)
			continue
		}
		target := b
		if g := strings.TrimSpace(rec.Group); g != "" {
			gu, ok := groupsOf[b.ID][g]
			if !ok {
				var names []string
				for n := range groupsOf[b.ID] {
					names = append(names, n)
				}
				msg := "“" + g + "”不是" + b.Name + "的党小组"
				if len(names) > 0 {
					msg += "，可填：" + strings.Join(names, "、") + "，或留空"
				} else {
					msg += "（该支部未设党小组），请留空"
				}
				problem(rec, "党小组", g, msg, g+" is not a party group of "+b.Name)
				continue
			}
			target = gu
		} else if root.Type == Group {
			target = root
		}
		row.UnitID, row.UnitName = target.ID, target.Name
		if bad[rec.Row] {
			continue
		}
		m := memberFromRecord(rec, target.ID)
		if fe := m.Validate(tx.Local(tx.Now)); len(fe) > 0 {
			for _, e := range fe {
				problem(rec, e.Field, "", e.Msg, e.MsgEn)
			}
			continue
		}
		if ex, ok := known[m.IDNumber]; ok {
			if !a.CanWrite(ex.unit) {
				problem(rec, "公民身份号码", rec.IDNumber, "该党员已在「"+ex.unit.Name+"」登记，您无权修改，请联系其所在支部办理转接", "This member is on another unit's roster, which you may not change")
				continue
			}
			row.MemberID = ex.m.ID
			row.Changes = diffMember(ex.m, m)
			if len(row.Changes) == 0 {
				row.Action = ActionUnchanged
				p.Unchanged++
			} else {
				row.Action = ActionUpdate
				p.Update++
			}
		} else {
			row.Action = ActionCreate
			p.Create++
		}
		p.Rows = append(p.Rows, row)
	}
	sortProblems(p.Problems)
	return p, nil
}

func sortProblems(ps []roster.Problem) {
	sort.SliceStable(ps, func(i, j int) bool { return ps[i].Row < ps[j].Row })
}

func memberFromRecord(rec roster.Record, unitID int64) Member {
	m := Member{UnitID: unitID, Name: rec.Name, Gender: rec.Gender, IDNumber: rec.IDNumber, Ethnicity: rec.Ethnicity,
		BirthDate: rec.BirthDate, Education: rec.Education, Category: rec.Category, JoinedDate: rec.JoinedDate,
		ConfirmedDate: rec.ConfirmedDate, Retired: rec.Retired, NoPost: rec.NoPost, Post: rec.Post, Phone: rec.Phone,
		Status: rec.Status, Remarks: rec.Remarks, Oral: rec.Oral}
	m.Normalize()
	return m
}

// diffMember names the fields (in Chinese) that differ between old and new.
func diffMember(old, m Member) []string {
	var out []string
	add := func(name string, differ bool) {
		if differ {
			out = append(out, name)
		}
	}
	add("所在组织", old.UnitID != m.UnitID)
	add("姓名", old.Name != m.Name)
	add("性别", old.Gender != m.Gender)
	add("民族", old.Ethnicity != m.Ethnicity)
	add("出生日期", old.BirthDate != m.BirthDate)
	add("学历", old.Education != m.Education)
	add("人员类别", old.Category != m.Category)
	add("入党日期", old.JoinedDate != m.JoinedDate)
	add("转正日期", old.ConfirmedDate != m.ConfirmedDate)
	add("在职/离退休", old.Retired != m.Retired)
	add("无职党员", old.NoPost != m.NoPost)
	add("工作岗位/职务", old.Post != m.Post)
	add("联系电话", old.Phone != m.Phone)
	add("党籍状态", old.Status != m.Status)
	add("备注", old.Remarks != m.Remarks)
	add("口头承诺", old.Oral != m.Oral)
	return out
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
	parsed := roster.Parse(up.filename, up.data, s.DB.LocalNow())
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
		if p, err = s.plan(ctx, tx, a, root, up.filename, parsed); err != nil {
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
			m := memberFromRecord(row.Record, row.UnitID)
			_ = m.Validate(s.DB.LocalNow()) // fills gender and birth date from the ID number
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
