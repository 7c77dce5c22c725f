package web

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"chuangzheng/internal/apperr"
	"chuangzheng/internal/campaign"
	"chuangzheng/internal/civil"
	"chuangzheng/internal/commitment"
	"chuangzheng/internal/meeting"
	"chuangzheng/internal/org"
)

// Commitment pages (公开承诺): my commitment and the branch's list, the
// form with item rows added and removed without JavaScript, the commitment
// with its versions, reviews and actions, the side-by-side difference of
// two versions, and the reviewer's queue with bulk approval.

// commitmentStates are the states in the order lists show them.
var commitmentStates = []commitment.State{commitment.Draft, commitment.Submitted, commitment.Returned, commitment.Approved, commitment.Published}

// findCampaign returns the campaign id, or the newest active campaign the
// actor sees when id is 0 (ok false when there is none).
func (s *Server) findCampaign(ctx context.Context, a *org.Actor, id int64) (campaign.Campaign, bool, error) {
	list, err := s.Campaign.List(ctx, a)
	if err != nil {
		return campaign.Campaign{}, false, err
	}
	for _, c := range list {
		if (id != 0 && c.ID == id) || (id == 0 && c.Status == campaign.StatusActive) {
			return c, true, nil
		}
	}
	if id != 0 {
		return campaign.Campaign{}, false, apperr.NotFoundf("活动", "Campaign")
	}
	return campaign.Campaign{}, false, nil
}

// writableBranches are the open branches the actor writes inside the campaign.
func writableBranches(t *org.Tree, a *org.Actor, c campaign.Campaign) []org.Unit {
	var out []org.Unit
	root, ok := t.ByID[c.UnitID]
	for _, u := range t.Writable(a) {
		if u.Type == org.Branch && (!ok || u.Within(root.Path)) {
			out = append(out, u)
		}
	}
	return out
}

// ---- GET /commitments ----

type stateCount struct {
	State commitment.State
	N     int
}

type branchLink struct {
	Unit         org.Unit
	CommitmentID int64
	State        commitment.State
}

type commitmentsData struct {
	Campaign  campaign.Campaign
	Has       bool // there is a campaign
	IsMember  bool
	Mine      *commitment.Commitment
	Reviewer  bool
	Pending   int
	Reader    bool // sees the list of commitments below them
	Branches  []branchLink
	CanOral   bool
	List      commitment.Page
	State     commitment.State
	UnitID    int64
	Units     []org.Unit
	Counts    []stateCount
	Total     int
	Pages     int
	KindLabel map[commitment.Kind]string
}

