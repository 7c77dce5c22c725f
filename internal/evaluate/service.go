package evaluate

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base32"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"unicode/utf8"

	"chuangzheng/internal/apperr"
	"chuangzheng/internal/audit"
	"chuangzheng/internal/campaign"
	"chuangzheng/internal/civil"
	"chuangzheng/internal/db"
	"chuangzheng/internal/notify"
	"chuangzheng/internal/org"
	"chuangzheng/internal/rectify"
)

// Service holds the use cases of evaluations.
type Service struct {
	DB     *db.DB
	Notify *notify.Service

	qcache  sync.Map // qkey → *Questionnaire (an evaluation's questionnaire at a version)
	qlatest sync.Map // evaluation id → *Questionnaire, the latest version read (for castByCode)
}

type qkey struct {
	id      int64
	version int
}

var (
	errNotFound  = apperr.NotFoundf("评议", "Evaluation")
	errNoActor   = apperr.New(apperr.Unauthorized, "请先登录，或使用评议票上的投票码", "Please log in, or use the code on your slip")
	errNotVoter  = apperr.New(apperr.Forbidden, "您不在本次评议的投票人名单中", "You are not on this evaluation's list of voters")
	errBadCode   = apperr.New(apperr.NotFound, "投票码无效，请核对评议票上的投票码", "This code is not valid; check the code on your slip")
	errAlready   = apperr.New(apperr.Conflict, "您已经投过票，每人只能投一次；本次提交未作任何更改", "You have already voted; each voter votes once and nothing was changed")
	errClosed    = apperr.New(apperr.Conflict, "本次评议已经结束，不再接受投票", "This evaluation has closed and takes no more ballots")
	errExempt    = apperr.New(apperr.Forbidden, "您已被列为免于参加本次评议，不能投票", "You are exempted from this evaluation and cannot vote")
	errNotOpen   = apperr.New(apperr.Conflict, "本次评议已经结束，不能再修改", "This evaluation has closed and can no longer be changed")
	errNotClosed = apperr.New(apperr.Conflict, "评议尚未结束计票", "The evaluation has not been closed and counted")
)

func who(a *org.Actor) audit.Actor { return audit.Actor{ID: a.UserID, Name: a.Username} }

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

// Limits, the same on every path.
const (
	MaxTitle     = 100
	MaxComment   = 2000
	MaxReason    = 200
	MaxPublic    = 500 // slip-only representatives per group and evaluation
	MaxItems     = 30
	MaxItemText  = 200
	MaxLevels    = 8
	CodeLength   = 10
	ReceiptChars = 10
)

// codeAlphabet has no 0/O, 1/I/L: slips are typed by hand.
const codeAlphabet = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"

func randomCode(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	for i := range b {
		b[i] = codeAlphabet[int(b[i])%len(codeAlphabet)]
	}
	return string(b)
}

// codeReplacer is built once: building a strings.Replacer per ballot was
// a visible share of the ballot path's CPU (perf, h-ballot).
var codeReplacer = strings.NewReplacer(" ", "", "-", "", "O", "0", "I", "1")

// NormalizeCode upper-cases a typed code and drops spaces and dashes.
func NormalizeCode(s string) string {
	return codeReplacer.Replace(strings.ToUpper(strings.TrimSpace(s)))
}

var b32 = base32.StdEncoding.WithPadding(base32.NoPadding)

// newReceipt is a fresh receipt code and its published hash.
func newReceipt(evalID int64) (code, hash string) {
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err)
	}
	code = b32.EncodeToString(b[:])[:ReceiptChars]
	return code, ReceiptHash(evalID, code)
}

// ReceiptHash is what the published list shows for a receipt code.
func ReceiptHash(evalID int64, receipt string) string {
	h := sha256.Sum256([]byte(fmt.Sprintf("cz-receipt/%d/%s", evalID, strings.ToUpper(strings.TrimSpace(receipt)))))
	return hex.EncodeToString(h[:])
}

func randomID() string {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err)
	}
	return hex.EncodeToString(b[:])
}

// ---- reading ----

const evalCols = `e.id, e.campaign_id, e.unit_id, e.title, e.template, e.questionnaire, COALESCE(e.meeting_id, 0), e.status,
	e.opened_at, e.closed_at, e.published_at, e.announcement, e.version`

func scanEval(sc interface{ Scan(...any) error }) (Evaluation, error) {
	var e Evaluation
	var q string
	err := sc.Scan(&e.ID, &e.CampaignID, &e.UnitID, &e.Title, &e.Template, &q, &e.MeetingID, &e.Status,
		&e.OpenedAt, &e.ClosedAt, &e.PublishedAt, &e.Announcement, &e.Version)
	if err != nil {
		return e, err
	}
	if err := json.Unmarshal([]byte(q), &e.Q); err != nil {
		return e, fmt.Errorf("evaluation %d questionnaire: %w", e.ID, err)
	}
	return e, nil
}

