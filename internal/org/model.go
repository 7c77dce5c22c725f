// Package org holds the organisation tree (党委 → 党总支 → 党支部 → 党小组,
// with 党组 beside it), members and their roster data, roles granted on
// subtrees, and liaison leaders (联系点). Authorization for everything
// scoped to the tree is decided here, so pages and API agree.
package org

import (
	"strings"

	"chuangzheng/internal/civil"
)

// UnitType is the kind of party organisation.
type UnitType string

// Unit types.
const (
	Committee     UnitType = "党委"
	GeneralBranch UnitType = "党总支"
	Branch        UnitType = "党支部"
	Group         UnitType = "党小组"
	LeadingGroup  UnitType = "党组" // a leadership body beside the tree
)

// UnitTypes lists the types in the order forms offer them.
var UnitTypes = []UnitType{Committee, GeneralBranch, Branch, Group, LeadingGroup}

// English name of a unit type.
func (t UnitType) English() string {
	switch t {
	case Committee:
		return "Party committee"
	case GeneralBranch:
		return "General branch"
	case Branch:
		return "Branch"
	case Group:
		return "Party group"
	case LeadingGroup:
		return "Leading party group"
	}
	return string(t)
}

// Valid reports whether t is a known type.
func (t UnitType) Valid() bool {
	for _, u := range UnitTypes {
		if u == t {
			return true
		}
	}
	return false
}

// rank orders types from the top of the tree down; a child must rank below
// its parent (a 党小组 cannot hold a 党支部). 党组 stands beside the tree.
func (t UnitType) rank() int {
	switch t {
	case Committee:
		return 1
	case GeneralBranch:
		return 2
	case Branch:
		return 3
	case Group:
		return 4
	case LeadingGroup:
		return 0
	}
	return 9
}

// CanHold reports whether a unit of type parent may have a child of type child.
func CanHold(parent, child UnitType) bool {
	if child == LeadingGroup {
		return parent == Committee || parent == LeadingGroup
	}
	if parent == LeadingGroup {
		return false
	}
	if child == Committee {
		return parent == Committee // 市委 → 县区委 → 机关党委
	}
	return child.rank() > parent.rank()
}

// Unit is one organisation in the tree.
type Unit struct {
	ID        int64    `json:"id"`
	ParentID  int64    `json:"parent"` // 0 for a root
	Name      string   `json:"name"`
	Type      UnitType `json:"type"`
	Path      string   `json:"-"` // "/1/4/9/": ids from the root down, itself included
	Depth     int      `json:"depth"`
	SortOrder int      `json:"sort_order"`
	ClosedAt  string   `json:"closed_at,omitempty"`
}

// Closed reports whether the unit has been closed (撤销).
func (u Unit) Closed() bool { return u.ClosedAt != "" }

// Within reports whether u is inside the subtree rooted at the unit with path root.
func (u Unit) Within(rootPath string) bool { return strings.HasPrefix(u.Path, rootPath) }

// Member categories (人员类别).
const (
	Full         = "正式"
	Probationary = "预备"
)

// Member is one party member as a roster holds them (党员花名册).
type Member struct {
	ID            int64      `json:"id"`
	UnitID        int64      `json:"unit_id"`
	Name          string     `json:"name"`                // 姓名
	Gender        string     `json:"gender"`              // 性别: 男/女
	IDNumber      string     `json:"id_number,omitempty"` // 公民身份号码
	Ethnicity     string     `json:"ethnicity,omitempty"` // 民族
	BirthDate     civil.Date `json:"birth_date"`          // 出生日期
	Education     string     `json:"education,omitempty"` // 学历
	Category      string     `json:"category"`            // 人员类别: 正式/预备
	JoinedDate    civil.Date `json:"joined_date"`         // 入党日期
	ConfirmedDate civil.Date `json:"confirmed_date"`      // 转正日期
	Retired       bool       `json:"retired"`             // 离退休
	NoPost        bool       `json:"no_post"`             // 无职党员
	Post          string     `json:"post,omitempty"`      // 工作岗位/职务
	Phone         string     `json:"phone,omitempty"`     // 联系电话
	Status        string     `json:"status"`              // 党籍状态
	Remarks       string     `json:"remarks,omitempty"`   // 备注
	Oral          bool       `json:"oral"`                // 可作口头承诺 (年老体弱、文化程度较低)
	Version       int        `json:"version"`
	UpdatedAt     string     `json:"updated_at"`

	// Filled when listing.
	UnitName   string `json:"unit_name,omitempty"`
	BranchID   int64  `json:"branch_id,omitempty"`
	BranchName string `json:"branch,omitempty"`
	GroupName  string `json:"group,omitempty"`
	Username   string `json:"username,omitempty"` // only for those allowed to see it

	May *MemberMay `json:"may,omitempty"` // what the reader may do with it (org may.go)
}

