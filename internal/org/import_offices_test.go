package org_test

import (
	"bytes"
	"context"
	"fmt"
	"math/rand"
	"strings"
	"testing"

	"chuangzheng/internal/apperr"
	"chuangzheng/internal/civil"
	"chuangzheng/internal/db"
	"chuangzheng/internal/db/dbtest"
	"chuangzheng/internal/demo"
	"chuangzheng/internal/org"
)

// csvFile joins rows of cells into a CSV file.
func csvFile(rows ...[]string) []byte {
	var b strings.Builder
	for _, r := range rows {
		b.WriteString(strings.Join(r, ","))
		b.WriteString("\r\n")
	}
	return []byte(b.String())
}

func membersOf(t *testing.T, f *fixture, unit string) []org.Member {
	t.Helper()
	p, err := f.s.Members(context.Background(), org.System(), org.MemberFilter{UnitID: f.units[unit].ID, PerPage: 500})
	if err != nil {
		t.Fatal(err)
	}
	return p.Members
}

func memberByID(t *testing.T, f *fixture, id int64) org.Member {
	t.Helper()
	m, err := f.s.Member(context.Background(), org.System(), id)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// TestImportBranchNamesAsOfficesWriteThem: the full names offices write
// (市渔场党支部, 中共…支部委员会, the parent's name in front, full-width
// letters, spaces) all match; a near miss written on three rows is one
// problem with a suggestion, naming the rows by the file's 序号.
func TestImportBranchNamesAsOfficesWriteThem(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		ctx := context.Background()
		office := f.as("office")
		root := f.units[demo.RootName]
		farm := membersOf(t, f, "市渔场")
		inst := membersOf(t, f, "市水科所支部")
		written := []string{"市渔场党支部", "中共市渔场支部委员会", "市 渔 场", demo.RootName + "市渔场党支部", "株洲市畜牧兽医水产局市渔场支部", "市渔场党总支"}
		rows := [][]string{{"序号", "姓名", "公民身份号码", "所在支部"}}
		n := 0
		for i, m := range farm[:len(written)] {
			n++
			rows = append(rows, []string{fmt.Sprint(n), m.Name, m.IDNumber, written[i]})
		}
		n++
		rows = append(rows, []string{fmt.Sprint(n), inst[0].Name, inst[0].IDNumber, "市水科所党支部"})
		// The one real typo, on three rows.
		for _, m := range farm[len(written) : len(written)+3] {
			n++
			rows = append(rows, []string{fmt.Sprint(n), m.Name, m.IDNumber, "市鱼场党支部"})
		}
		p, err := f.s.PreviewImport(ctx, office, root.ID, "花名册.csv", bytes.NewReader(csvFile(rows...)))
		if err != nil {
			t.Fatal(err)
		}
		if len(p.Groups) != 1 || len(p.Problems) != 3 {
			t.Fatalf("want one group of three problems, got %d groups: %+v", len(p.Groups), p.Groups)
		}
		g := p.Groups[0]
		for _, want := range []string{"3 行的「所在支部」", "“市鱼场党支部”", "是否应为“市渔场”", "序号 8（", "序号 10（"} {
			if !strings.Contains(g.Msg, want) {
				t.Errorf("group message lacks %q: %s", want, g.Msg)
			}
		}
		if p.Create+p.Update+p.Unchanged != 0 || p.BadRows != 3 {
			t.Errorf("a preview that cannot be committed counts %d/%d/%d, bad rows %d", p.Create, p.Update, p.Unchanged, p.BadRows)
		}
		// An alias makes the office's own spelling a name of the unit.
		sec := f.as("sskszb")
		if _, err := f.s.AddUnitAlias(ctx, sec, f.units["市渔场"].ID, "市鱼场"); code(err) != apperr.Forbidden {
			t.Errorf("another branch's secretary adds an alias: %v", err)
		}
		al, err := f.s.AddUnitAlias(ctx, office, f.units["市渔场"].ID, " 市鱼场 ")
		if err != nil || al.Alias != "市鱼场" {
			t.Fatalf("alias: %+v %v", al, err)
		}
		if _, err := f.s.AddUnitAlias(ctx, office, f.units["市渔场"].ID, "市鱼场党支部"); code(err) != apperr.Invalid {
			t.Errorf("the same alias twice: %v", err)
		}
		p, err = f.s.Upload(ctx, office, p.UploadID)
		if err != nil || !p.OK() || p.Unchanged != len(rows)-1 {
			t.Fatalf("with the alias: ok=%v unchanged=%d problems=%v err=%v", p.OK(), p.Unchanged, p.Problems, err)
		}
		if err := f.s.RemoveUnitAlias(ctx, office, f.units["市渔场"].ID, al.ID); err != nil {
			t.Fatal(err)
		}
		if list, err := f.s.UnitAliases(ctx, office, f.units["市渔场"].ID); err != nil || len(list) != 0 {
			t.Errorf("aliases after removal: %v %v", list, err)
		}
	})
}

