package keys

import (
	"crypto/hmac"
	"crypto/sha256"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestNewKeysAreUniqueAndWellFormed(t *testing.T) {
	seen := map[string]bool{}
	for range 1000 {
		k, err := New()
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(k, Prefix) || len(k) != len(Prefix)+secretLen || !Plausible(k) {
			t.Fatalf("malformed key %q", k)
		}
		if seen[k] {
			t.Fatalf("duplicate key %q", k)
		}
		seen[k] = true
	}
}

func TestHashIsKeyedAndStable(t *testing.T) {
	h1, _ := NewHasher([]byte(strings.Repeat("a", 32)))
	h2, _ := NewHasher([]byte(strings.Repeat("b", 32)))
	if !Equal(h1.Sum("sk-wd-x"), h1.Sum("sk-wd-x")) {
		t.Fatal("same secret, same server secret: hashes differ")
	}
	if Equal(h1.Sum("sk-wd-x"), h2.Sum("sk-wd-x")) {
		t.Fatal("hash does not depend on the server secret")
	}
	if Equal(h1.Sum("sk-wd-x"), h1.Sum("sk-wd-y")) {
		t.Fatal("different secrets hash alike")
	}
	if _, err := NewHasher([]byte("short")); err == nil {
		t.Fatal("short server secret accepted")
	}
}

func TestHintHidesTheSecret(t *testing.T) {
	k, _ := New()
	h := Hint(k)
	if strings.Contains(h, k[len(Prefix)+4:len(k)-4]) || !strings.HasPrefix(h, Prefix) {
		t.Fatalf("hint %q reveals too much of %q", h, k)
	}
}

func TestIDs(t *testing.T) {
	id, err := NewID()
	if err != nil || !LooksLikeID(id) {
		t.Fatalf("id %q err %v", id, err)
	}
	for _, bad := range []string{"", "key_", "key_zzzzzzzzzzzz", "sk-wd-abc", "key_3f9a1c2b7d4e0"} {
		if LooksLikeID(bad) {
			t.Errorf("%q taken for an id", bad)
		}
	}
}

func TestPlausible(t *testing.T) {
	for _, c := range []struct {
		in   string
		want bool
	}{{"sk-wd-abc", true}, {"", false}, {"a b", false}, {"é", false}, {strings.Repeat("x", 257), false}} {
		if got := Plausible(c.in); got != c.want {
			t.Errorf("Plausible(%q) = %v", c.in, got)
		}
	}
}

func TestSecretFileCreatedOnceAndPrivate(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	s1, err := LoadOrCreateSecret("", dir)
	if err != nil {
		t.Fatal(err)
	}
	s2, err := LoadOrCreateSecret("", dir)
	if err != nil || string(s1) != string(s2) {
		t.Fatalf("secret changed across loads: %v", err)
	}
	st, err := os.Stat(filepath.Join(dir, "secret"))
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("secret file mode %v err %v", st.Mode(), err)
	}
	if _, err := LoadOrCreateSecret("tooshort", dir); err == nil {
		t.Fatal("short env secret accepted")
	}
	env, err := LoadOrCreateSecret(strings.Repeat("ab", 32), dir)
	if err != nil || len(env) != 32 {
		t.Fatalf("hex env secret: %v len %d", err, len(env))
	}
}

func BenchmarkSum(b *testing.B) {
	h, _ := NewHasher([]byte(strings.Repeat("a", 32)))
	k, _ := New()
	b.ReportAllocs()
	for b.Loop() {
		h.Sum(k)
	}
}

func TestSumMatchesHMACSHA256UnderConcurrency(t *testing.T) {
	secret := []byte(strings.Repeat("s", 32))
	h, _ := NewHasher(secret)
	want := func(k string) Hash {
		m := hmac.New(sha256.New, secret)
		m.Write([]byte(k))
		var out Hash
		copy(out[:], m.Sum(nil))
		return out
	}
	done := make(chan bool)
	for g := range 4 {
		go func() {
			ok := true
			for i := range 500 {
				k := fmt.Sprintf("sk-wd-%d-%d", g, i)
				ok = ok && h.Sum(k) == want(k)
			}
			done <- ok
		}()
	}
	for range 4 {
		if !<-done {
			t.Fatal("pooled HMAC differs from a fresh HMAC-SHA256")
		}
	}
}
