package config

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

func TestModelGroups(t *testing.T) {
	c := mustParse(t, `
model_groups:
  small: [llama3.2-3b, qwen2.5-7b]
  coders:
    - "*-coder-*"
    - codellama
  llama3.1: ["llama3.1-*"]
`)
	want := map[string][]string{
		"small":    {"llama3.2-3b", "qwen2.5-7b"},
		"coders":   {"*-coder-*", "codellama"},
		"llama3.1": {"llama3.1-*"},
	}
	if !reflect.DeepEqual(c.ModelGroups, want) {
		t.Errorf("model_groups = %v, want %v", c.ModelGroups, want)
	}
	if Default().ModelGroups != nil {
		t.Error("Default has model groups")
	}
	if c := mustParse(t, "model_groups:\n"); c.ModelGroups != nil {
		t.Errorf("an empty model_groups = %v, want none", c.ModelGroups)
	}
	if c := mustParse(t, "model_groups: {}\n"); len(c.ModelGroups) != 0 {
		t.Errorf("model_groups {} = %v, want none", c.ModelGroups)
	}
}

func TestModelGroupsWithConfiguredModels(t *testing.T) {
	c := mustParse(t, `
backends: [{name: a, url: "http://h:1"}]
models:
  - {name: llama3, backends: [a]}
  - {name: qwen2.5-7b, backends: [a]}
model_groups:
  small: [qwen2.5-7b, "llama*", "mistral-*"]
`)
	if got := c.ModelGroups["small"]; len(got) != 3 {
		t.Errorf("small = %v", got)
	}
}

func TestModelGroupErrors(t *testing.T) {
	const models = "backends: [{name: a, url: 'http://h:1'}]\nmodels:\n  - {name: llama3, backends: [a]}\n  - {name: qwen2.5-7b, backends: [a]}\n"
	tests := []struct {
		name string
		src  string
		want string
	}{
		{"not a mapping", "model_groups: [small]\n", `warden.yaml:1: model_groups: must be a mapping of names, got a list`},
		{"group not a list", "model_groups:\n  small: llama3\n", `warden.yaml:2: model_groups.small: must be a list, got "llama3"`},
		{"entry not a string", "model_groups:\n  small: [[a]]\n", `warden.yaml:2: model_groups.small[0]: must be a string, got a list`},
		{"name twice", "model_groups:\n  small: [a]\n  small: [b]\n", `warden.yaml:3: model_groups.small: set twice (first at line 2)`},
		{"name not a word", "model_groups:\n  ? [a]\n  : [b]\n", `warden.yaml:2: model_groups: names must be plain words, got a list`},
		{"merge key", "model_groups:\n  <<: {a: [b]}\n", `warden.yaml:2: model_groups: merge keys (<<) are not supported`},
		{"bad name", "model_groups:\n  my group: [a]\n", `warden.yaml:2: model_groups.my group: group name must be 1 to 64 letters, digits, "_", "-" and ".", got "my group"`},
		{"star in name", "model_groups:\n  'big*': [a]\n", `warden.yaml:2: model_groups.big*: group name must be`},
		{"name is a model", models + "model_groups:\n  llama3: [qwen2.5-7b]\n", `warden.yaml:6: model_groups.llama3: group name "llama3" is also a model's name (line 3)`},
		{"empty group", "model_groups:\n  small: []\n", `warden.yaml:2: model_groups.small: must list at least one model`},
		{"null group", "model_groups:\n  small:\n", `warden.yaml:2: model_groups.small: must list at least one model`},
		{"empty entry", "model_groups:\n  small: [a, '']\n", `warden.yaml:2: model_groups.small[1]: must not be empty`},
		{"entry with space", "model_groups:\n  small:\n    - a\n    - llama 3\n", `warden.yaml:4: model_groups.small[1]: must be a model name or pattern of at most 256 characters with no spaces`},
		{"entry too long", "model_groups:\n  small: [" + strings.Repeat("m", 257) + "]\n", `warden.yaml:2: model_groups.small[0]: must be a model name or pattern of at most 256`},
		{"double star", "model_groups:\n  small: ['llama**']\n", `warden.yaml:2: model_groups.small[0]: bad pattern "llama**": write a single "*"`},
		{"group in group", "model_groups:\n  small: [a]\n  all: [small]\n", `warden.yaml:3: model_groups.all[0]: "small" names a group: a group may not name another group`},
		{"@group in group", "model_groups:\n  all: ['@small']\n", `warden.yaml:2: model_groups.all[0]: "@small" names a group`},
		{"self reference", "model_groups:\n  g: [g]\n", `warden.yaml:2: model_groups.g[0]: "g" names a group`},
		{"listed twice", "model_groups:\n  small: [a, b, a]\n", `warden.yaml:2: model_groups.small[2]: "a" is listed twice`},
		{"unknown model, near", models + "model_groups:\n  small: [lama3]\n", `warden.yaml:6: model_groups.small[0]: unknown model "lama3" (did you mean "llama3"?)`},
		{"unknown model, far", models + "model_groups:\n  small: [mixtral]\n", `warden.yaml:6: model_groups.small[0]: unknown model "mixtral" (not in models; a pattern`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("warden.yaml", []byte(tt.src))
			var errs Errors
			if !errors.As(err, &errs) {
				t.Fatalf("Parse = %v, want Errors", err)
			}
			if len(errs) != 1 {
				t.Errorf("got %d errors, want 1:\n%v", len(errs), err)
			}
			if !strings.HasPrefix(err.Error(), tt.want) {
				t.Errorf("error:\n  %v\nwant prefix:\n  %s", err, tt.want)
			}
		})
	}
}