// TestImportPartialFileNeverErases: a file of 姓名/公民身份号码/所在支部
// for existing members changes nothing; a phone column with blank cells
// changes only the phones it gives, unless the office chooses 以文件为准,
// which lists and then clears the others.
func TestImportPartialFileNeverErases(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		ctx := context.Background()
		office := f.as("office")
		farmUnit := f.units["市渔场"]
		farm := membersOf(t, f, "市渔场")
		rows := [][]string{{"姓名", "身份证号", "支部"}}
		for _, m := range farm {
			rows = append(rows, []string{m.Name, m.IDNumber, "市渔场党支部"})
		}
		p, err := f.s.PreviewImport(ctx, office, farmUnit.ID, "partial.csv", bytes.NewReader(csvFile(rows...)))
		if err != nil || !p.OK() || p.Update != 0 || p.Unchanged != len(farm) {
			t.Fatalf("partial preview: update=%d unchanged=%d problems=%v err=%v", p.Update, p.Unchanged, p.Problems, err)
		}
		// Phones: the first member gets a new one, the others' cells are blank.
		rows = [][]string{{"姓名", "身份证号", "支部", "手机"}}
		for i, m := range farm {
			ph := ""
			if i == 0 {
				ph = "13900000001"
			}
			rows = append(rows, []string{m.Name, m.IDNumber, "市渔场党支部", ph})
		}
		p, err = f.s.PreviewImport(ctx, office, farmUnit.ID, "phones.csv", bytes.NewReader(csvFile(rows...)))
		if err != nil || !p.OK() || p.Update != 1 || p.Clears != 0 {
			t.Fatalf("phones preview: update=%d clears=%d problems=%v err=%v", p.Update, p.Clears, p.Problems, err)
		}
		var ch []org.FieldChange
		for _, r := range p.Rows {
			if r.Action == org.ActionUpdate {
				ch = r.Changes
			}
		}
		if len(ch) != 1 || ch[0].Field != "联系电话" || ch[0].Old != farm[0].Phone || ch[0].New != "13900000001" {
			t.Errorf("changes: %+v (old phone %q)", ch, farm[0].Phone)
		}
		withPhone := 0
		for _, m := range farm[1:] {
			if m.Phone != "" {
				withPhone++
			}
		}
		if withPhone == 0 {
			t.Fatal("the demo farm has no phones to clear")
		}
		p, err = f.s.SetImportOptions(ctx, office, p.UploadID, org.ImportOptions{ClearBlanks: true})
		if err != nil || !p.OK() || p.Clears != withPhone || p.Update != 1+withPhone {
			t.Fatalf("以文件为准: update=%d clears=%d (want %d) problems=%v err=%v", p.Update, p.Clears, withPhone, p.Problems, err)
		}
		if _, _, err := f.s.CommitImport(ctx, office, f.acc, p.UploadID); err != nil {
			t.Fatal(err)
		}
		for i, m := range farm {
			got := memberByID(t, f, m.ID)
			want := m
			want.Phone = ""
			if i == 0 {
				want.Phone = "13900000001"
			}
			if !sameFields(got, want) {
				t.Errorf("member %s after 以文件为准:\n got %+v\nwant %+v", m.Name, got, want)
			}
		}
	})
}

