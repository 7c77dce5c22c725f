package commitment

import (
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"chuangzheng/internal/apperr"
	"chuangzheng/internal/org"
)

// Limits of a commitment.
const (
	MaxItems       = 30
	MaxTitle       = 100
	MaxPhone       = 30
	MaxContent     = 500
	MaxMeasures    = 500
	MaxStandard    = 200
	MaxResponsible = 50
	MaxTotal       = 20000 // characters of the whole commitment
	MaxReason      = 500
	MaxCategories  = 30
	MaxCategory    = 20
	MaxBulk        = 200
)

// Input is what a form or the API gives to create or save a commitment.
type Input struct {
	CampaignID   int64  `json:"campaign_id,omitempty"` // create only
	Kind         Kind   `json:"kind,omitempty"`        // create only: branch or member
	UnitID       int64  `json:"unit_id,omitempty"`     // create a branch commitment: the branch
	MemberID     int64  `json:"member_id,omitempty"`   // create a member commitment (0: the actor's own)
	Title        string `json:"title"`
	LeadingCadre bool   `json:"leading_cadre"`        // 是否领导干部 (member)
	Phone        string `json:"phone"`                // 监督电话 (branch)
	MeetingID    int64  `json:"meeting_id,omitempty"` // oral commitment: the meeting it was made at
	Items        []Item `json:"items"`
	Version      int    `json:"version,omitempty"` // save: the version the user edited (0 = don't check)
	Submit       bool   `json:"submit,omitempty"`  // save and submit for review at once
}

func tooLong(s string, n int) bool { return utf8.RuneCountInString(s) > n }

func clean(s string) string {
	s = strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\x00", "")
	return strings.TrimSpace(s)
}