func getEval(ctx context.Context, tx *db.Tx, id int64) (Evaluation, org.Unit, error) {
	e, err := scanEval(tx.QueryRow(ctx, `SELECT `+evalCols+` FROM evaluations e WHERE e.id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return e, org.Unit{}, errNotFound
	}
	if err != nil {
		return e, org.Unit{}, err
	}
	u, err := org.UnitTx(ctx, tx, e.UnitID)
	e.UnitName = u.Name
	return e, u, err
}

func turnout(ctx context.Context, tx *db.Tx, id int64) (*Turnout, error) {
	rows, err := tx.Query(ctx, `SELECT v.grp, v.exempt <> '', COUNT(*), COUNT(m.voter_id) FROM evaluation_voters v
		LEFT JOIN evaluation_votes m ON m.evaluation_id = v.evaluation_id AND m.voter_id = v.id
		WHERE v.evaluation_id = ? GROUP BY v.grp, v.exempt <> ''`, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	t := &Turnout{}
	by := map[string]*GroupTurnout{}
	for rows.Next() {
		var g string
		var exempt bool
		var n, voted int
		if err := rows.Scan(&g, &exempt, &n, &voted); err != nil {
			return nil, err
		}
		if exempt {
			t.Exempt += n
			continue
		}
		gt := by[g]
		if gt == nil {
			gt = &GroupTurnout{Group: g}
			by[g] = gt
		}
		gt.Eligible += n
		gt.Voted += voted
		t.Eligible += n
		t.Voted += voted
	}
	for _, g := range []string{GroupParty, GroupPublic, GroupServed} {
		if by[g] != nil {
			t.Groups = append(t.Groups, *by[g])
		}
	}
	return t, rows.Err()
}

// Get reads an evaluation with its turnout (counts only), the reader's
// verdicts and the reader's own place in the electorate.
func (s *Service) Get(ctx context.Context, a *org.Actor, id int64) (Evaluation, error) {
	var e Evaluation
	err := s.DB.View(ctx, func(tx *db.Tx) error {
		var err error
		e, err = s.read(ctx, tx, a, id)
		return err
	})
	return e, apperr.Wrap(err, "evaluation")
}

func (s *Service) read(ctx context.Context, tx *db.Tx, a *org.Actor, id int64) (Evaluation, error) {
	if a == nil {
		return Evaluation{}, errNoActor
	}
	e, branch, err := getEval(ctx, tx, id)
	if err != nil {
		return e, err
	}
	ok, err := verdicts(ctx, tx, a, branch, &e)
	if err != nil {
		return e, err
	}
	if !ok {
		return e, errNotFound
	}
	if e.Turnout, err = turnout(ctx, tx, id); err != nil {
		return e, err
	}
	if a.MemberID != 0 {
		var exempt string
		var voted int
		err := tx.QueryRow(ctx, `SELECT v.exempt, COUNT(m.voter_id) FROM evaluation_voters v LEFT JOIN evaluation_votes m ON m.evaluation_id = v.evaluation_id AND m.voter_id = v.id
			WHERE v.evaluation_id = ? AND v.member_id = ? GROUP BY v.exempt`, id, a.MemberID).Scan(&exempt, &voted)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			e.Voter = &MyVote{}
		case err != nil:
			return e, err
		default:
			e.Voter = &MyVote{Eligible: exempt == "", Exempt: exempt, Voted: voted > 0}
		}
	}
	return e, nil
}

// List lists the evaluations of a campaign the actor may read (all
// campaigns when campaignID is 0), newest first.
func (s *Service) List(ctx context.Context, a *org.Actor, campaignID int64) ([]Evaluation, error) {
	if a == nil {
		return nil, errNoActor
	}
	var out []Evaluation
	err := s.DB.View(ctx, func(tx *db.Tx) error {
		where := []string{"1=1"}
		var args []any
		if campaignID != 0 {
			where = append(where, "e.campaign_id = ?")
			args = append(args, campaignID)
		}
		scope := a.ReadScope("u")
		if a.MemberID != 0 {
			scope = org.Or(scope, org.Piece{SQL: `e.id IN (SELECT evaluation_id FROM evaluation_voters WHERE member_id = ?)`, Args: []any{a.MemberID}})
		}
		scope.AddTo(&where, &args)
		rows, err := tx.Query(ctx, `SELECT `+evalCols+` FROM evaluations e `+org.JoinUnit("u", "e.unit_id")+` WHERE `+strings.Join(where, " AND ")+
			` ORDER BY e.id DESC LIMIT 500`, args...)
		if err != nil {
			return err
		}
		var ids []int64
		for rows.Next() {
			e, err := scanEval(rows)
			if err != nil {
				rows.Close()
				return err
			}
			ids = append(ids, e.ID)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for _, id := range ids {
			e, err := s.read(ctx, tx, a, id)
			if apperr.CodeOf(err) == apperr.NotFound {
				continue
			}
			if err != nil {
				return err
			}
			out = append(out, e)
		}
		return nil
	})
	return out, apperr.Wrap(err, "evaluations")
}

// ---- opening ----

// OpenInput opens evaluations from a template for one branch, or for
// every branch under a unit at once.
type OpenInput struct {
	CampaignID  int64  `json:"campaign_id"`
	UnitID      int64  `json:"unit_id"` // a branch, or a unit above: every branch below it
	Template    string `json:"template"`
	Title       string `json:"title,omitempty"`
	OrgScale    string `json:"org_scale,omitempty"`    // a built-in scale code
	MemberScale string `json:"member_scale,omitempty"` // a built-in scale code
	// CustomScale replaces the organisation scale with the office's own.
	CustomScale *Scale  `json:"custom_scale,omitempty"`
	OrgItems    []Item  `json:"org_items,omitempty"`    // replace the template's items
	MemberItems []Item  `json:"member_items,omitempty"` // replace the template's items
	Groups      []Group `json:"groups,omitempty"`
	// Public is how many slip-only representatives to add per group.
	Public            map[string]int   `json:"public,omitempty"`
	GradeProbationary *bool            `json:"grade_probationary,omitempty"`
	OrgMinRate        *float64         `json:"org_min_rate,omitempty"`
	MemberMinRate     *float64         `json:"member_min_rate,omitempty"`
	ExcellentCap      *bool            `json:"excellent_cap,omitempty"`
	PublishOrg        *bool            `json:"publish_org,omitempty"`
	PublishMembers    *bool            `json:"publish_members,omitempty"`
	DoubleEntry       bool             `json:"double_entry,omitempty"`
	MeetingID         int64            `json:"meeting_id,omitempty"`
	Exempt            map[int64]string `json:"exempt,omitempty"` // member id → reason (长期病休、出国 …)
}

func (in *OpenInput) questionnaire() (Questionnaire, error) {
	fe := apperr.FieldErrors{}
	t, ok := TemplateByCode(in.Template)
	if !ok {
		fe["template"] = apperr.Field("template", "请选择评议模板", "Choose a template")
		return Questionnaire{}, fe.Err()
	}
	q := t.Q
	q.Template = t.Code
	if in.OrgScale != "" {
		if q.OrgScale, ok = ScaleByCode(in.OrgScale); !ok {
			fe["org_scale"] = apperr.Field("org_scale", "评价等次无效", "Unknown scale")
		}
	}
	if in.MemberScale != "" {
		if q.MemberScale, ok = ScaleByCode(in.MemberScale); !ok {
			fe["member_scale"] = apperr.Field("member_scale", "评价等次无效", "Unknown scale")
		}
	}
	if in.CustomScale != nil {
		if err := checkScale(in.CustomScale); err != nil {
			fe["custom_scale"] = err.(*apperr.Error)
		}
		q.OrgScale = *in.CustomScale
		q.OrgScale.Code = "custom"
	}
	if in.OrgItems != nil {
		q.OrgItems = in.OrgItems
	}
	if in.MemberItems != nil {
		q.MemberItems = in.MemberItems
	}
	for name, items := range map[string][]Item{"org_items": q.OrgItems, "member_items": q.MemberItems} {
		if err := checkItems(items); err != nil {
			fe[name] = apperr.Field(name, err.Error(), "Items: "+err.Error())
		}
	}
	if len(q.OrgItems) == 0 && len(q.MemberItems) == 0 {
		fe["org_items"] = apperr.Field("org_items", "至少要有一个评议项目", "At least one item")
	}
	if in.Groups != nil {
		q.Groups = nil
		seen := map[string]bool{}
		for _, g := range in.Groups {
			if !ValidGroup(g.Code) || seen[g.Code] || g.Weight < 0 || g.Weight > 100 {
				fe["groups"] = apperr.Field("groups", "评议主体无效（党员、群众代表、服务对象，权重 0–100）", "Groups: party, public, served; weights 0–100")
				continue
			}
			seen[g.Code] = true
			q.Groups = append(q.Groups, g)
		}
		if !seen[GroupParty] {
			q.Groups = append([]Group{{Code: GroupParty}}, q.Groups...)
		}
	}
	for g, n := range in.Public {
		if !ValidGroup(g) || g == GroupParty || n < 0 || n > MaxPublic {
			fe["public"] = apperr.Field("public", fmt.Sprintf("群众代表、服务对象的评议票数须在 0–%d 之间", MaxPublic), fmt.Sprintf("Representatives per group: 0–%d", MaxPublic))
		} else if n > 0 && !q.hasGroup(g) {
			q.Groups = append(q.Groups, Group{Code: g})
		}
	}
	if in.GradeProbationary != nil {
		q.GradeProbationary = *in.GradeProbationary
	}
	for _, p := range []struct {
		v   *float64
		dst *float64
		f   string
	}{{in.OrgMinRate, &q.OrgMinRate, "org_min_rate"}, {in.MemberMinRate, &q.MemberMinRate, "member_min_rate"}} {
		if p.v == nil {
			continue
		}
		if *p.v < 0 || *p.v > 100 {
			fe[p.f] = apperr.Field(p.f, "阈值须在 0–100 之间", "Thresholds are 0–100")
		}
		*p.dst = *p.v
	}
	if in.ExcellentCap != nil {
		q.ExcellentCap = *in.ExcellentCap
	}
	if in.PublishOrg != nil {
		q.PublishOrg = *in.PublishOrg
	}
	if in.PublishMembers != nil {
		q.PublishMembers = *in.PublishMembers
	}
	q.DoubleEntry = in.DoubleEntry
	in.Title = strings.TrimSpace(in.Title)
	if utf8.RuneCountInString(in.Title) > MaxTitle {
		fe["title"] = apperr.Field("title", fmt.Sprintf("标题不能超过 %d 字", MaxTitle), fmt.Sprintf("The title may have at most %d characters", MaxTitle))
	}
	for _, r := range in.Exempt {
		if strings.TrimSpace(r) == "" || utf8.RuneCountInString(r) > MaxReason {
			fe["exempt"] = apperr.Field("exempt", "免于评议须写明原因（长期病休、出国等）", "An exemption needs a reason (long-term sick, abroad …)")
		}
	}
	if in.CampaignID == 0 {
		fe["campaign_id"] = apperr.Field("campaign_id", "请选择活动年度", "Choose the campaign")
	}
	return q, fe.Err()
}

func checkScale(s *Scale) error {
	bad := apperr.Field("custom_scale", fmt.Sprintf("自定义等次须有 2–%d 个等次，代码不重复，名称不为空", MaxLevels), fmt.Sprintf("A custom scale has 2–%d levels with distinct codes and labels", MaxLevels))
	if len(s.Levels) < 2 || len(s.Levels) > MaxLevels {
		return bad
	}
	seen := map[string]bool{}
	counted := 0
	for i := range s.Levels {
		l := &s.Levels[i]
		l.Code, l.Label = strings.TrimSpace(l.Code), strings.TrimSpace(l.Label)
		if l.Code == "" || l.Label == "" || seen[l.Code] || len(l.Code) > 20 || utf8.RuneCountInString(l.Label) > 20 || l.Points < 0 {
			return bad
		}
		seen[l.Code] = true
		if l.Counted {
			counted++
		}
	}
	if counted == 0 || !s.Levels[0].Counted {
		return bad
	}
	if s.Name == "" {
		s.Name = "自定义等次"
	}
	return nil
}

func checkItems(items []Item) error {
	if len(items) > MaxItems {
		return fmt.Errorf("最多 %d 项", MaxItems)
	}
	seen := map[string]bool{}
	for i := range items {
		it := &items[i]
		it.ID, it.Text = strings.TrimSpace(it.ID), strings.TrimSpace(it.Text)
		if it.ID == "" || len(it.ID) > 20 || seen[it.ID] || it.Text == "" || utf8.RuneCountInString(it.Text) > MaxItemText {
			return fmt.Errorf("每项须有不重复的编号和 %d 字以内的内容", MaxItemText)
		}
		seen[it.ID] = true
	}
	return nil
}

// Open opens an evaluation for the branch in.UnitID, or one for every
// branch below it, freezing each branch's electorate from the roster:
// members in good standing (正常, 流动) vote, those in.Exempt names are
// recorded as exempted with the reason; slip-only representatives are
// added per group. It returns the new evaluations' ids.
func (s *Service) Open(ctx context.Context, a *org.Actor, in OpenInput) ([]int64, error) {
	if a == nil {
		return nil, errNoActor
	}
	q, err := in.questionnaire()
	if err != nil {
		return nil, err
	}
	var ids []int64
	err = s.DB.Update(ctx, func(tx *db.Tx) error {
		root, err := org.UnitTx(ctx, tx, in.UnitID)
		if err != nil {
			return apperr.Field("unit_id", "请选择组织", "Choose an organisation")
		}
		var branches []org.Unit
		if root.Type == org.Branch {
			branches = []org.Unit{root}
		} else if branches, err = org.UnitsBelowTx(ctx, tx, root, org.Branch); err != nil {
			return err
		}
		if len(branches) == 0 {
			return apperr.Field("unit_id", "该组织下没有党支部", "There is no branch under this organisation")
		}
		var cpath string
		err = tx.QueryRow(ctx, `SELECT u.path FROM campaigns c `+org.JoinUnit("u", "c.unit_id")+` WHERE c.id = ?`, in.CampaignID).Scan(&cpath)
		if errors.Is(err, sql.ErrNoRows) {
			return apperr.Field("campaign_id", "活动不存在", "No such campaign")
		}
		if err != nil {
			return err
		}
		for _, b := range branches {
			if b.Closed() {
				continue
			}
			if !b.Within(cpath) {
				return apperr.Field("unit_id", "该组织不在本次活动范围内", "This organisation is not covered by the campaign")
			}
			ok, err := mayManage(ctx, tx, a, b)
			if err != nil {
				return err
			}
			if !ok {
				return apperr.New(apperr.Forbidden, "评议由上级党组织（创争办）发起，不能评议本组织", "Evaluations are opened by the level above the branch")
			}
			id, err := s.openOne(ctx, tx, a, in, q, b)
			if err != nil {
				return err
			}
			ids = append(ids, id)
		}
		return nil
	})
	return ids, apperr.Wrap(err, "open evaluation")
}

func (s *Service) openOne(ctx context.Context, tx *db.Tx, a *org.Actor, in OpenInput, q Questionnaire, b org.Unit) (int64, error) {
	in2 := org.Subtree("u", b.Path)
	rows, err := tx.Query(ctx, `SELECT m.id, m.name, m.category FROM members m `+org.JoinUnit("u", "m.unit_id")+`
		WHERE `+in2.SQL+` AND m.status IN ('正常', '流动') ORDER BY m.id`, in2.Args...)
	if err != nil {
		return 0, err
	}
	type mem struct {
		id   int64
		name string
		prob bool
	}
	var ms []mem
	for rows.Next() {
		var m mem
		var cat string
		if err := rows.Scan(&m.id, &m.name, &cat); err != nil {
			rows.Close()
			return 0, err
		}
		m.prob = cat == org.Probationary
		ms = append(ms, m)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, err
	}
	q.Ratees = nil
	for _, m := range ms {
		if in.Exempt[m.id] != "" || (m.prob && !q.GradeProbationary) {
			continue
		}
		q.Ratees = append(q.Ratees, Ratee{ID: m.id, Name: m.name, Probationary: m.prob})
	}
	if len(q.MemberItems) == 0 {
		q.Ratees = nil
	}
	qj, err := json.Marshal(q)
	if err != nil {
		return 0, err
	}
	title := in.Title
	if title == "" {
		title = b.Name + "群众评议"
	}
	if in.MeetingID != 0 {
		var mu int64
		if err := tx.QueryRow(ctx, `SELECT unit_id FROM meetings WHERE id = ?`, in.MeetingID).Scan(&mu); err != nil || mu != b.ID {
			return 0, apperr.Field("meeting_id", "评议会须是该支部的会议", "The evaluation meeting must be the branch's")
		}
	}
	now := tx.NowText()
	id, err := tx.Insert(ctx, `INSERT INTO evaluations (campaign_id, unit_id, title, template, questionnaire, meeting_id, status, opened_by, opened_at)
		VALUES (?, ?, ?, ?, ?, ?, 'open', ?, ?)`, in.CampaignID, b.ID, title, q.Template, string(qj), nullID(in.MeetingID), nullID(a.UserID), now)
	if err != nil {
		return 0, err
	}
	ins, err := tx.Prepare(ctx, `INSERT INTO evaluation_voters (evaluation_id, member_id, grp, label, code, exempt) VALUES (?, ?, ?, ?, ?, ?)`)
	if err != nil {
		return 0, err
	}
	defer ins.Close()
	exempted := 0
	for _, m := range ms {
		reason := strings.TrimSpace(in.Exempt[m.id])
		if reason != "" {
			exempted++
		}
		if _, err := ins.ExecContext(ctx, id, m.id, GroupParty, "", randomCode(CodeLength), reason); err != nil {
			return 0, err
		}
	}
	public := 0
	for _, g := range []string{GroupPublic, GroupServed} {
		for i := 1; i <= in.Public[g]; i++ {
			if _, err := ins.ExecContext(ctx, id, nil, g, fmt.Sprintf("%s %d", GroupLabel(g, "zh"), i), randomCode(CodeLength), ""); err != nil {
				return 0, err
			}
			public++
		}
	}
	return id, audit.Record(ctx, tx, who(a), "evaluation.open", "evaluation", id, nil, map[string]any{
		"unit_id": b.ID, "campaign_id": in.CampaignID, "title": title, "template": q.Template, "members": len(ms), "exempted": exempted,
		"representatives": public, "ratees": len(q.Ratees), "org_scale": q.OrgScale.Code, "member_scale": q.MemberScale.Code})
}

// manageTx loads an evaluation for a change by its managers.
func manageTx(ctx context.Context, tx *db.Tx, a *org.Actor, id int64) (Evaluation, org.Unit, error) {
	if a == nil {
		return Evaluation{}, org.Unit{}, errNoActor
	}
	e, b, err := getEval(ctx, tx, id)
	if err != nil {
		return e, b, err
	}
	readable, err := verdicts(ctx, tx, a, b, &e)
	if err != nil {
		return e, b, err
	}
	if !readable {
		return e, b, errNotFound
	}
	manage, err := mayManage(ctx, tx, a, b)
	if err != nil {
		return e, b, err
	}
	if !manage {
		return e, b, apperr.Deny()
	}
	return e, b, nil
}

// Exempt records that a member of the electorate is exempted (with the
// reason), or lifts it (reason ""), while the evaluation is open and the
// member has not voted.
func (s *Service) Exempt(ctx context.Context, a *org.Actor, id, memberID int64, reason string) error {
	reason = strings.TrimSpace(reason)
	if utf8.RuneCountInString(reason) > MaxReason {
		return apperr.Field("reason", fmt.Sprintf("原因不能超过 %d 字", MaxReason), fmt.Sprintf("At most %d characters", MaxReason))
	}
	err := s.DB.Update(ctx, func(tx *db.Tx) error {
		e, _, err := manageTx(ctx, tx, a, id)
		if err != nil {
			return err
		}
		if e.Status != Open {
			return errNotOpen
		}
		var voter int64
		var before string
		err = tx.QueryRow(ctx, `SELECT id, exempt FROM evaluation_voters WHERE evaluation_id = ? AND member_id = ?`, id, memberID).Scan(&voter, &before)
		if errors.Is(err, sql.ErrNoRows) {
			return apperr.Field("member_id", "该党员不在本次评议的名单中", "The member is not on this evaluation's list")
		}
		if err != nil {
			return err
		}
		var voted int
		if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM evaluation_votes WHERE evaluation_id = ? AND voter_id = ?`, id, voter).Scan(&voted); err != nil {
			return err
		}
		if voted > 0 {
			return apperr.New(apperr.Conflict, "该党员已经投票，不能再列为免于评议", "The member has voted and cannot be exempted")
		}
		if _, err := tx.Exec(ctx, `UPDATE evaluation_voters SET exempt = ? WHERE id = ?`, reason, voter); err != nil {
			return err
		}
		return audit.Record(ctx, tx, who(a), "evaluation.exempt", "evaluation", id, map[string]any{"member_id": memberID, "exempt": before},
			map[string]any{"member_id": memberID, "exempt": reason})
	})
	return apperr.Wrap(err, "exempt")
}

