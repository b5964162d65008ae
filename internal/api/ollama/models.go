package ollama

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"time"
)

// TagModel is one entry of an /api/tags answer.
type TagModel struct {
	Name       string // the name callers use
	ModifiedAt time.Time
	Size       int64
	Digest     string // hex; derived from Name when empty
}

// PSModel is one entry of an /api/ps answer.
type PSModel struct {
	Name          string
	Size          int64
	SizeVRAM      int64
	ExpiresAt     time.Time
	ContextLength int
	Digest        string // hex; derived from Name when empty
}

type modelDetails struct {
	ParentModel       string   `json:"parent_model"`
	Format            string   `json:"format"`
	Family            string   `json:"family"`
	Families          []string `json:"families"`
	ParameterSize     string   `json:"parameter_size"`
	QuantizationLevel string   `json:"quantization_level"`
}

// unknownDetails describes a model served by a non-Ollama backend.
func unknownDetails() modelDetails { return modelDetails{Format: "unknown", Family: "unknown"} }

type tagEntry struct {
	Name       string       `json:"name"`
	Model      string       `json:"model"`
	ModifiedAt time.Time    `json:"modified_at"`
	Size       int64        `json:"size"`
	Digest     string       `json:"digest"`
	Details    modelDetails `json:"details"`
}

type psEntry struct {
	Name          string       `json:"name"`
	Model         string       `json:"model"`
	Size          int64        `json:"size"`
	Digest        string       `json:"digest"`
	Details       modelDetails `json:"details"`
	ExpiresAt     time.Time    `json:"expires_at"`
	SizeVRAM      int64        `json:"size_vram"`
	ContextLength int          `json:"context_length"`
}

// TagsResponse encodes an /api/tags answer listing models.
func TagsResponse(models []TagModel) []byte {
	entries := make([]tagEntry, 0, len(models))
	for _, m := range models {
		entries = append(entries, tagEntry{
			Name: m.Name, Model: m.Name, ModifiedAt: m.ModifiedAt.UTC(), Size: m.Size,
			Digest: digest(m.Digest, m.Name), Details: unknownDetails(),
		})
	}
	return mustEncode(struct {
		Models []tagEntry `json:"models"`
	}{entries})
}

// PSResponse encodes an /api/ps answer listing running models.
func PSResponse(models []PSModel) []byte {
	entries := make([]psEntry, 0, len(models))
	for _, m := range models {
		entries = append(entries, psEntry{
			Name: m.Name, Model: m.Name, Size: m.Size, Digest: digest(m.Digest, m.Name),
			Details: unknownDetails(), ExpiresAt: m.ExpiresAt.UTC(), SizeVRAM: m.SizeVRAM,
			ContextLength: m.ContextLength,
		})
	}
	return mustEncode(struct {
		Models []psEntry `json:"models"`
	}{entries})
}

// ShowFromModel encodes a minimal /api/show answer for a model served by a
// non-Ollama backend: unknown format and family, capability "completion".
func ShowFromModel(name string) []byte {
	return mustEncode(struct {
		Modelfile    string         `json:"modelfile"`
		Parameters   string         `json:"parameters"`
		Template     string         `json:"template"`
		Details      modelDetails   `json:"details"`
		ModelInfo    map[string]any `json:"model_info"`
		Capabilities []string       `json:"capabilities"`
	}{
		Modelfile:    "# Served through Warden by an OpenAI-compatible backend\nFROM " + name + "\n",
		Details:      unknownDetails(),
		ModelInfo:    map[string]any{},
		Capabilities: []string{"completion"},
	})
}

func digest(given, name string) string {
	if given != "" {
		return given
	}
	sum := sha256.Sum256([]byte(name))
	return hex.EncodeToString(sum[:])
}

// mustEncode encodes values built here from plain types, which cannot fail.
func mustEncode(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic("ollama: encoding a fixed response: " + err.Error())
	}
	return append(b, '\n')
}
