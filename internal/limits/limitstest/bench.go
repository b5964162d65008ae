package limitstest

import (
	"testing"

	"github.com/warden-gw/warden/internal/limits"
)

// BenchmarkReserveSettle measures one Reserve and one Settle of a request with three rules
// (key: rpm, tpm, parallel; user: monthly budget; team: rpm and token budget), limits never reached.
func BenchmarkReserveSettle(b *testing.B, l limits.Limiter) {
	month, err := limits.ParsePeriod("1mo")
	if err != nil {
		b.Fatal(err)
	}
	const huge = 1 << 50
	r := req(500, 0.001,
		limits.Rule{Scope: key, RPM: huge, TPM: huge, MaxParallel: huge},
		limits.Rule{Scope: user, Budget: 1e6, HasBudget: true, Period: month},
		limits.Rule{Scope: team, RPM: huge, TokensBudget: huge, Period: month},
	)
	b.ReportAllocs()
	for b.Loop() {
		res, _, ref, err := l.Reserve(b.Context(), r)
		if err != nil || ref != nil {
			b.Fatalf("Reserve: %v %v", ref, err)
		}
		if err := res.Settle(b.Context(), 400, 0.0008); err != nil {
			b.Fatal(err)
		}
	}
}
