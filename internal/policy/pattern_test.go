package policy

import "testing"

// oracle matches like match, by dynamic programming over bytes:
// ok[j] reports whether the pattern so far matches name[:j].
func oracle(pattern, name string) bool {
	ok := make([]bool, len(name)+1)
	ok[0] = true
	for i := 0; i < len(pattern); i++ {
		next := make([]bool, len(name)+1)
		for j := range next {
			if pattern[i] == '*' {
				next[j] = ok[j] || j > 0 && next[j-1]
			} else {
				next[j] = j > 0 && ok[j-1] && name[j-1] == pattern[i]
			}
		}
		ok = next
	}
	return ok[len(name)]
}

func TestMatchAgreesWithOracle(t *testing.T) {
	patterns := []string{"", "*", "a", "a*", "*a", "*a*", "a*b", "ab*ba", "a*b*c", "*-coder-*", "**", "a**b", "*.*", "x*x*x", "*ab*ba*", "x*ab*ab*y"}
	names := []string{"", "a", "b", "ab", "ba", "aba", "abba", "abc", "aXbYc", "acb", "qwen-coder-7b", "-coder-", "a.b", "xx", "xxx", "xxxx", "*", "a*b", "xaby", "xababy", "abba", "abXba"}
	for _, p := range patterns {
		for _, n := range names {
			if got, want := match(p, n), oracle(p, n); got != want {
				t.Errorf("match(%q, %q) = %v, want %v", p, n, got, want)
			}
		}
	}
}

// FuzzMatch checks the pattern matcher against a simple dynamic-programming matcher, and the
// soundness of Subset for patterns: when a parent pattern covers a child
// pattern, every name the child matches, the parent matches too.
func FuzzMatch(f *testing.F) {
	f.Add("llama3.1-*", "llama3.1-8b", "llama3.1-8b-*")
	f.Add("*-coder-*", "qwen2.5-coder-14b", "qwen2.5-coder-*")
	f.Add("a*b*c", "aXbYc", "a*bb*c")
	f.Fuzz(func(t *testing.T, pattern, name, child string) {
		if len(pattern) > 64 || len(name) > 256 || len(child) > 64 {
			return
		}
		if got, want := match(pattern, name), oracle(pattern, name); got != want {
			t.Fatalf("match(%q, %q) = %v, oracle says %v", pattern, name, got, want)
		}
		// Subset's test for patterns: parent covers child when it matches
		// child's text. Then whatever child matches, parent matches.
		if match(pattern, child) && match(child, name) && !match(pattern, name) {
			t.Fatalf("%q covers %q, which matches %q, but %q does not", pattern, child, name, pattern)
		}
	})
}