// check normalises in and validates it for a commitment of kind k in the
// campaign year, returning nil or an Invalid error naming the fields.
func check(in *Input, k Kind, year int, cats Categories) error {
	fe := apperr.FieldErrors{}
	in.Title = clean(in.Title)
	in.Phone = clean(in.Phone)
	if tooLong(in.Title, MaxTitle) {
		fe["title"] = apperr.Field("title", fmt.Sprintf("标题不能超过 %d 个字", MaxTitle), fmt.Sprintf("The title may have at most %d characters", MaxTitle))
	}
	if k != BranchKind {
		in.Phone = ""
	} else {
		in.LeadingCadre = false
	}
	if tooLong(in.Phone, MaxPhone) {
		fe["phone"] = apperr.Field("phone", fmt.Sprintf("监督电话不能超过 %d 个字符", MaxPhone), fmt.Sprintf("The supervision phone may have at most %d characters", MaxPhone))
	} else if in.Phone != "" {
		// Printed on the public board and its PDF: it must be a phone number.
		if ph, ok := org.NormPhone(in.Phone); ok {
			in.Phone = ph
		} else {
			fe["phone"] = apperr.Field("phone", "监督电话应为 11 位手机号或带区号的固定电话，如 13807330000 或 0731-28888888",
				"The supervision phone must be an 11-digit mobile or a landline with area code, e.g. 13807330000 or 0731-28888888")
		}
	}
	switch {
	case len(in.Items) == 0:
		fe["items"] = apperr.Field("items", "请至少填写一项承诺事项", "Add at least one commitment item")
	case len(in.Items) > MaxItems:
		fe["items"] = apperr.Field("items", fmt.Sprintf("承诺事项不能超过 %d 项（现有 %d 项）", MaxItems, len(in.Items)),
			fmt.Sprintf("A commitment may have at most %d items (this one has %d)", MaxItems, len(in.Items)))
	}
	offered := cats.For(k, in.LeadingCadre)
	tags := Tags(k)
	total := utf8.RuneCountInString(in.Title) + utf8.RuneCountInString(in.Phone)
	for i := range in.Items {
		if len(in.Items) > MaxItems {
			break
		}
		it := &in.Items[i]
		n := i + 1
		f := func(name string) string { return fmt.Sprintf("items.%d.%s", i, name) }
		it.Category, it.Content, it.Measures = clean(it.Category), clean(it.Content), clean(it.Measures)
		it.Standard, it.Responsible, it.Tag = clean(it.Standard), clean(it.Responsible), clean(it.Tag)
		for _, s := range []string{it.Category, it.Content, it.Measures, it.Standard, it.Responsible, it.Tag} {
			total += utf8.RuneCountInString(s)
		}
		ci := slices.IndexFunc(offered, func(c Category) bool { return c.Name == it.Category })
		switch {
		case it.Category == "":
			fe[f("category")] = apperr.Field(f("category"), fmt.Sprintf("第 %d 项：请选择承诺类别", n), fmt.Sprintf("Item %d: choose a category", n))
		case ci < 0:
			fe[f("category")] = apperr.Field(f("category"), fmt.Sprintf("第 %d 项：承诺类别“%s”不在本次活动的类别中", n, it.Category),
				fmt.Sprintf("Item %d: category %q is not offered by this campaign", n, it.Category))
		}
		switch {
		case it.Content == "":
			fe[f("content")] = apperr.Field(f("content"), fmt.Sprintf("第 %d 项：请填写承诺内容", n), fmt.Sprintf("Item %d: write what you commit to", n))
		case tooLong(it.Content, MaxContent):
			fe[f("content")] = apperr.Field(f("content"), fmt.Sprintf("第 %d 项：承诺内容不能超过 %d 个字", n, MaxContent),
				fmt.Sprintf("Item %d: the content may have at most %d characters", n, MaxContent))
		}
		if tooLong(it.Measures, MaxMeasures) {
			fe[f("measures")] = apperr.Field(f("measures"), fmt.Sprintf("第 %d 项：措施不能超过 %d 个字", n, MaxMeasures),
				fmt.Sprintf("Item %d: the measures may have at most %d characters", n, MaxMeasures))
		}
		if tooLong(it.Standard, MaxStandard) {
			fe[f("standard")] = apperr.Field(f("standard"), fmt.Sprintf("第 %d 项：标准不能超过 %d 个字", n, MaxStandard),
				fmt.Sprintf("Item %d: the standard may have at most %d characters", n, MaxStandard))
		}
		if tooLong(it.Responsible, MaxResponsible) {
			fe[f("responsible")] = apperr.Field(f("responsible"), fmt.Sprintf("第 %d 项：责任人不能超过 %d 个字", n, MaxResponsible),
				fmt.Sprintf("Item %d: the responsible person may have at most %d characters", n, MaxResponsible))
		}
		if it.Tag != "" && !slices.Contains(tags, it.Tag) {
			fe[f("tag")] = apperr.Field(f("tag"), fmt.Sprintf("第 %d 项：标签应为：%s", n, strings.Join(tags, "、")),
				fmt.Sprintf("Item %d: the tag must be one of %s", n, strings.Join(tags, ", ")))
		}
		switch {
		case it.Deadline.IsZero():
			if ci >= 0 && offered[ci].DeadlineRequired() {
				fe[f("deadline")] = apperr.Field(f("deadline"), fmt.Sprintf("第 %d 项：请填写完成时限（只有品行承诺可以不填）", n),
					fmt.Sprintf("Item %d: give a deadline (only pledges of conduct may have none)", n))
			}
		case !it.Deadline.Valid() || it.Deadline.Y != year:
			fe[f("deadline")] = apperr.Field(f("deadline"), fmt.Sprintf("第 %d 项：完成时限应在 %d 年内", n, year),
				fmt.Sprintf("Item %d: the deadline must fall within %d", n, year))
		}
	}
	if total > MaxTotal {
		fe["items"] = apperr.Field("items", fmt.Sprintf("承诺书全文不能超过 %d 个字（现有 %d 字）", MaxTotal, total),
			fmt.Sprintf("The whole commitment may have at most %d characters (this one has %d)", MaxTotal, total))
	}
	switch len(fe) {
	case 0:
		return nil
	case 1:
		for _, e := range fe {
			return e
		}
	}
	return fe.Err()
}

// checkCategories validates a campaign's category lists.
func checkCategories(c *Categories) error {
	for _, l := range []struct {
		field, zh, en string
		list          *[]Category
	}{{"branch", "支部承诺类别", "branch categories", &c.Branch}, {"member", "党员承诺类别", "member categories", &c.Member}, {"cadre", "领导干部承诺类别", "leading-cadre categories", &c.Cadre}} {
		seen := map[string]bool{}
		if len(*l.list) > MaxCategories {
			return apperr.Field(l.field, fmt.Sprintf("%s不能超过 %d 个", l.zh, MaxCategories), fmt.Sprintf("At most %d %s", MaxCategories, l.en))
		}
		if l.field != "cadre" && len(*l.list) == 0 {
			return apperr.Field(l.field, "请至少设置一个"+l.zh, "Give at least one of the "+l.en)
		}
		for i := range *l.list {
			cat := &(*l.list)[i]
			cat.Name = clean(cat.Name)
			switch {
			case cat.Name == "":
				return apperr.Field(l.field, l.zh+"的名称不能为空", "A name in the "+l.en+" is empty")
			case tooLong(cat.Name, MaxCategory):
				return apperr.Field(l.field, fmt.Sprintf("%s的名称不能超过 %d 个字", l.zh, MaxCategory), fmt.Sprintf("Names in the %s may have at most %d characters", l.en, MaxCategory))
			case seen[cat.Name]:
				return apperr.Field(l.field, fmt.Sprintf("%s“%s”重复", l.zh, cat.Name), fmt.Sprintf("%q appears twice in the %s", cat.Name, l.en))
			}
			seen[cat.Name] = true
		}
	}
	return nil
}
