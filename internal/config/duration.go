package config

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// Duration is a time.Duration written in YAML as a Go duration ("30s", "5m",
// "1h30m") or in days ("1d", "7d", "1d12h").
type Duration time.Duration

const day = 24 * time.Hour

// Std returns d as a time.Duration.
func (d Duration) Std() time.Duration { return time.Duration(d) }

// String formats d so that ParseDuration reads it back: "7d", "5m", "1h30m", "1.5s".
func (d Duration) String() string {
	t := time.Duration(d)
	if t > 0 && t%day == 0 {
		return strconv.FormatInt(int64(t/day), 10) + "d"
	}
	s := t.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

// UnmarshalYAML reads a duration from a YAML scalar.
func (d *Duration) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.ScalarNode {
		return fmt.Errorf("must be a duration such as \"30s\", got %s", kindName(n))
	}
	v, err := ParseDuration(n.Value)
	if err != nil {
		return err
	}
	*d = v
	return nil
}

// ParseDuration parses a Go duration ("30s", "5m", "1h30m") or a number of days
// optionally followed by a Go duration ("7d", "1d12h").
func ParseDuration(s string) (Duration, error) {
	t := strings.TrimSpace(s)
	if t == "" {
		return 0, errors.New("empty duration: want a value such as \"30s\", \"5m\" or \"7d\"")
	}
	if t != "0" && strings.Trim(t, "0123456789.") == "" {
		if len(t) > 20 {
			return 0, fmt.Errorf("invalid duration %s: missing unit", quote(t))
		}
		return 0, fmt.Errorf("invalid duration %s: missing unit (write e.g. \"%ss\", \"%sm\" or \"%sd\")", quote(t), t, t, t)
	}
	days, rest, hasDays := strings.Cut(t, "d")
	if !hasDays {
		v, err := time.ParseDuration(t)
		if err != nil {
			return 0, invalidDuration(t)
		}
		return Duration(v), nil
	}
	neg := strings.HasPrefix(days, "-")
	days = strings.TrimPrefix(strings.TrimPrefix(days, "-"), "+")
	n, err := strconv.ParseInt(days, 10, 64)
	if err != nil || n < 0 || strings.HasPrefix(days, "+") || n > int64(math.MaxInt64/day) {
		return 0, invalidDuration(t)
	}
	total := time.Duration(n) * day
	if rest != "" {
		if rest[0] == '-' || rest[0] == '+' {
			return 0, invalidDuration(t)
		}
		r, err := time.ParseDuration(rest)
		if err != nil || r > math.MaxInt64-total {
			return 0, invalidDuration(t)
		}
		total += r
	}
	if neg {
		total = -total
	}
	return Duration(total), nil
}

func invalidDuration(s string) error {
	return fmt.Errorf("invalid duration %s: want Go units such as \"30s\", \"5m\", \"2h\" or days such as \"7d\"", quote(s))
}
