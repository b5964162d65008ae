package store

import (
	"errors"
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
	case strings.Contains(msg, "alias"):
		return "alias"
	}
	return "id"
}

// conflict is the error for a uniqueness violation: "store: create key: hash already exists".
func conflict(op, field string) error {
	return fmt.Errorf("store: %s: %s %w", op, field, ErrConflict)
}

// notFound is the error for a missing row: `store: update key: key "k1" not found`.
func notFound(op, what, id string) error {
	return fmt.Errorf("store: %s: %s %q %w", op, what, trunc(id), ErrNotFound)
}

// wrapOp adds "store: op: " to an error unless it is already a not-found or conflict error made by notFound or conflict.
func wrapOp(op string, err error) error {
	if err == nil || errors.Is(err, ErrNotFound) || errors.Is(err, ErrConflict) {
		return err
	}
	return fmt.Errorf("store: %s: %w", op, err)
}
