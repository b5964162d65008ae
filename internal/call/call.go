// Package call defines Call, the one value that flows through Warden's pipeline for each model call.
package call

import (
	"time"

	"github.com/warden-gw/warden/internal/identity"
	"github.com/warden-gw/warden/internal/usage"
)

// Dialect is the wire format the caller speaks.
type Dialect uint8

// Dialects.
const (
	OpenAI Dialect = iota // /v1/*
	Ollama                // /api/*
)

// Call is one model call. Each step of the pipeline adds to it; none reaches back.
type Call struct {
	ID        string // request id, also sent upstream
	Dialect   Dialect
	Endpoint  string // the route pattern's path, e.g. "/v1/chat/completions"
	Principal *identity.Principal
	Model     string // client-facing model name
	Stream    bool
	Start     time.Time

	Backend  string        // backend that answered
	Upstream string        // the model's name on that backend
	Status   int           // HTTP status sent to the caller
	TTFB     time.Duration // until the backend's answer started; 0 when none did
	Bytes    int64         // response bytes written to the caller
	Err      string        // short reason for a failure, never a secret or prompt text

	// Metered is set once the call's token usage is known (a model answered); Usage and Cost
	// are then its usage and what it cost.
	Metered bool
	Usage   usage.Usage
	Cost    float64
}