func (s *Server) commitmentsPage(w http.ResponseWriter, r *http.Request) {
	a := s.actor(w, r)
	if a == nil {
		return
	}
	ctx := r.Context()
	q := r.URL.Query()
	campID, _ := strconv.ParseInt(q.Get("campaign"), 10, 64)
	c, ok, err := s.findCampaign(ctx, a, campID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d := commitmentsData{Campaign: c, Has: ok, IsMember: a.MemberID != 0, Reviewer: commitment.Reviews(a)}
	if !ok {
		s.render(w, r, http.StatusOK, "commitments", d)
		return
	}
	if a.MemberID != 0 {
		p, err := s.Commitment.List(ctx, a, commitment.ListFilter{CampaignID: c.ID, MemberID: a.MemberID, Kind: commitment.MemberKind})
		if err != nil {
			s.fail(w, r, err)
			return
		}
		if len(p.Commitments) > 0 {
			d.Mine = &p.Commitments[0]
		}
	}
	if d.Reviewer {
		p, err := s.Commitment.Queue(ctx, a, commitment.QueueFilter{CampaignID: c.ID})
		if err != nil {
			s.fail(w, r, err)
			return
		}
		d.Pending = p.Total
	}
	d.Reader = a.ReadsAny()
	if d.Reader {
		t, err := s.Org.Tree(ctx, a)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		root, rootOK := t.ByID[c.UnitID]
		for _, u := range t.Readable(a) {
			if (u.Type == org.Branch || u.Type == org.GeneralBranch || u.ID == c.UnitID) && (!rootOK || u.Within(root.Path)) {
				d.Units = append(d.Units, u)
			}
		}
		branchPage, err := s.Commitment.List(ctx, a, commitment.ListFilter{CampaignID: c.ID, Kind: commitment.BranchKind})
		if err != nil {
			s.fail(w, r, err)
			return
		}
		for _, u := range writableBranches(t, a, c) {
			bl := branchLink{Unit: u}
			for _, bc := range branchPage.Commitments {
				if bc.UnitID == u.ID {
					bl.CommitmentID, bl.State = bc.ID, bc.State
				}
			}
			d.Branches = append(d.Branches, bl)
		}
		d.CanOral = len(d.Branches) > 0
		d.State = commitment.State(q.Get("state"))
		if !d.State.Valid() {
			d.State = ""
		}
		d.UnitID, _ = strconv.ParseInt(q.Get("org"), 10, 64)
		page, _ := strconv.Atoi(q.Get("page"))
		f := commitment.ListFilter{CampaignID: c.ID, UnitID: d.UnitID, State: d.State, Page: page}
		if d.List, err = s.Commitment.List(ctx, a, f); err != nil {
			s.fail(w, r, err)
			return
		}
		d.Pages = (d.List.Total + d.List.PerPage - 1) / d.List.PerPage
		for _, st := range commitmentStates {
			f.State, f.Page = st, 1
			p, err := s.Commitment.List(ctx, a, f)
			if err != nil {
				s.fail(w, r, err)
				return
			}
			d.Counts = append(d.Counts, stateCount{State: st, N: p.Total})
			d.Total += p.Total
		}
	}
	s.render(w, r, http.StatusOK, "commitments", d)
}

// ---- the form ----

// itemRow is one item as the form holds it (the deadline as typed).
type itemRow struct {
	Key         int
	Category    string
	Content     string
	Measures    string
	Deadline    string
	Standard    string
	Responsible string
	Tag         string
}

type commitmentFormData struct {
	ID            int64 // 0 for a new commitment
	CampaignID    int64
	CampaignTitle string
	Kind          commitment.Kind
	UnitID        int64
	UnitName      string
	MemberID      int64
	MemberName    string
	Oral          bool
	OralMembers   []org.Member
	Meetings      []meeting.Meeting
	MeetingID     int64
	Title         string
	LeadingCadre  bool
	Phone         string
	Version       int
	State         commitment.State
	ReturnReason  string
	Items         []itemRow
	Categories    []commitment.Category
	Cadre         []commitment.Category
	Tags          []string
	Errors        map[string]string
	Message       string
	MaxItems      int
	// Situation: the member's, for which categories fit (commitment.Category.OptionalFor).
	Situation commitment.MemberSituation
	// Added: the row just added, counted from 1 (0: none); the page opens
	// at it with its first field focused.
	Added int
}

// CanAdd reports whether another row may be added.
func (f commitmentFormData) CanAdd() bool { return len(f.Items) < f.MaxItems }

// category is the offered category of that name.
func (f commitmentFormData) category(name string) (commitment.Category, bool) {
	for _, l := range [][]commitment.Category{f.Categories, f.Cadre} {
		for _, c := range l {
			if c.Name == name {
				return c, true
			}
		}
	}
	return commitment.Category{}, false
}

// DeadlineRequired says whether an item of that category must have a
// 完成时限, by the rule the server applies; before a category is chosen it is
// required (the hint says which categories need none).
func (f commitmentFormData) DeadlineRequired(category string) bool {
	c, ok := f.category(category)
	return !ok || c.DeadlineRequired()
}

// Optional names the offered categories that do not fit this member
// ("" when all fit), for the note that they may be left out.
func (f commitmentFormData) Optional() string {
	var out []string
	for _, l := range [][]commitment.Category{f.Categories, f.Cadre} {
		for _, c := range l {
			if c.OptionalFor(f.Situation) {
				out = append(out, c.Name)
			}
		}
	}
	return strings.Join(out, "”“")
}

// formError is one line of the error summary, linking to its field.
type formError struct {
	Field   string
	Message string
}

// ErrorList is the error summary in the order of the form: the header's
// fields, then each item's fields in turn.
func (f commitmentFormData) ErrorList() []formError {
	var out []formError
	add := func(k string) {
		if m, ok := f.Errors[k]; ok {
			out = append(out, formError{k, m})
		}
	}
	for _, k := range []string{"member_id", "meeting_id", "title", "phone", "items"} {
		add(k)
	}
	for i := range f.Items {
		for _, n := range []string{"category", "content", "measures", "deadline", "standard", "responsible", "tag"} {
			add(fmt.Sprintf("items.%d.%s", i, n))
		}
	}
	seen := len(out)
	if seen < len(f.Errors) { // anything else, in name order, so that none is lost
		var rest []string
		for k := range f.Errors {
			if !slices.ContainsFunc(out, func(e formError) bool { return e.Field == k }) {
				rest = append(rest, k)
			}
		}
		slices.Sort(rest)
		for _, k := range rest {
			out = append(out, formError{k, f.Errors[k]})
		}
	}
	return out
}

func rowsOf(items []commitment.Item) []itemRow {
	out := make([]itemRow, 0, len(items))
	for _, it := range items {
		out = append(out, itemRow{Key: it.Key, Category: it.Category, Content: it.Content, Measures: it.Measures, Deadline: it.Deadline.String(),
			Standard: it.Standard, Responsible: it.Responsible, Tag: it.Tag})
	}
	return out
}

// fill adds what the form offers: categories, tags, and for an oral
// commitment the members and meetings of the branch.
func (s *Server) fillForm(ctx context.Context, a *org.Actor, f *commitmentFormData) error {
	cats, err := s.Commitment.Categories(ctx, a, f.CampaignID)
	if err != nil {
		return err
	}
	f.MaxItems = commitment.MaxItems
	f.Tags = commitment.Tags(f.Kind)
	if f.Kind == commitment.BranchKind {
		f.Categories = cats.Branch
	} else {
		f.Categories, f.Cadre = cats.Member, cats.Cadre
	}
	if f.Errors == nil {
		f.Errors = map[string]string{}
	}
	if f.Kind == commitment.MemberKind && f.MemberID != 0 {
		if m, err := s.Org.Member(ctx, a, f.MemberID); err == nil {
			f.Situation = commitment.MemberSituation{Retired: m.Retired, NoPost: m.NoPost}
		} else if c := apperr.CodeOf(err); c != apperr.NotFound && c != apperr.Forbidden {
			return err
		}
	}
	if !f.Oral {
		return nil
	}
	t, err := s.Org.Tree(ctx, a)
	if err != nil {
		return err
	}
	if f.ID == 0 {
		p, err := s.Org.Members(ctx, a, org.MemberFilter{Oral: "yes", Managed: true, PerPage: 500})
		if err != nil {
			return err
		}
		f.OralMembers = p.Members
	}
	if s.Meeting != nil {
		var branch org.Unit
		if f.UnitID != 0 {
			branch = t.BranchOf(f.UnitID)
		} else if len(f.OralMembers) > 0 {
			branch = t.BranchOf(f.OralMembers[0].UnitID)
		}
		if branch.ID != 0 {
			p, err := s.Meeting.List(ctx, a, meeting.Filter{UnitID: branch.ID, PerPage: 50})
			if err != nil {
				return err
			}
			f.Meetings = p.Meetings
		}
	}
	return nil
}

func (s *Server) commitmentNew(w http.ResponseWriter, r *http.Request) {
	a := s.actor(w, r)
	if a == nil {
		return
	}
	ctx := r.Context()
	q := r.URL.Query()
	campID, _ := strconv.ParseInt(q.Get("campaign"), 10, 64)
	c, ok, err := s.findCampaign(ctx, a, campID)
	if err == nil && !ok {
		err = apperr.New(apperr.NotFound, "还没有进行中的创先争优活动", "There is no active campaign")
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	f := commitmentFormData{CampaignID: c.ID, CampaignTitle: c.Title, Kind: commitment.Kind(q.Get("kind")), Items: []itemRow{{}}}
	if !f.Kind.Valid() {
		f.Kind = commitment.MemberKind
	}
	t, err := s.Org.Tree(ctx, a)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	memberID, _ := strconv.ParseInt(q.Get("member"), 10, 64)
	switch {
	case f.Kind == commitment.BranchKind:
		unitID, _ := strconv.ParseInt(q.Get("unit"), 10, 64)
		branches := writableBranches(t, a, c)
		for _, u := range branches {
			if u.ID == unitID || unitID == 0 && f.UnitID == 0 {
				f.UnitID, f.UnitName = u.ID, u.Name
			}
		}
		if f.UnitID == 0 {
			s.fail(w, r, apperr.Deny())
			return
		}
	case q.Get("oral") == "1" || (memberID != 0 && memberID != a.MemberID):
		f.Oral, f.MemberID = true, memberID
	default:
		if a.MemberID == 0 {
			s.fail(w, r, apperr.New(apperr.Forbidden, "您的账号没有对应的党员，不能作出党员承诺", "Your account is not linked to a member, so it cannot make a member's commitment"))
			return
		}
		f.MemberID, f.MemberName = a.MemberID, a.Name
		mine, err := s.Commitment.List(ctx, a, commitment.ListFilter{CampaignID: c.ID, MemberID: a.MemberID, Kind: commitment.MemberKind})
		if err != nil {
			s.fail(w, r, err)
			return
		}
		if len(mine.Commitments) > 0 { // one commitment per campaign: edit it
			http.Redirect(w, r, fmt.Sprintf("/commitments/%d/edit", mine.Commitments[0].ID), http.StatusSeeOther)
			return
		}
	}
	if err := s.fillForm(ctx, a, &f); err != nil {
		s.fail(w, r, err)
		return
	}
	if f.Oral && len(f.OralMembers) == 0 {
		s.fail(w, r, apperr.New(apperr.Forbidden, "您管理的支部中没有可作口头承诺的党员", "No member of the branches you manage is flagged for oral commitments"))
		return
	}
	s.render(w, r, http.StatusOK, "commitment_form", f)
}

func (s *Server) commitmentEdit(w http.ResponseWriter, r *http.Request) {
	a, id := s.actorID(w, r, "id")
	if a == nil {
		return
	}
	ctx := r.Context()
	c, err := s.Commitment.Get(ctx, a, id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	p, err := s.commitmentPerms(ctx, a, c)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if !p.Edit {
		s.fail(w, r, apperr.Deny())
		return
	}
	f := formFromCommitment(c)
	if err := s.fillForm(ctx, a, &f); err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "commitment_form", f)
}

func formFromCommitment(c commitment.Commitment) commitmentFormData {
	return commitmentFormData{ID: c.ID, CampaignID: c.CampaignID, Kind: c.Kind, UnitID: c.UnitID, UnitName: c.UnitName,
		MemberID: c.MemberID, MemberName: c.MemberName, Oral: c.Oral, MeetingID: c.MeetingID, Title: c.Title, LeadingCadre: c.LeadingCadre,
		Phone: c.Phone, Version: c.Version, State: c.State, ReturnReason: c.ReturnReason, Items: rowsOf(c.Items)}
}

// maxFormRows bounds the rows read from a posted form.
const maxFormRows = commitment.MaxItems + 5

// readRows reads the item rows of a posted form.
func readRows(r *http.Request) []itemRow {
	n := int(formInt(r, "item_count"))
	n = max(0, min(n, maxFormRows))
	rows := make([]itemRow, 0, n)
	for i := 0; i < n; i++ {
		v := func(name string) string { return r.PostFormValue(fmt.Sprintf("items.%d.%s", i, name)) }
		key, _ := strconv.Atoi(v("key"))
		rows = append(rows, itemRow{Key: key, Category: v("category"), Content: v("content"), Measures: v("measures"),
			Deadline: strings.TrimSpace(v("deadline")), Standard: v("standard"), Responsible: v("responsible"), Tag: v("tag")})
	}
	return rows
}

// toItems converts the rows, with a field error for a deadline that is not a date.
func toItems(rows []itemRow) ([]commitment.Item, apperr.FieldErrors) {
	fe := apperr.FieldErrors{}
	items := make([]commitment.Item, 0, len(rows))
	for i, row := range rows {
		it := commitment.Item{Key: row.Key, Category: row.Category, Content: row.Content, Measures: row.Measures,
			Standard: row.Standard, Responsible: row.Responsible, Tag: row.Tag}
		if row.Deadline != "" {
			d, err := civil.Parse(row.Deadline)
			if err != nil || !d.HasDay() {
				k := fmt.Sprintf("items.%d.deadline", i)
				fe[k] = apperr.Field(k, fmt.Sprintf("第 %d 项：完成时限不是有效日期（如 2026-12-31）", i+1), fmt.Sprintf("Item %d: the deadline is not a valid date (e.g. 2026-12-31)", i+1))
			}
			it.Deadline = d
		}
		items = append(items, it)
	}
	return items, fe
}

// inlineFields are the form's fields that show their own message.
func inlineField(k string) bool {
	switch k {
	case "title", "phone", "items", "meeting_id", "member_id":
		return true
	}
	return strings.HasPrefix(k, "items.")
}

func (s *Server) commitmentCreate(w http.ResponseWriter, r *http.Request) {
	s.saveCommitment(w, r, false)
}
func (s *Server) commitmentUpdate(w http.ResponseWriter, r *http.Request) {
	s.saveCommitment(w, r, true)
}

// saveCommitment handles every post of the form: add or remove a row (the
// form comes back with the rows, nothing is stored), save a draft, or
// submit for review.
func (s *Server) saveCommitment(w http.ResponseWriter, r *http.Request, edit bool) {
	a := s.actor(w, r)
	if a == nil {
		return
	}
	ctx := r.Context()
	r.Body = http.MaxBytesReader(w, r.Body, 1<<20)
	if err := r.ParseForm(); err != nil {
		s.fail(w, r, apperr.New(apperr.Invalid, "提交的内容过大或无法读取", "The form is too large or unreadable"))
		return
	}
	var f commitmentFormData
	if edit {
		id, err := pathID(r, "id")
		if err != nil {
			s.fail(w, r, err)
			return
		}
		c, err := s.Commitment.Get(ctx, a, id)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		f = formFromCommitment(c)
		f.Version = int(formInt(r, "version"))
	} else {
		f = commitmentFormData{CampaignID: formInt(r, "campaign_id"), Kind: commitment.Kind(r.PostFormValue("kind")),
			UnitID: formInt(r, "unit_id"), MemberID: formInt(r, "member_id"), Oral: r.PostFormValue("oral") == "1"}
		if !f.Kind.Valid() {
			f.Kind = commitment.MemberKind
		}
		c, _, err := s.findCampaign(ctx, a, f.CampaignID)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		f.CampaignTitle = c.Title
		if f.Kind == commitment.BranchKind {
			if u, err := s.Org.Unit(ctx, a, f.UnitID); err == nil {
				f.UnitName = u.Name
			}
		} else if !f.Oral {
			f.MemberID, f.MemberName = a.MemberID, a.Name
		}
	}
	f.Title, f.Phone = r.PostFormValue("title"), r.PostFormValue("phone")
	f.LeadingCadre = r.PostFormValue("leading_cadre") == "1"
	f.MeetingID = formInt(r, "meeting_id")
	f.Items = readRows(r)
	f.Errors = map[string]string{}
	lang := langOf(r)

	code := http.StatusOK
	switch {
	case r.PostFormValue("add_item") != "":
		if len(f.Items) < commitment.MaxItems {
			f.Items = append(f.Items, itemRow{})
			f.Added = len(f.Items)
		}
	case r.PostFormValue("remove_item") != "":
		i, err := strconv.Atoi(r.PostFormValue("remove_item"))
		if err == nil && i >= 0 && i < len(f.Items) {
			f.Items = append(f.Items[:i], f.Items[i+1:]...)
		}
	default:
		items, fe := toItems(f.Items)
		var err error
		if len(fe) == 0 {
			in := commitment.Input{Title: f.Title, LeadingCadre: f.LeadingCadre, Phone: f.Phone, MeetingID: f.MeetingID, Items: items,
				Version: f.Version, Submit: r.PostFormValue("submit") != ""}
			var c commitment.Commitment
			if edit {
				c, err = s.Commitment.Save(ctx, a, f.ID, in)
			} else {
				in.CampaignID, in.Kind, in.UnitID, in.MemberID = f.CampaignID, f.Kind, f.UnitID, f.MemberID
				c, err = s.Commitment.Create(ctx, a, in)
			}
			if err == nil {
				msg := "已保存草稿"
				if in.Submit {
					msg = "已提交审核，请等待上级审核"
				}
				flash(w, translate(lang, msg))
				http.Redirect(w, r, "/commitments/"+itoa(c.ID), http.StatusSeeOther)
				return
			}
		} else {
			err = fe.Err()
		}
		e := apperr.As(err)
		if e.Code != apperr.Invalid && e.Code != apperr.Conflict {
			s.fail(w, r, err)
			return
		}
		code = status(e.Code)
		f.Message = e.Message(lang)
		var all apperr.FieldErrors
		if !asFieldErrors(err, &all) {
			all = apperr.FieldErrors{}
			if e.Field != "" {
				all[e.Field] = e
			}
		}
		generic := true
		for k, v := range all {
			f.Errors[k] = v.Message(lang)
			if !inlineField(k) {
				f.Message, generic = v.Message(lang), false
			}
		}
		if generic && len(all) > 0 {
			f.Message = translate(lang, "请修正标出的内容后再提交")
		}
	}
	if err := s.fillForm(ctx, a, &f); err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, code, "commitment_form", f)
}

// ---- GET /commitments/{id} ----

// perms are what the viewer may do with a commitment, as the service
// returns them with the commitment (commitment.Perms).
type perms = commitment.Perms

func (s *Server) commitmentPerms(_ context.Context, _ *org.Actor, c commitment.Commitment) (perms, error) {
	if c.May == nil {
		return perms{}, nil
	}
	return *c.May, nil
}

type commitmentPageData struct {
	C            commitment.Commitment
	P            perms
	Items        []commitment.Item // those shown: the current ones or a past version's
	Viewing      int               // the past version shown, 0 for the current
	ViewingTitle string
	Meetings     []meeting.Meeting // for marking it read out
	OralMeeting  string
	ReadMeeting  string
	Error        string
	Reason       string
	DiffFrom     int // a version to compare the current with (0 when none)
	Campaign     string
}

func (s *Server) commitmentPage(w http.ResponseWriter, r *http.Request) {
	s.showCommitment(w, r, http.StatusOK, "", "")
}

func (s *Server) showCommitment(w http.ResponseWriter, r *http.Request, code int, msg, reason string) {
	a, id := s.actorID(w, r, "id")
	if a == nil {
		return
	}
	ctx := r.Context()
	c, err := s.Commitment.Get(ctx, a, id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	p, err := s.commitmentPerms(ctx, a, c)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d := commitmentPageData{C: c, P: p, Items: c.Items, Error: msg, Reason: reason, DiffFrom: defaultDiffFrom(c)}
	if camp, ok, err := s.findCampaign(ctx, a, c.CampaignID); err == nil && ok {
		d.Campaign = camp.Title
	}
	if v, _ := strconv.Atoi(r.URL.Query().Get("version")); v > 0 && v != c.Version && r.Method == http.MethodGet {
		ver, err := s.Commitment.Version(ctx, a, id, v)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		d.Viewing, d.ViewingTitle, d.Items = v, ver.Body.Title, ver.Body.Items
	}
	if s.Meeting != nil {
		if p.ReadOut {
			mp, err := s.Meeting.List(ctx, a, meeting.Filter{UnitID: c.BranchID, PerPage: 50})
			if err != nil {
				s.fail(w, r, err)
				return
			}
			for _, m := range mp.Meetings {
				if m.Type == meeting.Assembly {
					d.Meetings = append(d.Meetings, m)
				}
			}
		}
		if c.MeetingID != 0 {
			if m, err := s.Meeting.Get(ctx, a, c.MeetingID); err == nil {
				d.OralMeeting = m.Title
			}
		}
		if c.ReadOutMeetingID != 0 {
			if m, err := s.Meeting.Get(ctx, a, c.ReadOutMeetingID); err == nil {
				d.ReadMeeting = m.Title
			}
		}
	}
	s.render(w, r, code, "commitment", d)
}

// defaultDiffFrom is the version last returned or approved before the
// current one, else the one before the current; 0 when there is only one.
func defaultDiffFrom(c commitment.Commitment) int {
	for i := len(c.Reviews) - 1; i >= 0; i-- {
		rv := c.Reviews[i]
		if (rv.Decision == commitment.Return || rv.Decision == commitment.Approve) && rv.Version < c.Version {
			return rv.Version
		}
	}
	if c.Version > 1 {
		return c.Version - 1
	}
	return 0
}

// commitmentAct runs one action from the commitment page: on success back
// to the page with a message; bad input or a conflict re-shows the page
// with the message (never a 500).
func (s *Server) commitmentAct(w http.ResponseWriter, r *http.Request, done string, f func(a *org.Actor, id int64) error) {
	a, id := s.actorID(w, r, "id")
	if a == nil {
		return
	}
	if err := f(a, id); err != nil {
		e := apperr.As(err)
		if e.Code == apperr.Invalid || e.Code == apperr.Conflict {
			s.showCommitment(w, r, status(e.Code), errorText(err, langOf(r)), r.PostFormValue("reason"))
			return
		}
		s.fail(w, r, err)
		return
	}
	flash(w, translate(langOf(r), done))
	http.Redirect(w, r, "/commitments/"+itoa(id), http.StatusSeeOther)
}

func (s *Server) commitmentSubmitPost(w http.ResponseWriter, r *http.Request) {
	s.commitmentAct(w, r, "已提交审核，请等待上级审核", func(a *org.Actor, id int64) error {
		_, err := s.Commitment.Submit(r.Context(), a, id, int(formInt(r, "version")))
		return err
	})
}

func (s *Server) commitmentApprovePost(w http.ResponseWriter, r *http.Request) {
	s.commitmentAct(w, r, "已审核通过", func(a *org.Actor, id int64) error {
		_, err := s.Commitment.Approve(r.Context(), a, id, int(formInt(r, "version")))
		return err
	})
}

// commitmentApprovePublishPost is 通过并公布: approve and publish in one step.
func (s *Server) commitmentApprovePublishPost(w http.ResponseWriter, r *http.Request) {
	s.commitmentAct(w, r, "已审核通过并公布", func(a *org.Actor, id int64) error {
		_, err := s.Commitment.ApproveAndPublish(r.Context(), a, id, int(formInt(r, "version")))
		return err
	})
}

func (s *Server) commitmentReturnPost(w http.ResponseWriter, r *http.Request) {
	s.commitmentAct(w, r, "已退回修改", func(a *org.Actor, id int64) error {
		_, err := s.Commitment.Return(r.Context(), a, id, int(formInt(r, "version")), r.PostFormValue("reason"))
		return err
	})
}

func (s *Server) commitmentPublishPost(w http.ResponseWriter, r *http.Request) {
	s.commitmentAct(w, r, "已公布", func(a *org.Actor, id int64) error {
		_, err := s.Commitment.Publish(r.Context(), a, id)
		return err
	})
}

func (s *Server) commitmentReadOutPost(w http.ResponseWriter, r *http.Request) {
	s.commitmentAct(w, r, "已标记为在党员大会上宣读", func(a *org.Actor, id int64) error {
		_, err := s.Commitment.ReadOut(r.Context(), a, id, formInt(r, "meeting_id"))
		return err
	})
}

func (s *Server) commitmentConfirmPost(w http.ResponseWriter, r *http.Request) {
	s.commitmentAct(w, r, "已确认口头承诺", func(a *org.Actor, id int64) error {
		_, err := s.Commitment.Confirm(r.Context(), a, id)
		return err
	})
}

// ---- GET /commitments/{id}/diff ----

type diffField struct {
	Label   string
	Value   string
	Changed bool
}

type diffRow struct {
	Status string
	From   []diffField // nil when the item is new
	To     []diffField // nil when the item was removed
	Moved  string      // "2 → 3" when the item changed place
}

type headerChange struct {
	Label, From, To string
}

type diffData struct {
	C        commitment.Commitment
	From, To int
	Header   []headerChange
	Rows     []diffRow
	Changed  bool
	Versions []commitment.VersionInfo
}

var diffLabels = map[string]string{
	"title": "标题", "leading_cadre": "领导干部", "phone": "监督电话", "unit": "所在组织", "post": "工作岗位/职务",
	"category": "承诺类别", "content": "承诺事项", "measures": "措施", "deadline": "完成时限", "standard": "标准",
	"responsible": "承诺责任人", "tag": "对应标准",
}

func itemFields(it *commitment.Item, changed map[string]bool, lang string) []diffField {
	if it == nil {
		return nil
	}
	out := []diffField{}
	for _, f := range []struct{ name, value string }{{"category", it.Category}, {"content", it.Content}, {"measures", it.Measures},
		{"deadline", it.Deadline.String()}, {"standard", it.Standard}, {"responsible", it.Responsible}, {"tag", it.Tag}} {
		if f.value == "" && !changed[f.name] {
			continue
		}
		out = append(out, diffField{Label: translate(lang, diffLabels[f.name]), Value: f.value, Changed: changed[f.name]})
	}
	return out
}

func (s *Server) commitmentDiffPage(w http.ResponseWriter, r *http.Request) {
	a, id := s.actorID(w, r, "id")
	if a == nil {
		return
	}
	ctx := r.Context()
	c, err := s.Commitment.Get(ctx, a, id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	from, _ := strconv.Atoi(r.URL.Query().Get("from"))
	to, _ := strconv.Atoi(r.URL.Query().Get("to"))
	if to == 0 {
		to = c.Version
	}
	if from == 0 && to == c.Version {
		from = defaultDiffFrom(c)
	}
	df, err := s.Commitment.Diff(ctx, a, id, from, to)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	lang := langOf(r)
	d := diffData{C: c, From: df.From, To: df.To, Changed: df.Changed(), Versions: c.Versions}
	for _, h := range df.Header {
		d.Header = append(d.Header, headerChange{Label: translate(lang, diffLabels[h.Field]), From: h.From, To: h.To})
	}
	for _, it := range df.Items {
		changed := map[string]bool{}
		row := diffRow{Status: it.Status}
		for _, fc := range it.Fields {
			if fc.Field == "position" {
				row.Moved = fc.From + " → " + fc.To
				continue
			}
			changed[fc.Field] = true
		}
		row.From, row.To = itemFields(it.From, changed, lang), itemFields(it.To, changed, lang)
		d.Rows = append(d.Rows, row)
	}
	s.render(w, r, http.StatusOK, "commitment_diff", d)
}

// ---- GET /commitments/queue, POST /commitments/approve ----

type queueProblem struct {
	ID      int64
	Title   string
	Message string
}

type queueData struct {
	Campaign   campaign.Campaign
	Has        bool
	State      string
	UnitID     int64
	Units      []org.Unit
	Page       commitment.Page
	Pages      int
	Error      string
	Problems   []queueProblem
	Checked    map[int64]bool
	ProblemFor map[int64]string
	// OneStep: reviewers approve and publish at once (通过并公布); false
	// where the office keeps publishing a separate step.
	OneStep bool
	// AllChecked: 全选 without JavaScript (?all=1) ticks every row.
	AllChecked bool
}

func (s *Server) commitmentQueue(w http.ResponseWriter, r *http.Request) {
	s.showQueue(w, r, http.StatusOK, "", nil, nil)
}

func (s *Server) showQueue(w http.ResponseWriter, r *http.Request, code int, msg string, problems []commitment.BulkProblem, checked []int64) {
	a := s.actor(w, r)
	if a == nil {
		return
	}
	ctx := r.Context()
	campID := formInt(r, "campaign")
	c, ok, err := s.findCampaign(ctx, a, campID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d := queueData{Campaign: c, Has: ok, State: r.FormValue("state"), UnitID: formInt(r, "org"), Error: msg,
		Checked: map[int64]bool{}, ProblemFor: map[int64]string{}}
	if d.State != "done" && d.State != "publish" {
		d.State = "pending"
	}
	d.AllChecked = r.Method == http.MethodGet && r.FormValue("all") == "1"
	if ok {
		sep, err := s.Campaign.PublishSeparately(ctx, c.ID)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		d.OneStep = !sep
	}
	for _, id := range checked {
		d.Checked[id] = true
	}
	lang := langOf(r)
	for _, p := range problems {
		m := p.Message
		if lang == "en" && p.MsgEn != "" {
			m = p.MsgEn
		}
		d.ProblemFor[p.ID] = m
	}
	t, err := s.Org.Tree(ctx, a)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if ok {
		root, rootOK := t.ByID[c.UnitID]
		for _, u := range t.Writable(a) {
			if (u.Type == org.Branch || u.Type == org.GeneralBranch) && (!rootOK || u.Within(root.Path)) {
				d.Units = append(d.Units, u)
			}
		}
		page, _ := strconv.Atoi(r.FormValue("page"))
		if d.Page, err = s.Commitment.Queue(ctx, a, commitment.QueueFilter{CampaignID: c.ID, UnitID: d.UnitID, State: d.State, Page: page}); err != nil {
			s.fail(w, r, err)
			return
		}
		d.Pages = (d.Page.Total + d.Page.PerPage - 1) / d.Page.PerPage
	}
	for _, p := range problems {
		title := "#" + strconv.FormatInt(p.ID, 10)
		for _, c := range d.Page.Commitments {
			if c.ID == p.ID {
				title = c.Title
			}
		}
		d.Problems = append(d.Problems, queueProblem{ID: p.ID, Title: title, Message: d.ProblemFor[p.ID]})
	}
	s.render(w, r, code, "commitment_queue", d)
}

func (s *Server) commitmentApproveMany(w http.ResponseWriter, r *http.Request) {
	a := s.actor(w, r)
	if a == nil {
		return
	}
	if err := r.ParseForm(); err != nil {
		s.fail(w, r, apperr.New(apperr.Invalid, "提交的内容无法读取", "The form is unreadable"))
		return
	}
	var ids []int64
	for _, v := range r.PostForm["ids"] {
		if id, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64); err == nil && id > 0 {
			ids = append(ids, id)
		}
	}
	// A row's own button acts on that row alone; "publish" is 通过并公布.
	publish := r.PostFormValue("publish") != ""
	for _, name := range []string{"one", "one_publish"} {
		if v := r.PostFormValue(name); v != "" {
			ids, publish = nil, name == "one_publish"
			if id, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64); err == nil && id > 0 {
				ids = []int64{id}
			}
		}
	}
	var res commitment.BulkResult
	var err error
	if publish {
		res, err = s.Commitment.ApproveAndPublishMany(r.Context(), a, ids)
	} else {
		res, err = s.Commitment.ApproveMany(r.Context(), a, ids)
	}
	if err != nil {
		e := apperr.As(err)
		if e.Code == apperr.Invalid || e.Code == apperr.Conflict {
			s.showQueue(w, r, status(e.Code), errorText(err, langOf(r)), res.Problems, ids)
			return
		}
		s.fail(w, r, err)
		return
	}
	if publish {
		flash(w, fmt.Sprintf(translate(langOf(r), "已审核通过并公布 %d 份承诺"), len(res.Published)))
	} else {
		flash(w, fmt.Sprintf(translate(langOf(r), "已审核通过 %d 份承诺"), len(res.Approved)))
	}
	back := "/commitments/queue"
	if q := r.PostFormValue("back"); strings.HasPrefix(q, "?") {
		back += q
	}
	http.Redirect(w, r, back, http.StatusSeeOther)
}
