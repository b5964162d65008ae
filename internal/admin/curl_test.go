package admin_test

import (
	"encoding/json"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"

	"github.com/warden-gw/warden/internal/testkit"
)

// The three commands of issue 3, exactly as written there.
const (
	curlTeamNew = `curl -X POST $WARDEN/team/new -H "Authorization: Bearer $MASTER" -d '{"team_alias": "engineering", "max_budget": 500, "budget_duration": "30d", "models": ["llama3.1-8b", "qwen2.5-coder-14b", "deepseek-coder-v2-lite"]}'`
	curlTeamKey = `curl -X POST $WARDEN/key/generate -H "Authorization: Bearer $MASTER" -d '{"team_id": "<team_id from the answer above>", "user_id": "alice@yourdomain.com"}'`
	curlIntern  = `curl -X POST $WARDEN/key/generate -H "Authorization: Bearer $MASTER" -d '{"user_id": "intern-summer-2026", "models": ["llama3.2-3b", "qwen2.5-7b"], "rpm_limit": 30, "tpm_limit": 20000, "max_budget": 5, "budget_duration": "7d", "max_parallel_requests": 2}'`
)

// runCurl runs a command line with the real curl through sh, with WARDEN and MASTER set.
func runCurl(t *testing.T, w *testkit.Warden, cmdline string) obj {
	t.Helper()
	cmd := exec.Command("sh", "-c", cmdline)
	cmd.Env = append(os.Environ(), "WARDEN="+w.URL, "MASTER="+master)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s: %v\n%s", cmdline, err, out)
	}
	var o obj
	if err := json.Unmarshal(out, &o); err != nil {
		t.Fatalf("%s: answer is not a JSON object: %s", cmdline, out)
	}
	if o["error"] != nil {
		t.Fatalf("%s: %s", cmdline, out)
	}
	return o
}

func TestIssueCurlCommandsAsWritten(t *testing.T) {
	if _, err := exec.LookPath("curl"); err != nil {
		t.Skip("curl is not installed")
	}
	w := start(t)
	team := runCurl(t, w, curlTeamNew)
	teamID := team.str("team_id")
	if teamID == "" || team.str("team_alias") != "engineering" || team["max_budget"] != 500.0 || team.str("budget_duration") != "30d" {
		t.Fatalf("team/new answer: %v", team)
	}
	teamModels := []string{"llama3.1-8b", "qwen2.5-coder-14b", "deepseek-coder-v2-lite"}
	if !slices.Equal(team.list("models"), teamModels) {
		t.Fatalf("team models: %v", team["models"])
	}

	alice := runCurl(t, w, strings.Replace(curlTeamKey, "<team_id from the answer above>", teamID, 1))
	if alice.str("team_id") != teamID || alice.str("user_id") != "alice@yourdomain.com" || !slices.Equal(alice.list("models"), teamModels) {
		t.Fatalf("team key does not inherit the team's models: %v", alice)
	}
	if s := chat(t, w, alice.str("key"), "qwen2.5-coder-14b"); s != 200 {
		t.Errorf("alice's key on a team model: %d", s)
	}
	if s := chat(t, w, alice.str("key"), "llama3.2-3b"); s != 403 {
		t.Errorf("alice's key on a model outside the team: %d", s)
	}

	intern := runCurl(t, w, curlIntern)
	info := must(t, w, "GET", "/key/info?key="+intern.str("key_id"), master, nil)
	got, _ := info["info"].(map[string]any)
	want := map[string]any{"user_id": "intern-summer-2026", "rpm_limit": 30.0, "tpm_limit": 20000.0, "max_budget": 5.0,
		"budget_duration": "7d", "max_parallel_requests": 2.0}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("intern key %s = %v, want %v (info %v)", k, got[k], v, got)
		}
	}
	if !slices.Equal(obj(got).list("models"), []string{"llama3.2-3b", "qwen2.5-7b"}) {
		t.Errorf("intern key models: %v", got["models"])
	}
	if s := chat(t, w, intern.str("key"), "llama3.1-8b"); s != 403 {
		t.Errorf("intern key on a model it was not given: %d", s)
	}
}