// AddPublic adds n slip-only voters of group g (群众代表, 服务对象).
func (s *Service) AddPublic(ctx context.Context, a *org.Actor, id int64, g string, n int) error {
	if !ValidGroup(g) || g == GroupParty || n < 1 || n > MaxPublic {
		return apperr.Field("n", fmt.Sprintf("请选择群众代表或服务对象，人数 1–%d", MaxPublic), fmt.Sprintf("Choose a group and 1–%d", MaxPublic))
	}
	err := s.DB.Update(ctx, func(tx *db.Tx) error {
		e, _, err := manageTx(ctx, tx, a, id)
		if err != nil {
			return err
		}
		if e.Status != Open {
			return errNotOpen
		}
		var have int
		if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM evaluation_voters WHERE evaluation_id = ? AND grp = ?`, id, g).Scan(&have); err != nil {
			return err
		}
		if have+n > MaxPublic {
			return apperr.Field("n", fmt.Sprintf("每组最多 %d 张评议票", MaxPublic), fmt.Sprintf("At most %d slips per group", MaxPublic))
		}
		for i := have + 1; i <= have+n; i++ {
			if _, err := tx.Exec(ctx, `INSERT INTO evaluation_voters (evaluation_id, member_id, grp, label, code, exempt) VALUES (?, NULL, ?, ?, ?, '')`,
				id, g, fmt.Sprintf("%s %d", GroupLabel(g, "zh"), i), randomCode(CodeLength)); err != nil {
				return err
			}
		}
		if !e.Q.hasGroup(g) {
			e.Q.Groups = append(e.Q.Groups, Group{Code: g})
			qj, _ := json.Marshal(e.Q)
			if _, err := tx.Exec(ctx, `UPDATE evaluations SET questionnaire = ?, version = version + 1 WHERE id = ?`, string(qj), id); err != nil {
				return err
			}
		}
		return audit.Record(ctx, tx, who(a), "evaluation.representatives", "evaluation", id, nil, map[string]any{"group": g, "added": n})
	})
	return apperr.Wrap(err, "add representatives")
}

// SetTellers names the users who enter paper ballots (计票人).
func (s *Service) SetTellers(ctx context.Context, a *org.Actor, id int64, userIDs []int64) error {
	err := s.DB.Update(ctx, func(tx *db.Tx) error {
		if _, _, err := manageTx(ctx, tx, a, id); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM evaluation_tellers WHERE evaluation_id = ?`, id); err != nil {
			return err
		}
		for _, u := range userIDs {
			if _, err := tx.Exec(ctx, `INSERT INTO evaluation_tellers (evaluation_id, user_id) VALUES (?, ?) ON CONFLICT DO NOTHING`, id, u); err != nil {
				return apperr.Field("tellers", "计票人须是系统用户", "Tellers must be users")
			}
		}
		return audit.Record(ctx, tx, who(a), "evaluation.tellers", "evaluation", id, nil, map[string]any{"tellers": userIDs})
	})
	return apperr.Wrap(err, "tellers")
}

