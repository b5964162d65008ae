package ollama

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/ollama/ollama/api"
)

func TestTagsResponse(t *testing.T) {
	mod := time.Date(2025, 1, 2, 3, 4, 5, 0, time.FixedZone("x", 3600))
	out := TagsResponse([]TagModel{{Name: "llama3:8b", ModifiedAt: mod, Size: 42}, {Name: "qwen", Digest: "abc"}})
	var r api.ListResponse
	if err := json.Unmarshal(out, &r); err != nil {
		t.Fatal(err)
	}
	if len(r.Models) != 2 {
		t.Fatalf("models = %+v", r.Models)
	}
	m := r.Models[0]
	if m.Name != "llama3:8b" || m.Model != "llama3:8b" || !m.ModifiedAt.Equal(mod) || m.Size != 42 || len(m.Digest) != 64 || m.Details.Family != "unknown" {
		t.Errorf("first = %+v", m)
	}
	if r.Models[1].Digest != "abc" {
		t.Errorf("given digest replaced: %q", r.Models[1].Digest)
	}
	if string(TagsResponse(nil)) != `{"models":[]}`+"\n" {
		t.Errorf("empty list = %s", TagsResponse(nil))
	}
}

func TestPSResponse(t *testing.T) {
	exp := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	out := PSResponse([]PSModel{{Name: "m", Size: 10, SizeVRAM: 5, ExpiresAt: exp, ContextLength: 4096}})
	var r api.ProcessResponse
	if err := json.Unmarshal(out, &r); err != nil {
		t.Fatal(err)
	}
	if len(r.Models) != 1 {
		t.Fatalf("models = %+v", r.Models)
	}
	m := r.Models[0]
	if m.Name != "m" || m.Model != "m" || m.Size != 10 || m.SizeVRAM != 5 || !m.ExpiresAt.Equal(exp) || m.ContextLength != 4096 || m.Digest == "" {
		t.Errorf("got %+v", m)
	}
}

func TestShowFromModel(t *testing.T) {
	var r api.ShowResponse
	if err := json.Unmarshal(ShowFromModel("llama3"), &r); err != nil {
		t.Fatal(err)
	}
	if r.Details.Format != "unknown" || r.Details.Family != "unknown" || len(r.Capabilities) != 1 || r.Capabilities[0] != "completion" || r.ModelInfo == nil {
		t.Errorf("got %+v", r)
	}
}
