package identity

import (
	"context"
	"testing"

	"github.com/warden-gw/warden/internal/policy"
)

func TestAllowsModel(t *testing.T) {
	tests := []struct {
		name   string
		models []string
		model  string
		want   bool
	}{
		{"empty allowlist allows all", nil, "anything", true},
		{"exact match", []string{"llama3:8b"}, "llama3:8b", true},
		{"exact is not a prefix", []string{"llama3"}, "llama3:8b", false},
		{"exact is case sensitive", []string{"Llama3"}, "llama3", false},
		{"trailing star prefix", []string{"llama3*"}, "llama3:70b", true},
		{"trailing star matches the bare prefix", []string{"llama3*"}, "llama3", true},
		{"trailing star other family", []string{"llama3*"}, "qwen2.5", false},
		{"star alone allows all", []string{"*"}, "qwen2.5", true},
		{"star anywhere", []string{"*:8b"}, "llama3:8b", true},
		{"second pattern matches", []string{"qwen*", "mistral"}, "mistral", true},
		{"none matches", []string{"qwen*", "mistral"}, "mistral-large", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			list, err := policy.ParseAllowlist(tt.models)
			if err != nil {
				t.Fatal(err)
			}
			p := &Principal{Role: RoleUser, Models: tt.models, Access: policy.Effective(list, nil, RoleUser)}
			if got := p.AllowsModel(tt.model); got != tt.want {
				t.Fatalf("AllowsModel(%q) with %q = %v, want %v", tt.model, tt.models, got, tt.want)
			}
		})
	}
}

func TestRoles(t *testing.T) {
	tests := []struct {
		role         string
		models, admn bool
	}{
		{RoleAdmin, true, true},
		{RoleUser, true, false},
		{RolePending, false, false},
		{RoleAuditor, false, false},
		{"", false, false},
		{"root", false, false},
	}
	for _, tt := range tests {
		p := &Principal{Role: tt.role}
		if got := p.CanUseModels(); got != tt.models {
			t.Errorf("role %q: CanUseModels = %v, want %v", tt.role, got, tt.models)
		}
		if got := p.IsAdmin(); got != tt.admn {
			t.Errorf("role %q: IsAdmin = %v, want %v", tt.role, got, tt.admn)
		}
	}
	var none *Principal
	if none.CanUseModels() || none.IsAdmin() {
		t.Fatal("a nil principal may use models or administer")
	}
}

func TestPrincipalInContext(t *testing.T) {
	if From(context.Background()) != nil {
		t.Fatal("principal found in an empty context")
	}
	p := &Principal{UserID: "u1", Role: RoleUser}
	if got := From(With(context.Background(), p)); got != p {
		t.Fatalf("From = %v, want %v", got, p)
	}
}