// Private clears the fields that only the member's own organisation may
// see (ID number, phone, birth date, remarks).
func (m *Member) Private() {
	m.IDNumber, m.Phone, m.Remarks = "", "", ""
	m.BirthDate = civil.Date{}
}

// Statuses a 党籍状态 field may hold.
var Statuses = []string{"正常", "停止党籍", "失联", "流动", "已转出", "已去世"}

// Role is a role granted on a subtree (or globally for Admin).
type Role string

// Roles.
const (
	RoleAdmin     Role = "admin"     // 系统管理员
	RoleOffice    Role = "office"    // 机关党委 / 创争办: the campaign office
	RoleLeader    Role = "leader"    // 领导小组成员
	RoleSuperior  Role = "superior"  // 上级党组织（如市创争办）: reads everything below its unit, acknowledges reports
	RoleSecretary Role = "secretary" // 支部书记
	RoleCommittee Role = "committee" // 支委委员
	RoleMember    Role = "member"    // 党员
)

// Roles lists the roles in order of reach.
var Roles = []Role{RoleAdmin, RoleSuperior, RoleOffice, RoleLeader, RoleSecretary, RoleCommittee, RoleMember}

// Chinese name of a role.
func (r Role) Chinese() string {
	switch r {
	case RoleAdmin:
		return "系统管理员"
	case RoleOffice:
		return "机关党委（创争办）"
	case RoleLeader:
		return "领导小组成员"
	case RoleSuperior:
		return "上级党组织"
	case RoleSecretary:
		return "支部书记"
	case RoleCommittee:
		return "支委委员"
	case RoleMember:
		return "党员"
	}
	return string(r)
}

// English name of a role.
func (r Role) English() string {
	switch r {
	case RoleAdmin:
		return "System administrator"
	case RoleOffice:
		return "Campaign office"
	case RoleLeader:
		return "Leadership group member"
	case RoleSuperior:
		return "Superior organisation"
	case RoleSecretary:
		return "Branch secretary"
	case RoleCommittee:
		return "Branch committee member"
	case RoleMember:
		return "Member"
	}
	return string(r)
}

// Valid reports whether r is a known role.
func (r Role) Valid() bool {
	for _, x := range Roles {
		if x == r {
			return true
		}
	}
	return false
}

// Grant is a role on a unit's subtree.
type Grant struct {
	ID       int64  `json:"id"`
	UserID   int64  `json:"user_id"`
	Username string `json:"username,omitempty"`
	Name     string `json:"name,omitempty"`
	Role     Role   `json:"role"`
	UnitID   int64  `json:"unit_id"` // 0 for a global grant (admin)
	UnitName string `json:"unit_name,omitempty"`
}

// Liaison is a leader's assignment to a unit (联系点).
type Liaison struct {
	ID         int64  `json:"id"`
	MemberID   int64  `json:"member_id"`
	Leader     string `json:"leader"`
	Title      string `json:"title"`
	UnitID     int64  `json:"unit_id"`
	UnitName   string `json:"unit"`
	StartedOn  string `json:"started_on,omitempty"`
	EndedOn    string `json:"ended_on,omitempty"`
	LeaderUser int64  `json:"-"`
}

// HistoryEntry is one change to a unit (renamed, moved, closed).
type HistoryEntry struct {
	At       string `json:"at"`
	ActorID  int64  `json:"actor_id"`
	Action   string `json:"action"`
	OldValue string `json:"old"`
	NewValue string `json:"new"`
}
