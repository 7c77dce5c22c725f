package roster

import (
	"sort"
	"strings"
)

// UnitRef is a unit that a roster row may name in its 所在支部 or 党小组
// column.
type UnitRef struct {
	ID      int64
	Name    string
	Parents []string // names of the unit's ancestors, root first
	Aliases []string // other names the office writes for it
}

// Match is what a written unit name means.
type Match struct {
	Unit       UnitRef   // the unit, when Found
	Found      bool      // exactly one unit matches
	Ambiguous  []UnitRef // several units match equally (the name needs its parent's name)
	Suggestion string    // for a near miss: the unit name the office probably meant
}

// Matcher matches unit names as offices write them: the unit's name or one
// of its aliases, with or without the usual prefixes and suffixes (中共 …
// 党支部, 支部, 党总支, 党小组, 委员会), with any of its ancestors' names in
// front ("市农业农村局市渔场党支部"), full-width and half-width forms and
// spaces ignored. The zero value matches nothing.
type Matcher struct {
	units   []UnitRef
	keys    map[string][]int // normalised name or alias -> units
	parents [][]string       // per unit, normalised forms of its ancestors' names, longest first
	cands   []string         // names and aliases, for suggestions
	candOf  map[string]int   // candidate -> unit
	cache   map[string]Match
}

// NewMatcher prepares a matcher over units.
func NewMatcher(units []UnitRef) *Matcher {
	m := &Matcher{units: units, keys: map[string][]int{}, candOf: map[string]int{}, cache: map[string]Match{}}
	m.parents = make([][]string, len(units))
	for i, u := range units {
		seen := map[string]bool{}
		for _, n := range append([]string{u.Name}, u.Aliases...) {
			k := normBranch(n)
			if k == "" || seen[k] {
				continue
			}
			seen[k] = true
			m.keys[k] = append(m.keys[k], i)
			if _, dup := m.candOf[n]; !dup {
				m.cands = append(m.cands, n)
				m.candOf[n] = i
			}
		}
		pseen := map[string]bool{}
		for _, p := range u.Parents {
			for _, k := range parentForms(p) {
				if k != "" && !pseen[k] {
					pseen[k] = true
					m.parents[i] = append(m.parents[i], k)
				}
			}
		}
		sort.Slice(m.parents[i], func(a, b int) bool { return len(m.parents[i][a]) > len(m.parents[i][b]) })
	}
	return m
}

// parentForms are the ways an ancestor's name appears in front of a unit's
// name: normalised, and without a trailing 机关 or 党组 ("中共市农业农村局机关
// 委员会" → "市农业农村局机关", "市农业农村局").
func parentForms(name string) []string {
	k := normBranch(name)
	out := []string{k}
	if c := cleanBranch(name); c != k {
		out = append(out, c)
	}
	for _, suf := range []string{"机关", "党组"} {
		if t := strings.TrimSuffix(k, suf); t != k && t != "" {
			out = append(out, t)
		}
	}
	return out
}

// Match finds the unit a written name means.
func (m *Matcher) Match(written string) Match {
	if m == nil {
		return Match{}
	}
	if r, ok := m.cache[written]; ok {
		return r
	}
	r := m.match(written)
	m.cache[written] = r
	return r
}

func (m *Matcher) match(written string) Match {
	w := normBranch(written)
	if w == "" {
		return Match{}
	}
	hits := map[int]bool{}
	for _, i := range m.keys[w] {
		hits[i] = true
	}
	if len(hits) != 1 {
		// The parents' names in front: strip them (any number, any order of
		// nesting) and compare what is left with the unit's own names.
		for i := range m.units {
			if m.prefixed(i, w) {
				hits[i] = true
			}
		}
		// A unit named with its parent in front wins over one that matched
		// only by its bare name if that resolves the ambiguity.
		if len(hits) > 1 {
			pref := map[int]bool{}
			for i := range hits {
				if m.prefixed(i, w) {
					pref[i] = true
				}
			}
			if len(pref) == 1 {
				hits = pref
			}
		}
	}
	switch len(hits) {
	case 1:
		for i := range hits {
			return Match{Unit: m.units[i], Found: true}
		}
	case 0:
		if s, ok := Suggest(written, m.cands); ok {
			return Match{Suggestion: m.units[m.candOf[s]].Name}
		}
		return Match{}
	}
	var amb []UnitRef
	for i := range hits {
		amb = append(amb, m.units[i])
	}
	sort.Slice(amb, func(a, b int) bool { return amb[a].ID < amb[b].ID })
	return Match{Ambiguous: amb}
}

// prefixed reports whether w is unit i's name with at least one of its
// ancestors' names in front.
func (m *Matcher) prefixed(i int, w string) bool {
	rest, stripped := w, false
	for changed := true; changed; {
		changed = false
		for _, p := range m.parents[i] {
			if len(rest) > len(p) && strings.HasPrefix(rest, p) {
				rest, stripped, changed = rest[len(p):], true, true
				break
			}
		}
		if stripped {
			for _, j := range m.keys[normBranch(rest)] {
				if j == i {
					return true
				}
			}
		}
	}
	return false
}

// Names returns the units' names, for messages listing what may be written.
func (m *Matcher) Names() []string {
	if m == nil {
		return nil
	}
	out := make([]string, len(m.units))
	for i, u := range m.units {
		out[i] = u.Name
	}
	return out
}

// NormUnitName is the form two unit names are compared in: full-width
// folded, spaces and punctuation dropped, 中共 and the usual suffixes
// (党支部, 支部, 党总支, 党小组, 委员会 …) removed. An alias is stored with it.
func NormUnitName(s string) string { return normBranch(s) }
