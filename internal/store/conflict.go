package store

import (
	"fmt"
	"strings"
)

// conflictField names the unique column a driver's constraint message mentions.
func conflictField(msg string) string {
	switch {
	case strings.Contains(msg, "email"):
		return "email"
	case strings.Contains(msg, "hash"):
		return "hash"
	}
	return "id"
}

// conflict is the error for a uniqueness violation: "store: create key: hash already exists".
func conflict(op, field string) error {
	return fmt.Errorf("store: %s: %s %w", op, field, ErrConflict)
}
