package storetest

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/warden-gw/warden/internal/store"
)

func testSettings(t *testing.T, s store.Store) {
	_, err := s.GetSetting(ctx(t), "jwt_secret")
	wantErr(t, err, store.ErrNotFound, "get unset setting")

	must(t, s.PutSetting(ctx(t), "jwt_secret", "one"), "put")
	must(t, s.PutSetting(ctx(t), "jwt_secret", "two"), "put again")
	must(t, s.PutSetting(ctx(t), "empty", ""), "put empty value")
	for name, want := range map[string]string{"jwt_secret": "two", "empty": ""} {
		got, err := s.GetSetting(ctx(t), name)
		must(t, err, "get "+name)
		if got != want {
			t.Errorf("GetSetting(%q) = %q, want %q", name, got, want)
		}
	}

	got, err := s.SetSettingIfAbsent(ctx(t), "jwt_secret", "three")
	must(t, err, "set if absent (present)")
	if got != "two" {
		t.Errorf("SetSettingIfAbsent on a set name returned %q, want the stored %q", got, "two")
	}
	got, err = s.SetSettingIfAbsent(ctx(t), "bootstrap", "first")
	must(t, err, "set if absent (absent)")
	if got != "first" {
		t.Errorf("SetSettingIfAbsent on an unset name returned %q, want %q", got, "first")
	}
	if v, err := s.GetSetting(ctx(t), "bootstrap"); err != nil || v != "first" {
		t.Errorf("GetSetting after SetSettingIfAbsent = %q, %v; want first", v, err)
	}
	if v, _ := s.GetSetting(ctx(t), "jwt_secret"); v != "two" {
		t.Errorf("SetSettingIfAbsent replaced a stored value: %q", v)
	}
}

func testSettingInvalid(t *testing.T, s store.Store) {
	for _, tc := range []struct{ name, key, value string }{
		{"empty name", "", "v"},
		{"long name", strings.Repeat("n", store.MaxIDLen+1), "v"},
		{"huge value", "big", strings.Repeat("v", store.MaxSettingLen+1)},
		{"bad utf-8", "bin", "\xff\xfe"},
	} {
		wantErr(t, s.PutSetting(ctx(t), tc.key, tc.value), store.ErrInvalid, "put "+tc.name)
		_, err := s.SetSettingIfAbsent(ctx(t), tc.key, tc.value)
		wantErr(t, err, store.ErrInvalid, "set if absent "+tc.name)
	}
}

func testSetSettingIfAbsentRace(t *testing.T, s store.Store) {
	const n = 50
	got := make([]string, n)
	errs := parallel(n, func(i int) error {
		v, err := s.SetSettingIfAbsent(ctx(t), "install_id", fmt.Sprint("value-", i))
		got[i] = v
		return err
	})
	for i, err := range errs {
		must(t, err, fmt.Sprint("SetSettingIfAbsent #", i))
	}
	stored, err := s.GetSetting(ctx(t), "install_id")
	must(t, err, "get install_id")
	if !strings.HasPrefix(stored, "value-") {
		t.Fatalf("stored %q, want one of the candidates", stored)
	}
	if i := slices.IndexFunc(got, func(v string) bool { return v != stored }); i >= 0 {
		t.Fatalf("caller %d saw %q but %q is stored: more than one value won", i, got[i], stored)
	}
}
