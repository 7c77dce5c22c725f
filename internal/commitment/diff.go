package commitment

import (
	"encoding/json"
	"strconv"
)

// Diff is the difference between two versions of a commitment, for a
// side-by-side view: the header fields that changed and every item, matched
// across versions by its key.
type Diff struct {
	From   int           `json:"from"`
	To     int           `json:"to"`
	Header []FieldChange `json:"header"`
	Items  []ItemDiff    `json:"items"`
}

// FieldChange is one field that differs.
type FieldChange struct {
	Field string `json:"field"`
	From  string `json:"from"`
	To    string `json:"to"`
}

// Item statuses in a diff.
const (
	ItemAdded   = "added"
	ItemRemoved = "removed"
	ItemChanged = "changed"
	ItemSame    = "same"
)

// ItemDiff is one item on either side: added, removed, changed (with the
// fields that changed) or the same.
type ItemDiff struct {
	Key    int           `json:"key"`
	Status string        `json:"status"`
	From   *Item         `json:"from,omitempty"`
	To     *Item         `json:"to,omitempty"`
	Fields []FieldChange `json:"fields,omitempty"`
}

// Changed reports whether anything differs.
func (d Diff) Changed() bool {
	if len(d.Header) > 0 {
		return true
	}
	for _, it := range d.Items {
		if it.Status != ItemSame {
			return true
		}
	}
	return false
}

func boolText(b bool) string {
	if b {
		return "是"
	}
	return "否"
}

// DiffBodies compares two version bodies. Items of b come in b's order,
// items only in a follow, marked removed.
func DiffBodies(a, b Body) Diff {
	var d Diff
	field := func(name, x, y string, into *[]FieldChange) {
		if x != y {
			*into = append(*into, FieldChange{Field: name, From: x, To: y})
		}
	}
	field("title", a.Title, b.Title, &d.Header)
	field("leading_cadre", boolText(a.LeadingCadre), boolText(b.LeadingCadre), &d.Header)
	field("phone", a.Phone, b.Phone, &d.Header)
	field("unit", a.UnitName, b.UnitName, &d.Header)
	field("post", a.Post, b.Post, &d.Header)
	old := map[int]int{}
	for i, it := range a.Items {
		old[it.Key] = i
	}
	matched := map[int]bool{}
	for i := range b.Items {
		to := b.Items[i]
		j, ok := old[to.Key]
		if !ok || to.Key == 0 {
			d.Items = append(d.Items, ItemDiff{Key: to.Key, Status: ItemAdded, To: &to})
			continue
		}
		matched[j] = true
		from := a.Items[j]
		var fs []FieldChange
		field("category", from.Category, to.Category, &fs)
		field("content", from.Content, to.Content, &fs)
		field("measures", from.Measures, to.Measures, &fs)
		field("deadline", from.Deadline.String(), to.Deadline.String(), &fs)
		field("standard", from.Standard, to.Standard, &fs)
		field("responsible", from.Responsible, to.Responsible, &fs)
		field("tag", from.Tag, to.Tag, &fs)
		if j != i {
			field("position", strconv.Itoa(j+1), strconv.Itoa(i+1), &fs)
		}
		st := ItemSame
		if len(fs) > 0 {
			st = ItemChanged
		}
		d.Items = append(d.Items, ItemDiff{Key: to.Key, Status: st, From: &from, To: &to, Fields: fs})
	}
	for j := range a.Items {
		if !matched[j] {
			from := a.Items[j]
			d.Items = append(d.Items, ItemDiff{Key: from.Key, Status: ItemRemoved, From: &from})
		}
	}
	return d
}

func jsonString(v any) (string, error) {
	b, err := json.Marshal(v)
	return string(b), err
}
