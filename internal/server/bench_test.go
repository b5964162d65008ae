package server_test

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/warden-gw/warden/internal/testkit"
	"github.com/warden-gw/warden/internal/testkit/fakellm"
)

// BenchmarkGateway measures a whole call through Warden (client, gateway and fake backend in one
// process) for a small non-streamed chat and a 16-chunk stream. Profile it with -cpuprofile.
func BenchmarkGateway(b *testing.B) {
	for _, bc := range []struct {
		name   string
		stream bool
	}{{"chat", false}, {"stream16", true}} {
		b.Run(bc.name, func(b *testing.B) {
			fake := fakellm.StartTB(b, fakellm.Options{Chunks: 16})
			cfg := testkit.Config(b, []testkit.Backend{{Name: "b1", Kind: "openai", Fake: fake}},
				"models:\n  - {name: m, backends: [b1], upstream: \"llama3.1:8b\"}\n")
			cfg.Log.Level = "warn"
			w := testkit.Start(b, cfg, nil)
			key, _ := w.NewKey(b, nil)
			body := `{"model":"m","messages":[{"role":"user","content":"Say hello in one word."}],"stream":false}`
			if bc.stream {
				body = strings.Replace(body, `"stream":false`, `"stream":true`, 1)
			}
			client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
			b.ReportAllocs()
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					req, _ := http.NewRequest(http.MethodPost, w.URL+"/v1/chat/completions", strings.NewReader(body))
					req.Header.Set("Authorization", "Bearer "+key)
					resp, err := client.Do(req)
					if err != nil {
						b.Fatal(err)
					}
					io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					if resp.StatusCode != 200 {
						b.Fatalf("status %d", resp.StatusCode)
					}
				}
			})
		})
	}
}
