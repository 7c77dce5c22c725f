package roster

import (
	"strings"
	"unicode"
)

// branchPrefixes and branchSuffixes are stripped before comparing branch
// names, longest first.
var (
	branchPrefixes = []string{"中国共产党", "中共"}
	branchSuffixes = []string{
		"党总支部委员会", "党支部委员会", "总支部委员会", "支部委员会", "党总支部", "党委员会",
		"委员会", "党总支", "总支部", "党支部", "党委", "总支", "支部", "党小组",
	}
)

// normBranch reduces a branch name to its distinctive core: full-width
// folded, spaces and punctuation dropped, 中共 and 党支部/支部/委员会…
// suffixes removed. "中共市渔场支部委员会" → "市渔场".
func normBranch(s string) string {
	t := cleanBranch(s)
	for changed := true; changed; {
		changed = false
		for _, suf := range branchSuffixes {
			if strings.HasSuffix(t, suf) && len(t) > len(suf) {
				t = strings.TrimSuffix(t, suf)
				changed = true
				break
			}
		}
	}
	return t
}

// cleanBranch is normBranch without removing suffixes.
func cleanBranch(s string) string {
	s = foldWidth(s)
	var b strings.Builder
	for _, r := range s {
		if unicode.IsSpace(r) || unicode.IsPunct(r) || isInvisible(r) {
			continue
		}
		b.WriteRune(unicode.ToLower(r))
	}
	t := b.String()
	for _, p := range branchPrefixes {
		if strings.HasPrefix(t, p) && len(t) > len(p) {
			t = strings.TrimPrefix(t, p)
			break
		}
	}
	return t
}

// Suggest finds the candidate branch name that name most likely means, for
// a "did you mean …?" hint when a roster names a branch that does not exist
// exactly. Names are compared after normalisation (full-width folded,
// spaces removed, 中共 prefix and 党支部/支部/委员会 suffixes stripped); then
// an exact match, a substring match (at least two characters) or a small
// edit distance on runes counts. It returns false if nothing is close
// enough or if two different candidates are equally close.
//
//	Suggest("渔场支部", []string{"机关支部", "市渔场"})      // "市渔场", true
//	Suggest("机关党支部", []string{"机关支部", "市渔场"})    // "机关支部", true
//	Suggest("水科所", []string{"市水科所支部", "机关支部"}) // "市水科所支部", true
func Suggest(name string, candidates []string) (string, bool) {
	n := []rune(normBranch(name))
	if len(n) == 0 {
		return "", false
	}
	best, bestScore, tie := "", 1e9, false
	for _, c := range candidates {
		cn := []rune(normBranch(c))
		if len(cn) == 0 {
			continue
		}
		score, ok := branchScore(n, cn)
		if !ok {
			continue
		}
		switch {
		case score < bestScore:
			best, bestScore, tie = c, score, false
		case score == bestScore && normBranch(c) != normBranch(best):
			tie = true
		}
	}
	if best == "" || tie {
		return "", false
	}
	return best, true
}

// branchScore rates how well two normalised names match; lower is better.
// Exact: 0. Substring: in (0, 1), closer to 0 when the lengths are similar.
// Edit distance d (allowed up to a third of the longer name, at least 1):
// 1 + d.
func branchScore(a, b []rune) (float64, bool) {
	if string(a) == string(b) {
		return 0, true
	}
	short, long := a, b
	if len(short) > len(long) {
		short, long = long, short
	}
	if len(short) >= 2 && strings.Contains(string(long), string(short)) {
		return 1 - float64(len(short))/float64(len(long)), true
	}
	d := editDistance(a, b)
	limit := len(long) / 3
	if limit < 1 {
		limit = 1
	}
	if d <= limit && d < len(short) {
		return 1 + float64(d), true
	}
	return 0, false
}

// editDistance is the Levenshtein distance between two rune slices.
func editDistance(a, b []rune) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
