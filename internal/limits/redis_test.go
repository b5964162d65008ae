package limits_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/warden-gw/warden/internal/limits"
	"github.com/warden-gw/warden/internal/limits/limitstest"
)

// redisAddr is the test server; tests skip when it is unreachable, or fail when CI=true.
const redisAddr = "127.0.0.1:6379"

var redisOnce = sync.OnceValue(func() error {
	c := redis.NewClient(&redis.Options{Addr: redisAddr, DialTimeout: time.Second})
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	return c.Ping(ctx).Err()
})

func needRedis(t testing.TB) {
	t.Helper()
	if err := redisOnce(); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("redis not reachable at %s (CI=true, so this fails): %v", redisAddr, err)
		}
		t.Skipf("redis not reachable at %s, skipping: %v", redisAddr, err)
	}
}

// randomPrefix keeps each test's keys apart from every other test's.
func randomPrefix(t testing.TB) string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return "warden-test-" + hex.EncodeToString(b[:])
}

// newRedisClient returns a client closed when t ends.
func newRedisClient(t testing.TB) *redis.Client {
	c := redis.NewClient(&redis.Options{Addr: redisAddr, PoolSize: 8})
	t.Cleanup(func() { c.Close() })
	return c
}

// dropKeys deletes every key under prefix.
func dropKeys(t testing.TB, prefix string) {
	c := redis.NewClient(&redis.Options{Addr: redisAddr})
	defer c.Close()
	ctx := context.Background()
	iter := c.Scan(ctx, 0, "{"+prefix+"}:*", 100).Iterator()
	for iter.Next(ctx) {
		c.Del(ctx, iter.Val())
	}
	if err := iter.Err(); err != nil {
		t.Errorf("cleanup: %v", err)
	}
}

// newRedis returns n limiters, each with its own client, on one fresh prefix: n replicas.
func newRedis(t *testing.T, now func() time.Time, n int) []limits.Limiter {
	needRedis(t)
	prefix := randomPrefix(t)
	t.Cleanup(func() { dropKeys(t, prefix) })
	ls := make([]limits.Limiter, n)
	for i := range ls {
		ls[i] = limits.NewRedis(newRedisClient(t), prefix, now)
		t.Cleanup(func() { ls[i].Close() })
	}
	return ls
}

func TestRedis(t *testing.T) { limitstest.Run(t, newRedis) }

// newSeededRedis is newRedis with budgets seeded by base; each replica caches bases on its own.
func newSeededRedis(t *testing.T, now func() time.Time, n int, base limits.SpendBase) []limits.Limiter {
	needRedis(t)
	prefix := randomPrefix(t)
	t.Cleanup(func() { dropKeys(t, prefix) })
	ls := make([]limits.Limiter, n)
	for i := range ls {
		ls[i] = limits.NewRedis(newRedisClient(t), prefix, now, limits.WithSpendBase(base))
		t.Cleanup(func() { ls[i].Close() })
	}
	return ls
}

func TestRedisSpendBase(t *testing.T) { limitstest.RunSpendBase(t, newSeededRedis) }

func BenchmarkRedisReserveSettle(b *testing.B) {
	needRedis(b)
	prefix := randomPrefix(b)
	defer dropKeys(b, prefix)
	l := limits.NewRedis(newRedisClient(b), prefix, nil)
	defer l.Close()
	limitstest.BenchmarkReserveSettle(b, l)
}
