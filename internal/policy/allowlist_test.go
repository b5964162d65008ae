package policy

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

func mustGroups(t testing.TB, m map[string][]string) *Groups {
	t.Helper()
	g, err := NewGroups(m)
	if err != nil {
		t.Fatalf("NewGroups: %v", err)
	}
	return g
}

func mustParse(t testing.TB, g *Groups, entries ...string) Allowlist {
	t.Helper()
	a, err := g.Parse(entries)
	if err != nil {
		t.Fatalf("Parse(%q): %v", entries, err)
	}
	return a
}

var testGroups = map[string][]string{
	"small":  {"llama3.2-3b", "qwen2.5-7b"},
	"coders": {"*-coder-*", "codellama"},
}

func TestAllowlistMatching(t *testing.T) {
	g := mustGroups(t, testGroups)
	tests := []struct {
		name    string
		entries []string
		allow   []string
		deny    []string
	}{
		{"empty list allows all", nil, []string{"llama3", "", "anything/at:all"}, nil},
		{"star allows all", []string{"*"}, []string{"llama3", "x"}, nil},
		{"star among names allows all", []string{"llama3", "*"}, []string{"qwen"}, nil},
		{"exact names", []string{"llama3.1-8b", "qwen2.5-coder-14b"},
			[]string{"llama3.1-8b", "qwen2.5-coder-14b"},
			[]string{"llama3.1-70b", "llama3.1-8b ", "LLAMA3.1-8B", "llama3.1-8", "llama3.1-8bb", "", "qwen2.5-coder-14b:latest"}},
		{"trailing pattern", []string{"llama3.1-*"},
			[]string{"llama3.1-8b", "llama3.1-70b-instruct", "llama3.1-"},
			[]string{"llama3.1", "llama3.2-3b", "xllama3.1-8b"}},
		{"pattern in the middle", []string{"*-coder-*"},
			[]string{"qwen2.5-coder-14b", "deepseek-coder-v2-lite", "--coder--", "a-coder-b-coder-c"},
			[]string{"coder-14b", "qwen2.5-coder", "qwen2.5-coders-14b"}},
		{"leading pattern", []string{"*:latest"}, []string{"llama3:latest", ":latest"}, []string{"llama3", "llama3:latest2"}},
		{"inner pattern", []string{"meta-llama/*-Instruct"},
			[]string{"meta-llama/Meta-Llama-3-8B-Instruct", "meta-llama/-Instruct"},
			[]string{"meta-llama/Meta-Llama-3-8B", "meta-llama-Instruct"}},
		{"prefix and suffix may not overlap", []string{"ab*ba"}, []string{"abba", "ab-ba", "abXba"}, []string{"aba", "ab", "ba"}},
		{"several stars", []string{"a*b*c*d"}, []string{"abcd", "aXbYcZd", "abcbcd", "acbcd"}, []string{"abdc", "acd", "abc"}},
		{"group by bare name", []string{"small"},
			[]string{"llama3.2-3b", "qwen2.5-7b"},
			[]string{"small", "llama3.1-8b"}},
		{"group by @name", []string{"@small"}, []string{"qwen2.5-7b"}, []string{"@small", "qwen2.5-14b"}},
		{"group with patterns", []string{"coders"},
			[]string{"codellama", "qwen2.5-coder-14b"},
			[]string{"codellama:7b", "coders"}},
		{"group and names", []string{"small", "mistral"},
			[]string{"llama3.2-3b", "mistral"},
			[]string{"mistral-nemo"}},
		{"duplicates are harmless", []string{"a", "a", "a*", "a*"}, []string{"a", "ab"}, []string{"b"}},
		{"other characters are literal", []string{"qwen?.5", "[a]"}, []string{"qwen?.5", "[a]"}, []string{"qwen2.5", "a"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := mustParse(t, g, tt.entries...)
			for _, m := range tt.allow {
				if !a.Allows(m) {
					t.Errorf("%v does not allow %q", tt.entries, m)
				}
			}
			for _, m := range tt.deny {
				if a.Allows(m) {
					t.Errorf("%v allows %q", tt.entries, m)
				}
			}
		})
	}
}

