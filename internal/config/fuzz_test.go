package config

import (
	"errors"
	"os"
	"strings"
	"testing"
)

func FuzzParse(f *testing.F) {
	if full, err := os.ReadFile("testdata/full.yaml"); err == nil {
		f.Add(full)
	}
	f.Add([]byte("listen: 127.0.0.1:1\nlog: {level: debug}\n"))
	f.Add([]byte("backends:\n  - &b {name: a, url: 'http://h:1'}\n  - *b\nmodels: [{name: m, backends: [a]}]\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := Parse("fuzz.yaml", data)
		if err != nil {
			var errs Errors
			if !errors.As(err, &errs) || len(errs) == 0 {
				t.Fatalf("error is not a non-empty Errors: %T %v", err, err)
			}
			for _, e := range errs {
				if e.Source != "fuzz.yaml" {
					t.Fatalf("error does not name the file: %q", e.Error())
				}
			}
			if !strings.HasPrefix(err.Error(), "fuzz.yaml") {
				t.Fatalf("error does not start with the file name: %q", err.Error())
			}
			return
		}
		if err := c.Validate(); err != nil {
			t.Fatalf("Parse accepted a config that Validate rejects: %v", err)
		}
		_ = c.String()
	})
}
