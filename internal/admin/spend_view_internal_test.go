package admin

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/warden-gw/warden/internal/identity"
	"github.com/warden-gw/warden/internal/keys"
	"github.com/warden-gw/warden/internal/store"
)

// spendDown is a store whose spend cannot be read.
type spendDown struct{ store.Store }

func (spendDown) SpendSince(context.Context, string, string, time.Time) (float64, int64, error) {
	return 0, 0, errors.New("connection refused")
}

// spendDownAPI serves the management API, as the master key, over a SQLite store whose spend
// cannot be read. It holds team t and user u with key k.
func spendDownAPI(t *testing.T) (http.Handler, store.Store, store.Key) {
	t.Helper()
	ctx := context.Background()
	sq, err := store.OpenSQLite(ctx, filepath.Join(t.TempDir(), "warden.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sq.Close() })
	hasher, err := keys.NewHasher(bytes.Repeat([]byte{7}, 32))
	if err != nil {
		t.Fatal(err)
	}
	if err := sq.CreateTeam(ctx, store.Team{ID: "t"}); err != nil {
		t.Fatal(err)
	}
	if err := sq.CreateUser(ctx, store.User{ID: "u", Role: store.RoleUser}); err != nil {
		t.Fatal(err)
	}
	secret, _ := keys.New()
	id, _ := keys.NewID()
	sum := hasher.Sum(secret)
	k := store.Key{ID: id, Hash: sum[:], Hint: keys.Hint(secret), UserID: "u"}
	if err := sq.CreateKey(ctx, k); err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	api := New(Deps{Store: spendDown{sq}, Hasher: hasher, Auth: identity.NewKeyAuth(sq, hasher, "", nil, log), Log: log})
	mux := http.NewServeMux()
	api.Register(mux, func(next http.HandlerFunc) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			next(w, r.WithContext(identity.With(r.Context(), &identity.Principal{Master: true})))
		}
	})
	return mux, sq, k
}

func serve(h http.Handler, method, path, body string) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(method, path, bytes.NewBufferString(body)))
	return rec
}

// When spend cannot be read, a view that shows it fails like any store read (503), rather than
// showing a spend of 0.
func TestSpendReadFailureFailsTheRequest(t *testing.T) {
	h, _, k := spendDownAPI(t)
	for _, path := range []string{
		"/key/info?key=" + k.ID, "/key/list?return_full_object=true", "/team/info?team_id=t", "/team/list",
		"/user/info?user_id=u", "/user/list", "/admin/v1/keys/" + k.ID, "/admin/v1/keys", "/admin/v1/teams/t",
		"/admin/v1/teams", "/admin/v1/users/u", "/admin/v1/users",
	} {
		rec := serve(h, "GET", path, "")
		if rec.Code != http.StatusServiceUnavailable || bytes.Contains(rec.Body.Bytes(), []byte(`"spend"`)) ||
			bytes.Contains(rec.Body.Bytes(), []byte("connection refused")) {
			t.Errorf("GET %s with spend unreadable: %d %s; want 503 without details", path, rec.Code, rec.Body)
		}
	}
	// Listing key ids alone needs no spend.
	if rec := serve(h, "GET", "/key/list", ""); rec.Code != http.StatusOK {
		t.Errorf("GET /key/list (ids only): %d %s", rec.Code, rec.Body)
	}
}

// A new key's secret is never lost to a spend read: a new key has no spend to read, and
// regeneration reads spend before it replaces the secret.
func TestSpendReadFailureNeverLosesASecret(t *testing.T) {
	h, st, k := spendDownAPI(t)
	for _, c := range []struct{ path, body string }{
		{"/key/generate", `{"user_id":"u"}`}, {"/admin/v1/keys", `{"user_id":"u"}`},
	} {
		rec := serve(h, "POST", c.path, c.body)
		var ans struct {
			Key, Secret string
			Spend       *float64
		}
		json.Unmarshal(rec.Body.Bytes(), &ans)
		if rec.Code >= 300 || ans.Key+ans.Secret == "" || ans.Spend == nil || *ans.Spend != 0 {
			t.Errorf("POST %s with spend unreadable: %d %s; want the new key, its secret and spend 0", c.path, rec.Code, rec.Body)
		}
	}
	for _, c := range []struct{ path, body string }{
		{"/key/regenerate", `{"key":"` + k.ID + `"}`}, {"/admin/v1/keys/" + k.ID + "/regenerate", ""},
	} {
		if rec := serve(h, "POST", c.path, c.body); rec.Code != http.StatusServiceUnavailable {
			t.Errorf("POST %s with spend unreadable: %d %s; want 503", c.path, rec.Code, rec.Body)
		}
		got, err := st.KeyByID(context.Background(), k.ID)
		if err != nil || !bytes.Equal(got.Hash, k.Hash) {
			t.Errorf("POST %s failed but replaced the secret (err %v)", c.path, err)
		}
	}
}
