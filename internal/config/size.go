package config

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Size is a number of bytes, written in YAML as a plain integer or with a unit:
// "512KiB", "10MiB", "1GiB" (powers of 1024) or "10KB", "10MB", "1GB" (powers of 1000).
type Size int64

// Size units.
const (
	KiB Size = 1 << 10
	MiB Size = 1 << 20
	GiB Size = 1 << 30
	TiB Size = 1 << 40
	KB  Size = 1000
	MB  Size = 1000 * KB
	GB  Size = 1000 * MB
	TB  Size = 1000 * GB
)

var sizeUnits = map[string]Size{
	"": 1, "b": 1,
	"kib": KiB, "mib": MiB, "gib": GiB, "tib": TiB,
	"kb": KB, "mb": MB, "gb": GB, "tb": TB,
}

// String formats s in the largest binary unit that divides it exactly ("10MiB"),
// or as plain bytes ("1500").
func (s Size) String() string {
	for _, u := range []struct {
		name string
		size Size
	}{{"TiB", TiB}, {"GiB", GiB}, {"MiB", MiB}, {"KiB", KiB}} {
		if s != 0 && s%u.size == 0 {
			return strconv.FormatInt(int64(s/u.size), 10) + u.name
		}
	}
	return strconv.FormatInt(int64(s), 10)
}

// UnmarshalYAML reads a size from a YAML scalar.
func (s *Size) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.ScalarNode {
		return fmt.Errorf("must be a size such as \"10MiB\", got %s", kindName(n))
	}
	v, err := ParseSize(n.Value)
	if err != nil {
		return err
	}
	*s = v
	return nil
}

// ParseSize parses a whole number of bytes, optionally followed by a unit:
// B, KiB, MiB, GiB, TiB (powers of 1024) or KB, MB, GB, TB (powers of 1000).
// Units are case-insensitive and may be separated from the number by spaces.
func ParseSize(str string) (Size, error) {
	t := strings.TrimSpace(str)
	if t == "" {
		return 0, errors.New("empty size: want bytes or a value such as \"10MiB\"")
	}
	end := 0
	for end < len(t) && t[end] >= '0' && t[end] <= '9' {
		end++
	}
	unit, ok := sizeUnits[strings.ToLower(strings.TrimSpace(t[end:]))]
	if end == 0 || !ok {
		return 0, fmt.Errorf("invalid size %s: want whole bytes or a whole number with a unit such as \"512KiB\", \"10MiB\", \"1GiB\", \"10MB\"", quote(t))
	}
	n, err := strconv.ParseInt(t[:end], 10, 64)
	if err != nil || n > math.MaxInt64/int64(unit) {
		return 0, fmt.Errorf("invalid size %s: too large", quote(t))
	}
	return Size(n) * unit, nil
}
