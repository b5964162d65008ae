package h1

import (
	"context"
	"io"
	"net/http"
	"testing"

	"github.com/warden-gw/warden/internal/sockio"
)

// Connections use sockio's raw socket I/O unless PlainSockets asks for net.Conn's own (the
// server.engine: net/http kill switch); both carry calls the same way.
func TestPlainSocketsOption(t *testing.T) {
	srv, _ := server(t, func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") })
	for _, plain := range []bool{false, true} {
		c := client(srv, Options{PlainSockets: plain})
		resp, err := c.Do(context.Background(), "GET", "/", nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		if got := readBody(t, resp); got != "ok" {
			t.Fatalf("PlainSockets=%v: body %q, want ok", plain, got)
		}
		c.mu.Lock()
		if len(c.idle) != 1 {
			c.mu.Unlock()
			t.Fatalf("PlainSockets=%v: %d idle connections after one call, want 1", plain, len(c.idle))
		}
		_, raw := c.idle[0].nc.(*sockio.Conn)
		c.mu.Unlock()
		if wantRaw := !plain; raw != wantRaw {
			t.Fatalf("PlainSockets=%v: connection is %T, want sockio: %v", plain, c.idle[0].nc, wantRaw)
		}
	}
}