func TestGroupOfEverything(t *testing.T) {
	g := mustGroups(t, map[string][]string{"any": {"*"}})
	if a := mustParse(t, g, "any"); !a.All() || !a.Allows("whatever") {
		t.Errorf("a group holding \"*\" should allow every model, got %v", a)
	}
}

func TestZeroAllowlistAllowsAll(t *testing.T) {
	var a Allowlist
	if !a.All() || !a.Allows("llama3") || a.String() != "*" || a.Entries() != nil {
		t.Errorf("zero Allowlist: All=%v String=%q Entries=%v", a.All(), a.String(), a.Entries())
	}
	b := mustParse(t, nil, "b", "a*")
	if b.All() || b.String() != "b, a*" || !slices.Equal(b.Entries(), []string{"b", "a*"}) {
		t.Errorf("restricted: All=%v String=%q Entries=%v", b.All(), b.String(), b.Entries())
	}
	b.Entries()[0] = "changed"
	if !b.Allows("b") || b.Entries()[0] != "b" {
		t.Error("changing Entries' result changed the allowlist")
	}
}

func TestParseDoesNotKeepTheCallersSlices(t *testing.T) {
	entries := []string{"llama3"}
	groups := map[string][]string{"g": {"qwen"}}
	g := mustGroups(t, groups)
	a := mustParse(t, g, entries...)
	entries[0] = "mistral"
	groups["g"][0] = "mistral"
	if !a.Allows("llama3") || a.Allows("mistral") {
		t.Error("the allowlist changed with the caller's slice")
	}
	if b := mustParse(t, g, "g"); !b.Allows("qwen") || b.Allows("mistral") {
		t.Error("the group changed with the caller's map")
	}
}

func TestParseErrors(t *testing.T) {
	g := mustGroups(t, testGroups)
	tests := []struct {
		name    string
		entries []string
		want    string
		index   int
	}{
		{"empty entry", []string{"llama3", ""}, "empty entry in models (position 2)", 1},
		{"double star", []string{"llama**"}, `bad pattern "llama**" in models: write a single "*"`, 0},
		{"space", []string{"llama 3"}, `bad model name "llama 3" in models: no spaces or control characters`, 0},
		{"newline", []string{"a\nb"}, `bad model name "a\nb" in models`, 0},
		{"invalid utf-8", []string{"a\xffb"}, `bad model name "a\xffb" in models`, 0},
		{"too long", []string{strings.Repeat("m", MaxEntryLen+1)}, `entry too long "mmmm`, 0},
		{"unknown @group", []string{"small", "@big"}, `unknown model group "@big" in models: configured groups: coders, small`, 1},
		{"@@", []string{"@@small"}, `unknown model group "@@small" in models`, 0},
		{"too many", make([]string, MaxEntries+1), "too many entries in models (position 1025): at most 1024", MaxEntries},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := g.Parse(tt.entries)
			var ee *EntryError
			if !errors.As(err, &ee) {
				t.Fatalf("Parse(%q) = %v, want an *EntryError", tt.entries, err)
			}
			if !strings.HasPrefix(err.Error(), tt.want) {
				t.Errorf("error %q, want prefix %q", err, tt.want)
			}
			if ee.Index != tt.index {
				t.Errorf("Index = %d, want %d", ee.Index, tt.index)
			}
		})
	}
	if _, err := ParseAllowlist([]string{"@small"}); err == nil || !strings.Contains(err.Error(), "no model groups are configured") {
		t.Errorf("ParseAllowlist without groups: %v", err)
	}
	if a, err := ParseAllowlist([]string{"small"}); err != nil || !a.Allows("small") || a.Allows("qwen2.5-7b") {
		t.Errorf("without groups, a bare name is a model name: %v %v", a, err)
	}
}

