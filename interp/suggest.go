package interp

// Python's "Did you mean" for an undefined name (CPython: Lib/traceback.py,
// _compute_suggestion_error): the nearest name by an edit distance in
// which changing a letter's case costs half as much as any other edit.

import (
	"sort"
	"strings"
)

// The costs of CPython's edit distance.
const (
	moveCost = 2 // inserting, deleting or replacing a character
	caseCost = 1 // replacing a character by itself in another case
)

// suggestName returns the name among names nearest to wrong, or "" if
// none is near enough, as CPython chooses it.
func suggestName(wrong string, names []string) string {
	sort.Strings(names) // a fixed order for ties
	best, bestDistance := "", -1
	for _, name := range names {
		if name == wrong {
			continue
		}
		limit := (len(name) + len(wrong) + 3) * moveCost / 6
		if bestDistance >= 0 {
			limit = min(limit, bestDistance-1)
		}
		if d := editDistance(wrong, name); d <= limit {
			best, bestDistance = name, d
		}
	}
	return best
}

// editDistance is Levenshtein's distance with CPython's costs.
func editDistance(a, b string) int {
	row := make([]int, len(b)+1)
	for j := range row {
		row[j] = j * moveCost
	}
	for i := 1; i <= len(a); i++ {
		prev := row[0]
		row[0] = i * moveCost
		for j := 1; j <= len(b); j++ {
			sub := prev + substitutionCost(a[i-1], b[j-1])
			prev = row[j]
			row[j] = min(sub, row[j]+moveCost, row[j-1]+moveCost)
		}
	}
	return row[len(b)]
}

func substitutionCost(x, y byte) int {
	switch {
	case x == y:
		return 0
	case strings.EqualFold(string(x), string(y)):
		return caseCost
	}
	return moveCost
}