// sameFields compares what a roster file can change.
func sameFields(a, b org.Member) bool {
	return a.UnitID == b.UnitID && a.Name == b.Name && a.Gender == b.Gender && a.Ethnicity == b.Ethnicity && a.BirthDate == b.BirthDate &&
		a.Education == b.Education && a.Category == b.Category && a.JoinedDate == b.JoinedDate && a.ConfirmedDate == b.ConfirmedDate &&
		a.Retired == b.Retired && a.NoPost == b.NoPost && a.Post == b.Post && a.Phone == b.Phone && a.Status == b.Status &&
		a.Remarks == b.Remarks && a.Oral == b.Oral
}

// TestImportPartialFileProperty: for random sets of columns (written with
// the synonyms offices use) and random cells, some blank, an import changes
// exactly the fields whose cells hold a value, and nothing else.
func TestImportPartialFileProperty(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		ctx := context.Background()
		office := f.as("office")
		unit := f.units["老干支部"]
		type col struct {
			headers []string
			value   func(r *rand.Rand, m org.Member) string
			apply   func(m *org.Member, v string)
		}
		pick := func(r *rand.Rand, xs ...string) string { return xs[r.Intn(len(xs))] }
		cols := []col{
			{[]string{"学历", "文化程度"}, func(r *rand.Rand, _ org.Member) string {
				return pick(r, "大学本科", "研究生", "高中", "中专")
			},
				func(m *org.Member, v string) { m.Education = v }},
			{[]string{"联系电话", "手机", "手机号码"}, func(r *rand.Rand, _ org.Member) string { return fmt.Sprintf("139%08d", r.Intn(1e8)) },
				func(m *org.Member, v string) { m.Phone = v }},
			{[]string{"工作岗位/职务", "职务"}, func(r *rand.Rand, _ org.Member) string { return pick(r, "退休干部", "科员", "场长") },
				func(m *org.Member, v string) { m.Post = v }},
			{[]string{"在职/离退休", "在职状态", "是否离退休", "人员状态"}, func(r *rand.Rand, _ org.Member) string { return pick(r, "在职", "离退休") },
				func(m *org.Member, v string) { m.Retired = v == "离退休" }},
			{[]string{"民族"}, func(r *rand.Rand, _ org.Member) string { return pick(r, "汉族", "土家族", "苗族") },
				func(m *org.Member, v string) { m.Ethnicity = v }},
			{[]string{"备注"}, func(r *rand.Rand, _ org.Member) string { return pick(r, "老党员", "行动不便", "已搬家") },
				func(m *org.Member, v string) { m.Remarks = v }},
			{[]string{"无职党员", "是否无职党员"}, func(r *rand.Rand, _ org.Member) string { return pick(r, "是", "否") },
				func(m *org.Member, v string) { m.NoPost = v == "是" }},
			{[]string{"口头承诺"}, func(r *rand.Rand, _ org.Member) string { return pick(r, "是", "否") },
				func(m *org.Member, v string) { m.Oral = v == "是" }},
			{[]string{"入党日期", "入党时间"}, func(r *rand.Rand, m org.Member) string {
				if !m.ConfirmedDate.IsZero() { // a year before confirmation, as it should be
					return fmt.Sprintf("%d.%02d", m.ConfirmedDate.Y-1, m.ConfirmedDate.M)
				}
				return fmt.Sprintf("%d.%02d", m.BirthDate.Y+20+r.Intn(5), 1+r.Intn(12))
			}, func(m *org.Member, v string) { m.JoinedDate, _ = civil.Parse(v) }},
		}
		for iter := 0; iter < 12; iter++ {
			seed := int64(iter + 1)
			r := rand.New(rand.NewSource(seed))
			before := membersOf(t, f, "老干支部")
			var chosen []col
			header := []string{"姓名", "公民身份号码", "所在支部"}
			for _, c := range cols {
				if r.Intn(2) == 0 {
					chosen = append(chosen, c)
					header = append(header, pick(r, c.headers...))
				}
			}
			rows := [][]string{header}
			want := map[int64]org.Member{}
			for _, m := range before {
				w := m
				cells := []string{m.Name, m.IDNumber, pick(r, "老干支部", "老干党支部", "中共老干支部委员会")}
				for _, c := range chosen {
					v := ""
					if r.Intn(3) > 0 {
						v = c.value(r, m)
						c.apply(&w, v)
					}
					cells = append(cells, v)
				}
				rows = append(rows, cells)
				want[m.ID] = w
			}
			p, err := f.s.PreviewImport(ctx, office, unit.ID, "p.csv", bytes.NewReader(csvFile(rows...)))
			if err != nil || !p.OK() {
				t.Fatalf("seed %d: preview: %v %v", seed, p.Problems, err)
			}
			if _, _, err := f.s.CommitImport(ctx, office, f.acc, p.UploadID); err != nil {
				t.Fatalf("seed %d: %v", seed, err)
			}
			for _, m := range before {
				got := memberByID(t, f, m.ID)
				if !sameFields(got, want[m.ID]) {
					t.Errorf("seed %d, header %v, member %s:\n got %+v\nwant %+v", seed, header, m.Name, got, want[m.ID])
				}
			}
		}
	})
}