func TestNewGroupsErrors(t *testing.T) {
	tests := []struct {
		name   string
		groups map[string][]string
		want   string
	}{
		{"bad name", map[string][]string{"my group": {"a"}}, `model group name "my group": must be 1 to 64`},
		{"star in name", map[string][]string{"big*": {"a"}}, `model group name "big*"`},
		{"empty name", map[string][]string{"": {"a"}}, `model group name ""`},
		{"empty group", map[string][]string{"small": {}}, `model group "small" must list at least one model`},
		{"empty entry", map[string][]string{"small": {"a", ""}}, `empty entry in model group "small" (position 2)`},
		{"bad pattern", map[string][]string{"small": {"a**"}}, `bad pattern "a**" in model group "small": write a single "*"`},
		{"group in group", map[string][]string{"small": {"a"}, "all": {"small", "b"}}, `entry "small" in model group "all" names a group: a group may not name another group`},
		{"@group in group", map[string][]string{"all": {"@small"}}, `entry "@small" in model group "all" names a group`},
		{"self reference", map[string][]string{"g": {"g"}}, `entry "g" in model group "g" names a group`},
		{"too many", map[string][]string{"g": make([]string, MaxEntries+1)}, `model group "g" has more than 1024 entries`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g, err := NewGroups(tt.groups)
			if err == nil || g != nil {
				t.Fatalf("NewGroups = %v, %v; want an error", g, err)
			}
			if !strings.HasPrefix(err.Error(), tt.want) {
				t.Errorf("error %q, want prefix %q", err, tt.want)
			}
		})
	}
}

func TestValidate(t *testing.T) {
	g := mustGroups(t, testGroups)
	known := func(m string) bool { return m == "llama3.1-8b" || m == "qwen2.5-coder-14b" }
	tests := []struct {
		name    string
		entries []string
		want    string // "" for no error
	}{
		{"known names", []string{"llama3.1-8b", "qwen2.5-coder-14b"}, ""},
		{"patterns need not match anything yet", []string{"mixtral-*"}, ""},
		{"groups", []string{"small", "@coders"}, ""},
		{"all", []string{"*"}, ""},
		{"empty", nil, ""},
		{"typo", []string{"llama3.1-8b", "llama3.1-8bb"}, `unknown model "llama3.1-8bb" in models`},
		{"misspelt bare group is an unknown model", []string{"smal"}, `unknown model "smal" in models`},
		{"misspelt @group", []string{"@smal"}, `unknown model group "@smal" in models`},
		{"parse errors come first", []string{"nope", "a**"}, `bad pattern "a**" in models`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := g.Validate(tt.entries, known)
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("Validate(%q) = %v", tt.entries, err)
			case tt.want != "" && (err == nil || !strings.HasPrefix(err.Error(), tt.want)):
				t.Errorf("Validate(%q) = %v, want %q", tt.entries, err, tt.want)
			}
		})
	}
	if err := g.Validate([]string{"anything"}, nil); err != nil {
		t.Errorf("Validate with nil knownModels = %v", err)
	}
}

func TestGroupNameWinsOverModelName(t *testing.T) {
	g := mustGroups(t, map[string][]string{"llama3": {"llama3:8b"}})
	a := mustParse(t, g, "llama3")
	if a.Allows("llama3") || !a.Allows("llama3:8b") {
		t.Error(`a bare name that is a group's name should mean the group`)
	}
}

// FuzzAllowlist parses comma-separated entries as a request's models list would
// bring them: it must never panic, and a list it accepts allows each of its
// plain model names (those that are not groups).
func FuzzAllowlist(f *testing.F) {
	f.Add("llama3.1-8b,qwen2.5-coder-*,small")
	f.Add("@coders,*")
	f.Add(",a**,@nope")
	g := mustGroups(f, testGroups)
	f.Fuzz(func(t *testing.T, list string) {
		entries := strings.Split(list, ",")
		a, err := g.Parse(entries)
		if err != nil {
			var ee *EntryError
			if !errors.As(err, &ee) || ee.Index < 0 || ee.Index >= len(entries) && ee.Index != MaxEntries {
				t.Fatalf("Parse(%q): bad error %v", entries, err)
			}
			return
		}
		for _, e := range entries {
			if _, isGroup, _ := g.lookup(e); !isGroup && !a.Allows(e) {
				t.Fatalf("Parse(%q) does not allow its own entry %q", entries, e)
			}
		}
	})
}
