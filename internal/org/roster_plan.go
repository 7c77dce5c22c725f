package org

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"chuangzheng/internal/civil"
	"chuangzheng/internal/db"
	"chuangzheng/internal/roster"
)

// importOptions are the office's choices for one upload, made on the
// preview page and stored with it.
type importOptions struct {
	ColumnMap   map[string]string
	ClearBlanks bool
}

// memberField ties a member field (its key in FieldErrors) to its roster
// column.
var memberColumn = map[string]string{
	"name": roster.ColName, "gender": roster.ColGender, "id_number": roster.ColID, "ethnicity": roster.ColEthnicity,
	"birth_date": roster.ColBirth, "education": roster.ColEducation, "category": roster.ColCategory,
	"joined_date": roster.ColJoined, "confirmed_date": roster.ColConfirmed, "retired": roster.ColRetired,
	"no_post": roster.ColNoPost, "post": roster.ColPost, "phone": roster.ColPhone, "status": roster.ColStatus,
	"remarks": roster.ColRemarks, "oral": roster.ColOral, "unit_id": roster.ColBranch,
}

type existing struct {
	m    Member
	unit Unit
}

// plan decides, row by row, what a parsed file would do to the roster.
func (s *Service) plan(ctx context.Context, tx *db.Tx, a *Actor, root Unit, filename string, res roster.Result, opts importOptions) (*ImportPreview, error) {
	p := &ImportPreview{Filename: filename, UnitID: root.ID, UnitName: root.Name, Problems: res.Problems, Rows: []ImportRow{},
		Columns: res.Uses, ClearBlanks: opts.ClearBlanks}
	defer p.finish()
	if len(res.FileProblems()) > 0 {
		return p, nil
	}
	units, err := loadUnits(ctx, tx)
	if err != nil {
		return nil, err
	}
	aliases, err := loadAliases(ctx, tx)
	if err != nil {
		return nil, err
	}
	t := BuildTree(units)
	ref := func(u Unit) roster.UnitRef {
		r := roster.UnitRef{ID: u.ID, Name: u.Name, Aliases: aliases[u.ID]}
		for _, an := range t.Ancestors(u.ID) {
			r.Parents = append(r.Parents, an.Name)
		}
		return r
	}
	// Branches (and groups by branch) that rows may name: open ones inside the subtree.
	var branchRefs []roster.UnitRef
	groupRefs := map[int64][]roster.UnitRef{}
	for _, u := range t.Subtree(root.ID) {
		if u.Closed() {
			continue
		}
		switch u.Type {
		case Branch:
			branchRefs = append(branchRefs, ref(u))
		case Group:
			b := t.BranchOf(u.ID)
			groupRefs[b.ID] = append(groupRefs[b.ID], ref(u))
		}
	}
	if root.Type == Group {
		b := t.BranchOf(root.ID)
		branchRefs = []roster.UnitRef{ref(b)}
		groupRefs = map[int64][]roster.UnitRef{b.ID: {ref(root)}}
	}
	branches := roster.NewMatcher(branchRefs)
	groups := map[int64]*roster.Matcher{}
	for id, refs := range groupRefs {
		groups[id] = roster.NewMatcher(refs)
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
		p.Problems = append(p.Problems, roster.NewProblem(rec.Row, rec.Label, "", res.HeaderOf(col), roster.ColumnEn(col), val, zh, en))
		bad[rec.Row] = true
	}
	now := tx.Local(tx.Now)
	for _, rec := range res.Records {
		row := ImportRow{Record: rec}
		mb := branches.Match(rec.Branch)
		if !mb.Found {
			zh, en := unitMiss(rec.Branch, "党支部", "branch", root.Name, mb, branches.Names())
			problem(rec, roster.ColBranch, rec.Branch, zh, en)
			continue
		}
		b := t.ByID[mb.Unit.ID]
		target := b
		if g := strings.TrimSpace(rec.Group); g != "" {
			mg := groups[b.ID].Match(g)
			if !mg.Found {
				names := groups[b.ID].Names()
				var zh, en string
				if len(names) == 0 {
					zh, en = "“"+g+"”不是"+b.Name+"的党小组（该支部未设党小组），请留空", g+" is not a party group of "+b.Name+" (it has none); leave it empty"
				} else {
					zh, en = unitMiss(g, "党小组", "party group", b.Name, mg, names)
					zh += "，或留空"
				}
				problem(rec, roster.ColGroup, g, zh, en)
				continue
			}
			target = t.ByID[mg.Unit.ID]
		} else if root.Type == Group {
			target = root
		}
		row.UnitID, row.UnitName = target.ID, target.Name
		if bad[rec.Row] {
			continue
		}
		ex, isKnown := known[rec.IDNumber]
		var m Member
		if isKnown {
			m = mergeMember(ex.m, rec, res.Present, opts.ClearBlanks, target.ID)
		} else {
			m = memberFromRecord(rec, target.ID)
		}
		if fe := m.Validate(now); len(fe) > 0 {
			keys := make([]string, 0, len(fe))
			for k := range fe {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			for _, k := range keys {
				e := fe[k]
				col := memberColumn[e.Field]
				if col == "" {
					col = roster.ColName
				}
				problem(rec, col, "", e.Msg, e.MsgEn)
			}
			continue
		}
		row.member = m
		if isKnown {
			if !a.CanWrite(ex.unit) {
				problem(rec, roster.ColID, rec.IDNumber, "该党员已在「"+ex.unit.Name+"」登记，您无权修改，请联系其所在支部办理转接", "This member is on another unit's roster, which you may not change")
				continue
			}
			row.MemberID = ex.m.ID
			row.Changes = diffMember(t, ex.m, m)
			if len(row.Changes) == 0 {
				row.Action = ActionUnchanged
				p.Unchanged++
			} else {
				row.Action = ActionUpdate
				p.Update++
				for _, c := range row.Changes {
					if c.Clear {
						p.Clears++
					}
				}
			}
		} else {
			row.Action = ActionCreate
			p.Create++
		}
		p.Rows = append(p.Rows, row)
	}
	return p, nil
}

// finish sorts the problems, groups them, and makes the counts say what a
// commit would do: nothing while any problem remains.
func (p *ImportPreview) finish() {
	sort.SliceStable(p.Problems, func(i, j int) bool { return p.Problems[i].Row < p.Problems[j].Row })
	p.Groups = roster.GroupProblems(p.Problems)
	rows := map[int]bool{}
	for _, pr := range p.Problems {
		if pr.Row > 0 {
			rows[pr.Row] = true
		}
	}
	p.BadRows = len(rows)
	if len(p.Problems) > 0 {
		p.Create, p.Update, p.Unchanged, p.Clears = 0, 0, 0, 0
	}
}

// unitMiss says why a written unit name matched no unit (or several).
func unitMiss(written, kindZh, kindEn, under string, m roster.Match, names []string) (string, string) {
	switch {
	case len(m.Ambiguous) > 0:
		var full []string
		for _, u := range m.Ambiguous {
			if len(u.Parents) > 0 {
				full = append(full, u.Parents[len(u.Parents)-1]+u.Name)
			} else {
				full = append(full, u.Name)
			}
		}
		return fmt.Sprintf("“%s”在「%s」下有 %d 个同名%s，请在前面写上上级组织的名称，如“%s”", written, under, len(m.Ambiguous), kindZh, strings.Join(full, "”或“")),
			fmt.Sprintf("%q matches %d %ss under %s; put the parent's name in front, e.g. %q", written, len(m.Ambiguous), kindEn, under, full[0])
	case m.Suggestion != "":
		return fmt.Sprintf("“%s”不是「%s」下的%s，是否应为“%s”？如确是同一%s的另一种写法，可在该组织页面添加别名", written, under, kindZh, m.Suggestion, kindZh),
			fmt.Sprintf("%q is not a %s under %s; did you mean %q? If it is another way of writing it, add an alias on that unit's page", written, kindEn, under, m.Suggestion)
	}
	list := names
	if len(list) > 12 {
		list = append(append([]string{}, list[:12]...), "…")
	}
	return fmt.Sprintf("“%s”不是「%s」下的%s，可填：%s", written, under, kindZh, strings.Join(list, "、")),
		fmt.Sprintf("%q is not a %s under %s; possible: %s", written, kindEn, under, strings.Join(list, ", "))
}

func memberFromRecord(rec roster.Record, unitID int64) Member {
	m := Member{UnitID: unitID, Name: rec.Name, Gender: rec.Gender, IDNumber: rec.IDNumber, Ethnicity: rec.Ethnicity,
		BirthDate: rec.BirthDate, Education: rec.Education, Category: rec.Category, JoinedDate: rec.JoinedDate,
		ConfirmedDate: rec.ConfirmedDate, Retired: rec.Retired, NoPost: rec.NoPost, Post: rec.Post, Phone: rec.Phone,
		Status: rec.Status, Remarks: rec.Remarks, Oral: rec.Oral}
	m.Normalize()
	return m
}

// mergeMember is an existing member updated by a row: a field changes only
// if the row gives a value for it; a blank cell of a column the file carries
// clears the field only when the office chose 以文件为准 (clear); a column
// the file does not carry never changes anything.
func mergeMember(old Member, rec roster.Record, present roster.Fields, clear bool, unitID int64) Member {
	m := old
	m.UnitID = unitID
	take := func(col string) bool {
		return rec.Filled.Has(col) || clear && present.Has(col)
	}
	if take(roster.ColName) {
		m.Name = rec.Name
	}
	if take(roster.ColGender) {
		m.Gender = rec.Gender // blank: taken from the ID number
	}
	if take(roster.ColEthnicity) {
		m.Ethnicity = rec.Ethnicity
	}
	if take(roster.ColBirth) {
		m.BirthDate = rec.BirthDate // blank: taken from the ID number
	}
	if take(roster.ColEducation) {
		m.Education = rec.Education
	}
	if take(roster.ColCategory) {
		m.Category = rec.Category // blank: inferred from the dates
	}
	if take(roster.ColJoined) {
		m.JoinedDate = rec.JoinedDate
	}
	if take(roster.ColConfirmed) {
		m.ConfirmedDate = rec.ConfirmedDate
	}
	if take(roster.ColRetired) {
		m.Retired = rec.Retired
	}
	if take(roster.ColNoPost) {
		m.NoPost = rec.NoPost
	}
	if take(roster.ColPost) {
		m.Post = rec.Post
	}
	if take(roster.ColPhone) {
		m.Phone = rec.Phone
	}
	if take(roster.ColStatus) {
		m.Status = rec.Status
	}
	if take(roster.ColRemarks) {
		m.Remarks = rec.Remarks
	}
	if take(roster.ColOral) {
		m.Oral = rec.Oral
	}
	m.Normalize()
	return m
}

// diffMember lists the fields that differ between old and new, as the
// office reads them.
func diffMember(t *Tree, old, m Member) []FieldChange {
	var out []FieldChange
	add := func(name, o, n string) {
		if o != n {
			out = append(out, FieldChange{Field: name, Old: o, New: n, Clear: o != "" && n == ""})
		}
	}
	if old.UnitID != m.UnitID {
		add("所在组织", t.ByID[old.UnitID].Name, t.ByID[m.UnitID].Name)
	}
	yn := func(b bool, yes, no string) string {
		if b {
			return yes
		}
		return no
	}
	add(roster.ColName, old.Name, m.Name)
	add(roster.ColGender, old.Gender, m.Gender)
	add(roster.ColEthnicity, old.Ethnicity, m.Ethnicity)
	add(roster.ColBirth, dotted(old.BirthDate), dotted(m.BirthDate))
	add(roster.ColEducation, old.Education, m.Education)
	add(roster.ColCategory, old.Category, m.Category)
	add(roster.ColJoined, dotted(old.JoinedDate), dotted(m.JoinedDate))
	add(roster.ColConfirmed, dotted(old.ConfirmedDate), dotted(m.ConfirmedDate))
	add(roster.ColRetired, yn(old.Retired, "离退休", "在职"), yn(m.Retired, "离退休", "在职"))
	add(roster.ColNoPost, yn(old.NoPost, "是", "否"), yn(m.NoPost, "是", "否"))
	add(roster.ColPost, old.Post, m.Post)
	add(roster.ColPhone, old.Phone, m.Phone)
	add(roster.ColStatus, old.Status, m.Status)
	add(roster.ColRemarks, old.Remarks, m.Remarks)
	add(roster.ColOral, yn(old.Oral, "是", "否"), yn(m.Oral, "是", "否"))
	return out
}

func dotted(d civil.Date) string {
	if d.IsZero() {
		return ""
	}
	return d.Dotted()
}
