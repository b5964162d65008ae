// Package keys makes API key secrets and their keyed hashes; secrets are never stored.
package keys

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
)

// Prefix starts every key Warden issues, so a leaked key is easy to recognise and scan for.
const Prefix = "sk-wd-"

// secretLen is the number of base62 characters after the prefix (about 190 bits).
const secretLen = 32

// maxLen bounds what is hashed from an untrusted credential.
const maxLen = 256

const alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

// Hash is the HMAC-SHA256 of a secret under the server secret.
type Hash [sha256.Size]byte

// Hasher computes keyed hashes of key secrets. It is safe for concurrent use.
type Hasher struct {
	secret []byte
	pool   sync.Pool // of hash.Hash keyed with secret: HMAC's key schedule is done once per pooled hash
}

// NewHasher returns a Hasher for the given server secret (at least 32 bytes).
func NewHasher(secret []byte) (*Hasher, error) {
	if len(secret) < 32 {
		return nil, errors.New("keys: server secret must be at least 32 bytes")
	}
	h := &Hasher{secret: append([]byte(nil), secret...)}
	h.pool.New = func() any { return hmac.New(sha256.New, h.secret) }
	return h, nil
}

// Sum returns the keyed hash of a secret.
func (h *Hasher) Sum(secret string) Hash {
	m := h.pool.Get().(hash.Hash)
	m.Reset()
	io.WriteString(m, secret)
	var out Hash
	m.Sum(out[:0])
	h.pool.Put(m)
	return out
}

// Equal compares two hashes in constant time.
func Equal(a, b Hash) bool {
	return subtle.ConstantTimeCompare(a[:], b[:]) == 1
}

// New returns a fresh random secret such as "sk-wd-3kF…".
func New() (string, error) {
	return randomString(Prefix, secretLen)
}

// NewID returns a short public id for a key, such as "key_3f9a1c2b7d4e".
func NewID() (string, error) {
	var b [6]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("keys: random: %w", err)
	}
	return "key_" + hex.EncodeToString(b[:]), nil
}

// Hint returns a display form that identifies a secret without revealing it.
func Hint(secret string) string {
	if len(secret) < len(Prefix)+8 {
		return "…"
	}
	return secret[:len(Prefix)+4] + "…" + secret[len(secret)-4:]
}

// Plausible reports whether s could be a credential worth hashing: bounded length, printable ASCII.
func Plausible(s string) bool {
	if s == "" || len(s) > maxLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] <= ' ' || s[i] > '~' {
			return false
		}
	}
	return true
}

// LooksLikeID reports whether s has the shape of a public key id.
func LooksLikeID(s string) bool {
	if len(s) != 16 || !strings.HasPrefix(s, "key_") {
		return false
	}
	_, err := hex.DecodeString(s[4:])
	return err == nil
}

func randomString(prefix string, n int) (string, error) {
	// Rejection sampling keeps every character uniformly distributed.
	out := make([]byte, 0, len(prefix)+n)
	out = append(out, prefix...)
	buf := make([]byte, n*2)
	for len(out) < len(prefix)+n {
		if _, err := rand.Read(buf); err != nil {
			return "", fmt.Errorf("keys: random: %w", err)
		}
		for _, c := range buf {
			if c >= 248 { // 248 = 4*62
				continue
			}
			out = append(out, alphabet[int(c)%62])
			if len(out) == len(prefix)+n {
				break
			}
		}
	}
	return string(out), nil
}

// LoadOrCreateSecret returns the server secret: from env (hex or raw, at least 32 bytes) when set,
// else from dataDir/secret, creating that file (0600) with 32 random bytes on first use.
func LoadOrCreateSecret(fromEnv, dataDir string) ([]byte, error) {
	if fromEnv != "" {
		if b, err := hex.DecodeString(fromEnv); err == nil && len(b) >= 32 {
			return b, nil
		}
		if len(fromEnv) < 32 {
			return nil, errors.New("keys: WARDEN_SECRET must be at least 32 characters (or 64 hex digits)")
		}
		return []byte(fromEnv), nil
	}
	path := filepath.Join(dataDir, "secret")
	b, err := os.ReadFile(path)
	if err == nil {
		s, derr := hex.DecodeString(strings.TrimSpace(string(b)))
		if derr != nil || len(s) < 32 {
			return nil, fmt.Errorf("keys: %s is not a valid secret (64 hex digits)", path)
		}
		return s, nil
	}
	if !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("keys: read secret: %w", err)
	}
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return nil, fmt.Errorf("keys: create data dir: %w", err)
	}
	s := make([]byte, 32)
	if _, err := rand.Read(s); err != nil {
		return nil, fmt.Errorf("keys: random: %w", err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		if errors.Is(err, os.ErrExist) { // another process won the race: use its secret
			return LoadOrCreateSecret("", dataDir)
		}
		return nil, fmt.Errorf("keys: create secret: %w", err)
	}
	if _, err := f.WriteString(hex.EncodeToString(s) + "\n"); err != nil {
		f.Close()
		return nil, fmt.Errorf("keys: write secret: %w", err)
	}
	if err := f.Close(); err != nil {
		return nil, fmt.Errorf("keys: write secret: %w", err)
	}
	return s, nil
}
