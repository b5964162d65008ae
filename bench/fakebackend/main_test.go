package main

import (
	"reflect"
	"strings"
	"testing"
)

func TestRunRejectsBadArguments(t *testing.T) {
	t.Setenv("FAKEBACKEND_EMPTY_KEY", "")
	tests := []struct {
		name    string
		args    []string
		wantErr string
	}{
		{"unknown flag", []string{"-nope"}, "flag provided but not defined"},
		{"extra argument", []string{"serve"}, "unexpected arguments"},
		{"negative chunks", []string{"-chunks", "-1"}, "Chunks -1 out of range"},
		{"negative delay", []string{"-delay", "-1s"}, "negative ChunkDelay"},
		{"empty key variable", []string{"-api-key-env", "FAKEBACKEND_EMPTY_KEY"}, "is empty"},
		{"bad address", []string{"-addr", "not-an-address"}, "missing port"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := run(tt.args)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("run(%q) = %v, want error containing %q", tt.args, err, tt.wantErr)
			}
		})
	}
}

func TestSplitList(t *testing.T) {
	got := splitList(" a, b:7b ,,c ")
	if want := []string{"a", "b:7b", "c"}; !reflect.DeepEqual(got, want) {
		t.Errorf("splitList = %q, want %q", got, want)
	}
	if got := splitList(""); got != nil {
		t.Errorf("splitList(\"\") = %q, want nil", got)
	}
}
