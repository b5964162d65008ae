package usage

import (
	"math"
	"testing"
)

func TestPriceCost(t *testing.T) {
	tests := []struct {
		name  string
		price Price
		u     Usage
		want  float64
	}{
		{"free", Price{}, Usage{PromptTokens: 1000, CompletionTokens: 1000}, 0},
		{"input and output", Price{InputPerMillion: 0.5, OutputPerMillion: 1.5}, Usage{PromptTokens: 2_000_000, CompletionTokens: 1_000_000}, 2.5},
		{"one token", Price{InputPerMillion: 3}, Usage{PromptTokens: 1}, 3e-6},
		{"estimated costs the same", Price{OutputPerMillion: 10}, Usage{CompletionTokens: 500, Estimated: true}, 0.005},
		{"negative counts cost nothing", Price{InputPerMillion: 1, OutputPerMillion: 1}, Usage{PromptTokens: -5, CompletionTokens: -5}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.price.Cost(tt.u); math.Abs(got-tt.want) > 1e-12 {
				t.Errorf("Cost = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestUsageTotal(t *testing.T) {
	if got := (Usage{PromptTokens: 7, CompletionTokens: 5}).Total(); got != 12 {
		t.Errorf("Total = %d, want 12", got)
	}
}
