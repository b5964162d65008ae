package server

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/warden-gw/warden/internal/identity"
	"github.com/warden-gw/warden/internal/keys"
	"github.com/warden-gw/warden/internal/store"
)

// adminUserID is the user the master key and the first admin key act as.
const adminUserID = "admin"

// bootstrap makes sure someone can administer Warden. With WARDEN_MASTER_KEY set, that key is the
// admin key. Otherwise, when no admin exists yet, it creates one with a new key and prints the
// key once to out. The key is never logged.
func (s *Server) bootstrap(ctx context.Context, master string, out io.Writer) error {
	admin := store.User{ID: adminUserID, Name: "Warden administrator", Role: identity.RoleAdmin, CreatedAt: time.Now().UTC()}
	if master != "" {
		if err := s.store.CreateUser(ctx, admin); err != nil && !errors.Is(err, store.ErrConflict) {
			return fmt.Errorf("bootstrap admin: %w", err)
		}
		s.log.Info("admin access: the key in WARDEN_MASTER_KEY")
		return nil
	}
	n, err := s.store.CountUsersByRole(ctx, identity.RoleAdmin)
	if err != nil {
		return fmt.Errorf("bootstrap admin: %w", err)
	}
	if n > 0 {
		s.log.Info("admin access: use the admin key printed on first start, or set WARDEN_MASTER_KEY")
		return nil
	}
	if err := s.store.CreateUser(ctx, admin); err != nil {
		if errors.Is(err, store.ErrConflict) { // another replica bootstrapped at the same time
			return nil
		}
		return fmt.Errorf("bootstrap admin: %w", err)
	}
	secret, err := keys.New()
	if err != nil {
		return err
	}
	id, err := keys.NewID()
	if err != nil {
		return err
	}
	h := s.hasher.Sum(secret)
	k := store.Key{ID: id, Hash: h[:], Hint: keys.Hint(secret), UserID: adminUserID, Alias: "first-admin",
		Metadata: []byte(`{"owner":"admin","justification":"created on first start"}`), CreatedAt: time.Now().UTC()}
	if err := s.store.CreateKey(ctx, k); err != nil {
		return fmt.Errorf("bootstrap admin key: %w", err)
	}
	fmt.Fprintf(out, `
============================================================================
 Warden created the first admin key. It is shown only this once; store it now:

     %s

 Use it as "Authorization: Bearer <key>" (key id %s). To choose your own
 admin key instead, set WARDEN_MASTER_KEY before starting Warden.
============================================================================

`, secret, id)
	return nil
}