// Slip is one printed voting slip.
type Slip struct {
	No     int    `json:"no"`
	Group  string `json:"group"`
	Label  string `json:"label,omitempty"`  // a representative's slip
	Member string `json:"member,omitempty"` // the member a personal slip is for (on the tear-off stub)
	Code   string `json:"code"`
	Used   bool   `json:"used"`
}

// Slips lists the evaluation's slips with their codes, for the office to
// print (members' slips name their member on the stub; the part handed
// back with the ballot carries only the code).
func (s *Service) Slips(ctx context.Context, a *org.Actor, id int64) (Evaluation, []Slip, error) {
	var out []Slip
	var e Evaluation
	err := s.DB.View(ctx, func(tx *db.Tx) error {
		var err error
		if e, _, err = manageTx(ctx, tx, a, id); err != nil {
			return err
		}
		if e.Status != Open {
			return errNotOpen
		}
		rows, err := tx.Query(ctx, `SELECT v.grp, v.label, COALESCE(m.name, ''), v.code, COUNT(k.voter_id) FROM evaluation_voters v
			LEFT JOIN members m ON m.id = v.member_id
			LEFT JOIN evaluation_votes k ON k.evaluation_id = v.evaluation_id AND k.voter_id = v.id
			WHERE v.evaluation_id = ? AND v.exempt = '' GROUP BY v.id, v.grp, v.label, m.name, v.code ORDER BY v.id`, id)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var sl Slip
			var used int
			if err := rows.Scan(&sl.Group, &sl.Label, &sl.Member, &sl.Code, &used); err != nil {
				return err
			}
			sl.No, sl.Used = len(out)+1, used > 0
			out = append(out, sl)
		}
		return rows.Err()
	})
	return e, out, apperr.Wrap(err, "slips")
}

