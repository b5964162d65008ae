package store_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/warden-gw/warden/internal/store"
)

func TestOpenErrorsHideSecrets(t *testing.T) {
	const secret = "s3cr3t-pw"
	for _, tc := range []struct {
		name, dataDir, url, want string
	}{
		{"unknown scheme", "", "mysql://root:" + secret + "@db/warden", `scheme "mysql"`},
		{"key=value DSN", "", "host=db password=" + secret, "unsupported database URL"},
		{"bad postgres URL", "", "postgres://warden:" + secret + "@127.0.0.1:notaport/db", "invalid PostgreSQL URL"},
		{"unreachable postgres", "", "postgresql://warden:" + secret + "@127.0.0.1:1/db?connect_timeout=2", "connect to postgres at 127.0.0.1/db"},
		{"no data dir", "", "", "no data directory"},
	} {
		s, err := store.Open(t.Context(), tc.dataDir, tc.url)
		if err == nil {
			s.Close()
			t.Errorf("%s: Open succeeded", tc.name)
			continue
		}
		if strings.Contains(err.Error(), secret) {
			t.Errorf("%s: error shows the password: %v", tc.name, err)
		}
		if !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %q does not contain %q", tc.name, err, tc.want)
		}
		if errors.Is(err, store.ErrNotFound) || errors.Is(err, store.ErrConflict) {
			t.Errorf("%s: error %v wraps a data error", tc.name, err)
		}
	}
}
