package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/warden-gw/warden/internal/testkit"
	"github.com/warden-gw/warden/internal/testkit/fakellm"
)

func TestConfigCheck(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.yaml")
	bad := filepath.Join(dir, "bad.yaml")
	os.WriteFile(good, []byte("listen: 127.0.0.1:4000\nbackends:\n  - {name: gpu1, kind: ollama, url: http://127.0.0.1:11434}\n"), 0o600)
	os.WriteFile(bad, []byte("listen: 127.0.0.1:4000\nbackends:\n  - name: gpu1\n    kind: olama\n    url: http://127.0.0.1:11434\nlistn: x\n"), 0o600)
	var out, errb bytes.Buffer
	if code := run([]string{"config", "check", good}, &out, &errb, os.Getenv); code != 0 {
		t.Fatalf("good config: exit %d: %s", code, errb.String())
	}
	errb.Reset()
	if code := run([]string{"config", "check", bad}, &out, &errb, os.Getenv); code == 0 {
		t.Fatal("bad config accepted")
	}
	for _, want := range []string{"bad.yaml:4", "backends[0].kind", "bad.yaml:6", "listn"} {
		if !strings.Contains(errb.String(), want) {
			t.Errorf("error output lacks %q:\n%s", want, errb.String())
		}
	}
}

func TestVersionAndUsage(t *testing.T) {
	var out, errb bytes.Buffer
	if run([]string{"version"}, &out, &errb, os.Getenv) != 0 || !strings.HasPrefix(out.String(), "warden ") {
		t.Fatalf("version: %q", out.String())
	}
	if run([]string{"frobnicate"}, &out, &errb, os.Getenv) != 2 || !strings.Contains(errb.String(), "unknown command") {
		t.Fatalf("unknown command: %q", errb.String())
	}
}

func TestKeysCommandsThroughTheAPI(t *testing.T) {
	fake := fakellm.StartTB(t, fakellm.Options{})
	w := testkit.Start(t, testkit.Config(t, []testkit.Backend{{Name: "b1", Kind: "ollama", Fake: fake}}, ""), nil)
	env := func(k string) string {
		switch k {
		case "WARDEN_URL":
			return w.URL
		case "WARDEN_ADMIN_KEY":
			return testkit.MasterKey
		}
		return ""
	}
	var out, errb bytes.Buffer
	if code := run([]string{"keys", "create", "--alias", "laptop", "--models", "llama3.1:8b", "--duration", "7d", "--json"}, &out, &errb, env); code != 0 {
		t.Fatalf("create: %d %s", code, errb.String())
	}
	created := out.String()
	if !strings.Contains(created, `"key":"sk-wd-`) || !strings.Contains(created, `"key_alias":"laptop"`) {
		t.Fatalf("create output %s", created)
	}
	i := strings.Index(created, `"key_id":"`) + len(`"key_id":"`)
	id := created[i : i+16]
	out.Reset()
	if code := run([]string{"keys", "list"}, &out, &errb, env); code != 0 || !strings.Contains(out.String(), id) || !strings.Contains(out.String(), "laptop") {
		t.Fatalf("list: %d %s %s", code, out.String(), errb.String())
	}
	if strings.Contains(out.String(), "sk-wd-") && !strings.Contains(out.String(), "…") {
		t.Fatal("list shows a secret")
	}
	out.Reset()
	if code := run([]string{"keys", "revoke", id}, &out, &errb, env); code != 0 || !strings.Contains(out.String(), id) {
		t.Fatalf("revoke: %d %s %s", code, out.String(), errb.String())
	}
	errb.Reset()
	if code := run([]string{"keys", "revoke", id}, &out, &errb, env); code != 1 || !strings.Contains(errb.String(), "no such key") {
		t.Fatalf("second revoke: %d %s", code, errb.String())
	}
	errb.Reset()
	noKey := func(k string) string {
		if k == "WARDEN_URL" {
			return w.URL
		}
		return ""
	}
	if code := run([]string{"keys", "list"}, &out, &errb, noKey); code != 1 || !strings.Contains(errb.String(), "WARDEN_ADMIN_KEY") {
		t.Fatalf("no admin key: %d %s", code, errb.String())
	}
}

func TestReviewCommand(t *testing.T) {
	fake := fakellm.StartTB(t, fakellm.Options{})
	w := testkit.Start(t, testkit.Config(t, []testkit.Backend{{Name: "b1", Kind: "ollama", Fake: fake}}, ""), nil)
	_, id := w.NewKey(t, map[string]any{"key_alias": "no-tags", "user_id": "bob"})
	env := func(k string) string {
		switch k {
		case "WARDEN_URL":
			return w.URL
		case "WARDEN_ADMIN_KEY":
			return testkit.MasterKey
		}
		return ""
	}
	for _, format := range []string{"table", "json", "csv"} {
		var out, errb bytes.Buffer
		if code := run([]string{"review", "--format", format}, &out, &errb, env); code != 0 {
			t.Fatalf("%s: exit %d: %s", format, code, errb.String())
		}
		for _, want := range []string{id, "key_missing_owner", "key_missing_justification", "user_in_no_team"} {
			if !strings.Contains(out.String(), want) {
				t.Errorf("%s review lacks %q:\n%s", format, want, out.String())
			}
		}
	}
	var out, errb bytes.Buffer
	if code := run([]string{"review", "--format", "xml"}, &out, &errb, env); code != 2 {
		t.Fatalf("bad format: exit %d", code)
	}
}
