package main

import (
	"fmt"
	"slices"
	"time"
)

// count writes n with the noun in the number it takes ("1 entry",
// "2 entries", "0 entries"), so no summary line reads "1 problems".
func count(n int, one, many string) string {
	if n == 1 {
		return fmt.Sprintf("1 %s", one)
	}
	return fmt.Sprintf("%d %s", n, many)
}

// uniquePrefixes maps each id to its shortest prefix of at least min
// characters that no other id in ids shares, so a shortened id printed in
// a list still names one thing when typed back.
func uniquePrefixes(ids []string, least int) map[string]string {
	sorted := slices.Clone(ids)
	slices.Sort(sorted)
	common := func(a, b string) int {
		n := 0
		for n < len(a) && n < len(b) && a[n] == b[n] {
			n++
		}
		return n
	}
	out := make(map[string]string, len(ids))
	for i, id := range sorted {
		n := least
		if i > 0 {
			n = max(n, common(id, sorted[i-1])+1)
		}
		if i+1 < len(sorted) {
			n = max(n, common(id, sorted[i+1])+1)
		}
		out[id] = id[:min(n, len(id))]
	}
	return out
}

// stamp writes a time for people: UTC to the second, always in that one
// form, so a list never mixes "10:00:00Z" with "01:37:16.015474Z". JSON
// output keeps the full precision (evident.UTC).
func stamp(t time.Time) string {
	return t.UTC().Format("2006-01-02T15:04:05Z")
}
