package limits_test

import (
	"context"
	"errors"
	"net"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/warden-gw/warden/internal/limits"
)

// closedPort returns an address nothing listens on.
func closedPort(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

func TestFailModeRedisDown(t *testing.T) {
	c := redis.NewClient(&redis.Options{Addr: closedPort(t), DialTimeout: 200 * time.Millisecond, MaxRetries: -1})
	t.Cleanup(func() { c.Close() })
	down := limits.NewRedis(c, "down", nil)
	r := limits.Request{Rules: []limits.Rule{{Scope: limits.Scope{Level: "key", ID: "k"}, RPM: 1}}, Tokens: 1}
	bad := limits.Request{Rules: []limits.Rule{{Scope: limits.Scope{Level: "key", ID: "k"}, RPM: -1}}}

	tests := []struct {
		name      string
		mode      limits.FailMode
		req       limits.Request
		wantErr   error
		wantAdmit bool
		wantOpen  int
	}{
		{"closed refuses", limits.FailClosed, r, limits.ErrUnavailable, false, 0},
		{"open admits", limits.FailOpen, r, nil, true, 1},
		{"open keeps invalid requests out", limits.FailOpen, bad, limits.ErrInvalid, false, 0},
		{"closed keeps invalid requests out", limits.FailClosed, bad, limits.ErrInvalid, false, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			opened := 0
			l := limits.WithFailMode(down, tc.mode, func(err error) {
				if !errors.Is(err, limits.ErrUnavailable) {
					t.Errorf("onOpen got %v, want ErrUnavailable", err)
				}
				opened++
			})
			res, _, ref, err := l.Reserve(context.Background(), tc.req)
			if !errors.Is(err, tc.wantErr) || (err == nil) != (tc.wantErr == nil) {
				t.Fatalf("error %v, want %v", err, tc.wantErr)
			}
			if (res != nil) != tc.wantAdmit || ref != nil {
				t.Fatalf("reservation %v refusal %v, want admitted=%v", res, ref, tc.wantAdmit)
			}
			if opened != tc.wantOpen {
				t.Fatalf("onOpen called %d times, want %d", opened, tc.wantOpen)
			}
			if res != nil {
				if err := res.Settle(context.Background(), 1, 0); err != nil {
					t.Fatalf("Settle of an unchecked reservation: %v", err)
				}
				if err := res.Release(context.Background()); !errors.Is(err, limits.ErrDone) {
					t.Fatalf("Release after Settle: %v, want ErrDone", err)
				}
			}
		})
	}
}

// TestFailOpenCancelled: a caller that gave up is not admitted by failing open.
func TestFailOpenCancelled(t *testing.T) {
	c := redis.NewClient(&redis.Options{Addr: closedPort(t), DialTimeout: 200 * time.Millisecond, MaxRetries: -1})
	t.Cleanup(func() { c.Close() })
	l := limits.WithFailMode(limits.NewRedis(c, "down", nil), limits.FailOpen, func(error) { t.Error("onOpen called for a cancelled caller") })
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	res, _, _, err := l.Reserve(ctx, limits.Request{Rules: []limits.Rule{{Scope: limits.Scope{Level: "key", ID: "k"}, RPM: 1}}})
	if err == nil || res != nil {
		t.Fatalf("got reservation %v and error %v, want an error", res, err)
	}
}
