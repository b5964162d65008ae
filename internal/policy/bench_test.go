package policy

import "testing"

// benchAccess is a typical caller: a key with a few names and a pattern, in a
// team with a group and a pattern.
func benchAccess(b *testing.B) Access {
	g := mustGroups(b, testGroups)
	key := mustParse(b, g, "llama3.1-8b", "qwen2.5-coder-14b", "deepseek-coder-v2-lite", "mistral-*")
	team := &Team{Name: "engineering", Models: mustParse(b, g, "llama3.1-*", "coders", "small", "mistral-7b")}
	return Effective(key, team, RoleUser)
}

func BenchmarkDecideExact(b *testing.B) {
	a := benchAccess(b)
	b.ReportAllocs()
	for b.Loop() {
		if !a.Decide("llama3.1-8b").Allowed {
			b.Fatal("refused")
		}
	}
}

func BenchmarkDecidePattern(b *testing.B) {
	a := benchAccess(b)
	b.ReportAllocs()
	for b.Loop() {
		if !a.Decide("mistral-7b").Allowed {
			b.Fatal("refused")
		}
	}
}

func BenchmarkDecideOpenKeyNoTeam(b *testing.B) {
	a := Effective(Allowlist{}, nil, RoleUser)
	b.ReportAllocs()
	for b.Loop() {
		if !a.Decide("llama3.1-8b").Allowed {
			b.Fatal("refused")
		}
	}
}

func BenchmarkDecideRefused(b *testing.B) {
	a := benchAccess(b)
	b.ReportAllocs()
	for b.Loop() {
		if a.Decide("llama3.1-70b").Allowed {
			b.Fatal("allowed")
		}
	}
}

func BenchmarkEndpointAllowed(b *testing.B) {
	allowed := []string{"/v1/chat/completions", "/v1/models", "/api/*"}
	b.ReportAllocs()
	for b.Loop() {
		if !EndpointAllowed(allowed, "/api/chat") {
			b.Fatal("refused")
		}
	}
}

func BenchmarkAuthorize(b *testing.B) {
	a := Actor{UserID: "tom", Role: RoleUser, TeamRoles: map[string]string{"eng": TeamRoleAdmin}}
	t := Target{OwnerUserID: "mia", TeamID: "eng"}
	b.ReportAllocs()
	for b.Loop() {
		if !Authorize(a, KeyInfo, t).Allowed {
			b.Fatal("refused")
		}
	}
}
