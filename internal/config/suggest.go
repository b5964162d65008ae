package config

import (
	"fmt"
	"strings"
)

// unknownFieldMsg reports an unknown field, suggesting the closest known one.
func unknownFieldMsg(name string, known []string) string {
	msg := fmt.Sprintf("unknown field %s", quote(name))
	norm := normalizeKey(name)
	for _, k := range known {
		if k == "api_key_env" && (norm == "api_key" || norm == "apikey" || norm == "key") {
			return msg + ": secrets are not written in the file; put the key in an environment variable and name that variable in api_key_env"
		}
	}
	if s := closest(norm, known); s != "" {
		return fmt.Sprintf("%s (did you mean %q?)", msg, s)
	}
	return fmt.Sprintf("%s (known fields: %s)", msg, strings.Join(known, ", "))
}

func normalizeKey(s string) string {
	return strings.ReplaceAll(strings.ToLower(s), "-", "_")
}

// closest returns the candidate nearest to name by edit distance, or "" if none
// is near enough to be a likely typo.
func closest(name string, candidates []string) string {
	if len(name) > 64 {
		return ""
	}
	best, bestDist := "", max(2, len(name)/3)+1
	for _, c := range candidates {
		if d := editDistance(name, c); d < bestDist {
			best, bestDist = c, d
		}
	}
	return best
}

// editDistance is the Levenshtein distance between a and b, counted in bytes.
func editDistance(a, b string) int {
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