// Remind sends an inbox reminder to every eligible member with an account
// who has not voted yet; it returns how many were sent.
func (s *Service) Remind(ctx context.Context, a *org.Actor, id int64) (int, error) {
	n := 0
	err := s.DB.Update(ctx, func(tx *db.Tx) error {
		e, _, err := manageTx(ctx, tx, a, id)
		if err != nil {
			return err
		}
		if e.Status != Open {
			return errNotOpen
		}
		rows, err := tx.Query(ctx, `SELECT u.id FROM evaluation_voters v JOIN users u ON u.member_id = v.member_id
			WHERE v.evaluation_id = ? AND v.exempt = '' AND u.disabled = FALSE
			AND NOT EXISTS (SELECT 1 FROM evaluation_votes k WHERE k.evaluation_id = v.evaluation_id AND k.voter_id = v.id)`, id)
		if err != nil {
			return err
		}
		var msgs []notify.Message
		for rows.Next() {
			var u int64
			if err := rows.Scan(&u); err != nil {
				rows.Close()
				return err
			}
			msgs = append(msgs, notify.Message{UserID: u, Kind: "evaluation.reminder", Title: "请参加" + e.Title,
				Body: "您还没有投票。投票不记名，每人一票。", URL: fmt.Sprintf("/evaluations/%d/vote", id),
				Key: fmt.Sprintf("evaluation:%d:remind:%s", id, tx.Today())})
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		if s.Notify == nil {
			return nil
		}
		if n, err = s.Notify.Send(ctx, tx, msgs...); err != nil {
			return err
		}
		return audit.Record(ctx, tx, who(a), "evaluation.remind", "evaluation", id, nil, map[string]any{"sent": n})
	})
	return n, apperr.Wrap(err, "remind")
}

// ---- closing and publishing ----

// loadBallots reads the evaluation's ballots in receipt-hash order.
func loadBallots(ctx context.Context, tx *db.Tx, id int64) ([]Ballot, error) {
	rows, err := tx.Query(ctx, `SELECT receipt_hash, grp, answers FROM evaluation_ballots WHERE evaluation_id = ? ORDER BY receipt_hash`, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Ballot
	for rows.Next() {
		var b Ballot
		var ans string
		if err := rows.Scan(&b.ReceiptHash, &b.Group, &ans); err != nil {
			return nil, err
		}
		if err := json.Unmarshal([]byte(ans), &b.Answers); err != nil {
			return nil, fmt.Errorf("ballot answers: %w", err)
		}
		out = append(out, b)
	}
	return out, rows.Err()
}

// Digest is the SHA-256 of the published list's canonical JSON: the
// closing audit entry records it, so the list cannot change unseen.
func Digest(ballots []Ballot) string {
	b, _ := json.Marshal(ballots)
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

// Close ends the voting and stores the tally. The count of markers must
// equal the count of ballots (each cast writes both in one transaction);
// the audit entry records the counts and the published list's digest.
// Records evaluation.held when there were ballots.
func (s *Service) Close(ctx context.Context, a *org.Actor, id int64) (Tally, error) {
	var t Tally
	err := s.DB.Update(ctx, func(tx *db.Tx) error {
		e, _, err := manageTx(ctx, tx, a, id)
		if err != nil {
			return err
		}
		if e.Status != Open {
			return errNotOpen
		}
		// On PostgreSQL the ballots' advisory lock, exclusively: ballots in
		// flight commit first, later ones see "closed" (ballotLock).
		if tx.Engine == db.Postgres {
			if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(?)`, ballotLock(id)); err != nil {
				return err
			}
		}
		if _, err := tx.Exec(ctx, `UPDATE evaluations SET status = 'closed', closed_at = ?, version = version + 1 WHERE id = ? AND status = 'open'`, tx.NowText(), id); err != nil {
			return err
		}
		if err := restamp(ctx, tx, id); err != nil {
			return err
		}
		ballots, err := loadBallots(ctx, tx, id)
		if err != nil {
			return err
		}
		var markers int
		if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM evaluation_votes WHERE evaluation_id = ?`, id).Scan(&markers); err != nil {
			return err
		}
		if markers != len(ballots) {
			return fmt.Errorf("evaluation %d: %d voted markers but %d ballots", id, markers, len(ballots))
		}
		t = Count(e.Q, ballots)
		tj, err := json.Marshal(t)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE evaluations SET tally = ? WHERE id = ?`, string(tj), id); err != nil {
			return err
		}
		if len(ballots) > 0 {
			// The template's 组织开展评议 is the office's action (its row is the
			// campaign's root); the branch's own row gets the record too.
			var root int64
			if err := tx.QueryRow(ctx, `SELECT unit_id FROM campaigns WHERE id = ?`, e.CampaignID).Scan(&root); err != nil {
				return err
			}
			for _, u := range []int64{e.UnitID, root} {
				if err := campaign.Record(ctx, tx, campaign.Signal{CampaignID: e.CampaignID, Kind: KindHeld, UnitID: u, RefID: id,
					Note: fmt.Sprintf("%s（%s）：%d 票", e.Title, e.UnitName, len(ballots))}); err != nil {
					return err
				}
				if u == root {
					break
				}
			}
		}
		return audit.Record(ctx, tx, who(a), "evaluation.close", "evaluation", id, map[string]any{"status": e.Status},
			map[string]any{"status": Closed, "ballots": len(ballots), "markers": markers, "digest": Digest(ballots), "org_rate": t.OrgRate, "flags": len(t.Flags)})
	})
	return t, apperr.Wrap(err, "close evaluation")
}

// PublishInput records how the result was announced.
type PublishInput struct {
	MeetingID    int64  `json:"meeting_id,omitempty"` // the members' meeting where members' results were read out
	Announcement string `json:"announcement"`         // 公布方式: e.g. 支部党员大会通报、公示栏张贴
}

// Publish publishes a closed evaluation's results as the evaluation chose
// (the branch's on the public board, members' to the branch's members) and
// records evaluation.published.
func (s *Service) Publish(ctx context.Context, a *org.Actor, id int64, in PublishInput) error {
	in.Announcement = strings.TrimSpace(in.Announcement)
	if in.Announcement == "" || utf8.RuneCountInString(in.Announcement) > MaxReason {
		return apperr.Field("announcement", fmt.Sprintf("请写明结果如何公布（%d 字以内），如：支部党员大会通报、公示栏张贴", MaxReason),
			fmt.Sprintf("Say how the result was announced (up to %d characters)", MaxReason))
	}
	err := s.DB.Update(ctx, func(tx *db.Tx) error {
		e, _, err := manageTx(ctx, tx, a, id)
		if err != nil {
			return err
		}
		if e.Status != Closed {
			return errNotClosed
		}
		if in.MeetingID != 0 {
			var mu int64
			if err := tx.QueryRow(ctx, `SELECT unit_id FROM meetings WHERE id = ?`, in.MeetingID).Scan(&mu); err != nil || mu != e.UnitID {
				return apperr.Field("meeting_id", "须是该支部的会议", "Must be the branch's meeting")
			}
		}
		if _, err := tx.Exec(ctx, `UPDATE evaluations SET status = 'published', published_at = ?, announcement = ?, meeting_id = COALESCE(?, meeting_id), version = version + 1 WHERE id = ?`,
			tx.NowText(), in.Announcement, nullID(in.MeetingID), id); err != nil {
			return err
		}
		if err := campaign.Record(ctx, tx, campaign.Signal{CampaignID: e.CampaignID, Kind: KindPublished, UnitID: e.UnitID, RefID: id, Note: in.Announcement}); err != nil {
			return err
		}
		return audit.Record(ctx, tx, who(a), "evaluation.publish", "evaluation", id, map[string]any{"status": e.Status},
			map[string]any{"status": Published, "announcement": in.Announcement, "meeting_id": in.MeetingID})
	})
	return apperr.Wrap(err, "publish evaluation")
}

// Results is a closed evaluation's tally and published list.
type Results struct {
	Evaluation Evaluation      `json:"evaluation"`
	Tally      Tally           `json:"tally"`
	Ballots    []Ballot        `json:"ballots"` // by receipt hash; members' answers only for who may read them
	Digest     string          `json:"digest"`  // of the full list, as the closing audit entry recorded it
	Comments   []string        `json:"comments,omitempty"`
	Problems   []rectify.Entry `json:"problems,omitempty"`
}

// Results reads the tally and the list of receipt hashes with ballots.
// Readers who may not see members' results get the branch's part only.
func (s *Service) Results(ctx context.Context, a *org.Actor, id int64) (Results, error) {
	var r Results
	err := s.DB.View(ctx, func(tx *db.Tx) error {
		e, err := s.read(ctx, tx, a, id)
		if err != nil {
			return err
		}
		if e.Status == Open {
			return apperr.New(apperr.Conflict, "评议尚未结束，结果在计票后公布", "Results are shown once the evaluation closes")
		}
		if !e.May.Results {
			return apperr.New(apperr.Forbidden, "评议结果尚未向您公布", "The results have not been published to you")
		}
		branch, err := org.UnitTx(ctx, tx, e.UnitID)
		if err != nil {
			return err
		}
		manage, err := mayManage(ctx, tx, a, branch)
		if err != nil {
			return err
		}
		// 意见和建议 go to the office and the branch's committee, not to
		// every member nor the public.
		r, err = results(ctx, tx, e, e.May.Members, manage || a.CanRead(branch))
		if err != nil {
			return err
		}
		if e.May.Publish || e.Status == Published {
			r.Problems, err = rectify.OfSource(ctx, tx, rectify.FromEvaluation, id)
		}
		return err
	})
	return r, apperr.Wrap(err, "evaluation results")
}

func results(ctx context.Context, tx *db.Tx, e Evaluation, members, comments bool) (Results, error) {
	r := Results{Evaluation: e}
	var tj string
	if err := tx.QueryRow(ctx, `SELECT tally FROM evaluations WHERE id = ?`, e.ID).Scan(&tj); err != nil {
		return r, err
	}
	if err := json.Unmarshal([]byte(tj), &r.Tally); err != nil {
		return r, fmt.Errorf("tally: %w", err)
	}
	var err error
	if r.Ballots, err = loadBallots(ctx, tx, e.ID); err != nil {
		return r, err
	}
	r.Digest = Digest(r.Ballots)
	if !members {
		r.Tally.Members = nil
		r.Tally.Flags = orgFlags(r.Tally.Flags)
		for i := range r.Ballots {
			r.Ballots[i].Answers.Members = nil
		}
		r.Evaluation.Q.Ratees = nil
	}
	if comments {
		rows, err := tx.Query(ctx, `SELECT body FROM evaluation_comments WHERE evaluation_id = ? ORDER BY id`, e.ID)
		if err != nil {
			return r, err
		}
		defer rows.Close()
		for rows.Next() {
			var c string
			if err := rows.Scan(&c); err != nil {
				return r, err
			}
			r.Comments = append(r.Comments, c)
		}
		return r, rows.Err()
	}
	return r, nil
}

func orgFlags(fs []Flag) []Flag {
	var out []Flag
	for _, f := range fs {
		if f.Code == "org_rate" {
			out = append(out, f)
		}
	}
	return out
}

// PublicResults lists a unit's published evaluations whose branch result
// goes on the public board, with the branch's part of the tally and list.
func (s *Service) PublicResults(ctx context.Context, unitID int64) (org.Unit, []Results, error) {
	var out []Results
	var u org.Unit
	err := s.DB.View(ctx, func(tx *db.Tx) error {
		var err error
		u, err = org.UnitTx(ctx, tx, unitID)
		if err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `SELECT `+evalCols+` FROM evaluations e WHERE e.unit_id = ? AND e.status = 'published' ORDER BY e.id DESC LIMIT 20`, unitID)
		if err != nil {
			return err
		}
		var es []Evaluation
		for rows.Next() {
			e, err := scanEval(rows)
			if err != nil {
				rows.Close()
				return err
			}
			if e.Q.PublishOrg {
				e.UnitName = u.Name
				es = append(es, e)
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for _, e := range es {
			r, err := results(ctx, tx, e, false, false)
			if err != nil {
				return err
			}
			out = append(out, r)
		}
		return nil
	})
	return u, out, apperr.Wrap(err, "public evaluations")
}

// RaiseInput is a problem the office (or the branch) picks from the
// results — an item or a comment — for the rectification ledger.
type RaiseInput struct {
	MemberID      int64      `json:"member_id,omitempty"`
	Problem       string     `json:"problem"`
	Measure       string     `json:"measure,omitempty"`
	OwnerMemberID int64      `json:"owner_member_id,omitempty"`
	Deadline      civil.Date `json:"deadline"`
}

// Raise writes a ledger entry from the evaluation (source evaluation).
func (s *Service) Raise(ctx context.Context, a *org.Actor, id int64, in RaiseInput) (int64, error) {
	var rid int64
	err := s.DB.Update(ctx, func(tx *db.Tx) error {
		if a == nil {
			return errNoActor
		}
		e, b, err := getEval(ctx, tx, id)
		if err != nil {
			return err
		}
		if _, err := verdicts(ctx, tx, a, b, &e); err != nil {
			return err
		}
		manage, err := mayManage(ctx, tx, a, b)
		if err != nil {
			return err
		}
		if e.Status == Open {
			return apperr.New(apperr.Conflict, "评议结束计票后才能提出整改问题", "Problems are raised once the evaluation is counted")
		}
		if !manage && !a.CanWrite(b) {
			return apperr.Deny()
		}
		raiser := b.ID // the branch raises its own problems; the office's are raised by the level above
		if manage {
			if p, err := org.ParentTx(ctx, tx, b); err == nil && p.ID != 0 {
				raiser = p.ID
			}
		}
		rid, err = rectify.Raise(ctx, tx, who(a), rectify.Raised{CampaignID: e.CampaignID, UnitID: e.UnitID, MemberID: in.MemberID,
			Source: rectify.FromEvaluation, SourceRef: id, RaisedByUnitID: raiser, Problem: in.Problem, Measure: in.Measure,
			OwnerMemberID: in.OwnerMemberID, Deadline: in.Deadline})
		return err
	})
	return rid, apperr.Wrap(err, "raise problem")
}

// BySlip reads the evaluation a slip's code votes in (for the no-login
// ballot page: the questionnaire and the members to grade, nothing of the
// electorate) and whether the slip has been used.
func (s *Service) BySlip(ctx context.Context, code string) (Evaluation, bool, error) {
	var e Evaluation
	var used bool
	err := s.DB.View(ctx, func(tx *db.Tx) error {
		var id, voter int64
		var grp, exempt string
		err := tx.QueryRow(ctx, `SELECT evaluation_id, id, grp, exempt FROM evaluation_voters WHERE code = ?`, NormalizeCode(code)).Scan(&id, &voter, &grp, &exempt)
		if errors.Is(err, sql.ErrNoRows) || err == nil && exempt != "" {
			return errBadCode
		}
		if err != nil {
			return err
		}
		var b org.Unit
		if e, b, err = getEval(ctx, tx, id); err != nil {
			return err
		}
		e.UnitName = b.Name
		if !e.Q.grades(grp) {
			e.Q.Ratees = nil
		}
		var n int
		if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM evaluation_votes WHERE evaluation_id = ? AND voter_id = ?`, id, voter).Scan(&n); err != nil {
			return err
		}
		used = n > 0
		return nil
	})
	return e, used, apperr.Wrap(err, "slip")
}

// restamp rewrites, on PostgreSQL, every marker, ballot and comment of the
// evaluation in the closing transaction: each row version carries the id
// of the transaction that wrote it (xmin), and a marker and its ballot
// were written by the same one. After closing all share the closing
// transaction's id; the old versions go at the next VACUUM (see
// docs/ballot-secrecy.md). SQLite keeps no per-row transaction id.
func restamp(ctx context.Context, tx *db.Tx, id int64) error {
	if tx.Engine != db.Postgres {
		return nil
	}
	for _, q := range []string{
		`UPDATE evaluation_votes SET channel = channel WHERE evaluation_id = ?`,
		`UPDATE evaluation_ballots SET grp = grp WHERE evaluation_id = ?`,
		`UPDATE evaluation_comments SET body = body WHERE evaluation_id = ?`,
	} {
		if _, err := tx.Exec(ctx, q, id); err != nil {
			return fmt.Errorf("restamp: %w", err)
		}
	}
	return nil
}

// CampaignFor returns the newest active campaign covering unitID (0 if none),
// the default of the opening form.
func (s *Service) CampaignFor(ctx context.Context, unitID int64) (int64, error) {
	var id int64
	err := s.DB.View(ctx, func(tx *db.Tx) error {
		u, err := org.UnitTx(ctx, tx, unitID)
		if err != nil {
			return err
		}
		covers := org.CampaignCovers("c.unit_id", u)
		err = tx.QueryRow(ctx, `SELECT c.id FROM campaigns c WHERE c.status = 'active' AND `+covers.SQL+` ORDER BY c.year DESC, c.id DESC LIMIT 1`,
			covers.Args...).Scan(&id)
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		return err
	})
	return id, apperr.Wrap(err, "evaluation campaign")
}

// SetTellerNames names the tellers by their usernames (the page's form).
func (s *Service) SetTellerNames(ctx context.Context, a *org.Actor, id int64, usernames []string) error {
	var ids []int64
	err := s.DB.View(ctx, func(tx *db.Tx) error {
		for _, u := range usernames {
			u = strings.TrimSpace(u)
			if u == "" {
				continue
			}
			var uid int64
			err := tx.QueryRow(ctx, `SELECT id FROM users WHERE username = ? AND disabled = FALSE`, u).Scan(&uid)
			if errors.Is(err, sql.ErrNoRows) {
				return apperr.Field("tellers", "没有这个用户名："+u, "No such user: "+u)
			}
			if err != nil {
				return err
			}
			ids = append(ids, uid)
		}
		return nil
	})
	if err != nil {
		return apperr.Wrap(err, "tellers")
	}
	return s.SetTellers(ctx, a, id, ids)
}

// Tellers lists the usernames of an evaluation's tellers (for its managers).
func (s *Service) Tellers(ctx context.Context, a *org.Actor, id int64) ([]string, error) {
	var out []string
	err := s.DB.View(ctx, func(tx *db.Tx) error {
		if _, _, err := manageTx(ctx, tx, a, id); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `SELECT u.username FROM evaluation_tellers t JOIN users u ON u.id = t.user_id WHERE t.evaluation_id = ? ORDER BY u.username`, id)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var n string
			if err := rows.Scan(&n); err != nil {
				return err
			}
			out = append(out, n)
		}
		return rows.Err()
	})
	return out, apperr.Wrap(err, "tellers")
}
