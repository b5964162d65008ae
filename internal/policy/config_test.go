package policy_test

import (
	"testing"

	"github.com/warden-gw/warden/internal/config"
	"github.com/warden-gw/warden/internal/policy"
)

// Every model_groups value the configuration accepts, policy accepts too, and
// means what the example in the issue says.
func TestGroupsFromConfig(t *testing.T) {
	c, err := config.Parse("warden.yaml", []byte(`
model_groups:
  small: [llama3.2-3b, qwen2.5-7b]
  coders: ["*-coder-*", codellama]
  llama3.1: ["llama3.1-*"]
`))
	if err != nil {
		t.Fatal(err)
	}
	g, err := policy.NewGroups(c.ModelGroups)
	if err != nil {
		t.Fatalf("NewGroups refused a valid configuration: %v", err)
	}
	a, err := g.Parse([]string{"small", "@llama3.1"})
	if err != nil {
		t.Fatal(err)
	}
	for model, want := range map[string]bool{"llama3.2-3b": true, "qwen2.5-7b": true, "llama3.1-8b": true, "qwen2.5-coder-14b": false} {
		if got := a.Allows(model); got != want {
			t.Errorf("Allows(%q) = %v, want %v", model, got, want)
		}
	}
}