// TestImportColumnMapping: a column the importer does not know is listed as
// ignored; mapped by the office it is read; 在职状态 is understood.
func TestImportColumnMapping(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		ctx := context.Background()
		office := f.as("office")
		unit := f.units["市水科所支部"]
		ms := membersOf(t, f, "市水科所支部")
		rows := [][]string{{"序号", "姓名", "公民身份号码", "所在支部", "在职状态", "本人手机"}}
		for i, m := range ms[:3] {
			rows = append(rows, []string{fmt.Sprint(i + 1), m.Name, m.IDNumber, "市水科所支部", "离退休", fmt.Sprintf("1380000000%d", i)})
		}
		p, err := f.s.PreviewImport(ctx, office, unit.ID, "m.csv", bytes.NewReader(csvFile(rows...)))
		if err != nil {
			t.Fatal(err)
		}
		uses := map[string]string{}
		for _, u := range p.Columns {
			uses[u.Header] = u.Column
		}
		if uses["在职状态"] != "在职/离退休" || uses["本人手机"] != "" || len(p.Columns) != 6 || !p.Columns[0].RowLabel {
			t.Fatalf("columns: %+v", p.Columns)
		}
		if _, err := f.s.SetImportOptions(ctx, office, p.UploadID, org.ImportOptions{ColumnMap: map[string]string{"本人手机": "联系电话", "在职状态": "联系电话"}}); code(err) != apperr.Invalid {
			t.Errorf("two columns onto one field: %v", err)
		}
		p, err = f.s.SetImportOptions(ctx, office, p.UploadID, org.ImportOptions{ColumnMap: map[string]string{"本人手机": "联系电话"}})
		if err != nil || !p.OK() {
			t.Fatalf("mapped: %v %v", p.Problems, err)
		}
		if _, _, err := f.s.CommitImport(ctx, office, f.acc, p.UploadID); err != nil {
			t.Fatal(err)
		}
		for i, m := range ms[:3] {
			got := memberByID(t, f, m.ID)
			if !got.Retired || got.Phone != fmt.Sprintf("1380000000%d", i) {
				t.Errorf("%s: retired %v phone %q", m.Name, got.Retired, got.Phone)
			}
		}
	})
}
