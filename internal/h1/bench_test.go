package h1

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"testing"
)

// BenchmarkRoundTrip compares this client with net/http's Transport on the same small POST.
func BenchmarkRoundTrip(b *testing.B) {
	srv, _ := server(&testing.T{}, func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		io.WriteString(w, `{"choices":[{"message":{"content":"hi"}}]}`)
	})
	defer srv.Close()
	body := []byte(`{"model":"m","messages":[{"role":"user","content":"hello"}]}`)
	b.Run("h1", func(b *testing.B) {
		c := client(srv, Options{})
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				resp, err := c.Do(context.Background(), "POST", "/v1/chat/completions", []Header{{"Content-Type", "application/json"}}, body)
				if err != nil {
					b.Fatal(err)
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
		})
	})
	b.Run("net-http-transport", func(b *testing.B) {
		tr := &http.Transport{MaxIdleConnsPerHost: 256, DisableCompression: true}
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				req, _ := http.NewRequest("POST", srv.URL+"/v1/chat/completions", bytes.NewReader(body))
				req.Header.Set("Content-Type", "application/json")
				resp, err := tr.RoundTrip(req)
				if err != nil {
					b.Fatal(err)
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
		})
	})
}
