package h1

import (
	"bufio"
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

// BenchmarkReadResponse compares the response parser with http.ReadResponse on a typical answer.
func BenchmarkReadResponse(b *testing.B) {
	raw := []byte("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nDate: Sun, 23 Nov 2025 11:00:00 GMT\r\n" +
		"Content-Length: 42\r\n\r\n" + `{"choices":[{"message":{"content":"hi"}}]}`)
	for _, p := range []struct {
		name  string
		parse func(br *bufio.Reader) (*http.Response, error)
	}{
		{"h1", func(br *bufio.Reader) (*http.Response, error) {
			resp, _, err := readResponse(br, "POST")
			return resp, err
		}},
		{"net-http", func(br *bufio.Reader) (*http.Response, error) {
			return http.ReadResponse(br, &http.Request{Method: "POST"})
		}},
	} {
		b.Run(p.name, func(b *testing.B) {
			rd := bytes.NewReader(raw)
			br := bufio.NewReaderSize(rd, 16<<10)
			b.ReportAllocs()
			for b.Loop() {
				rd.Reset(raw)
				br.Reset(rd)
				resp, err := p.parse(br)
				if err != nil {
					b.Fatal(err)
				}
				io.Copy(io.Discard, resp.Body)
			}
		})
	}
}
