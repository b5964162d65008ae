package admin

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/warden-gw/warden/internal/limits"
)

// parseDuration reads LiteLLM-style durations: "30s", "30m", "12h", "30d" (and Go's forms).
func parseDuration(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if n, ok := strings.CutSuffix(s, "d"); ok {
		days, err := strconv.Atoi(n)
		if err != nil || days <= 0 || days > 36500 {
			return 0, fmt.Errorf("%q is not a duration like 30s, 30m, 12h or 30d", s)
		}
		return time.Duration(days) * 24 * time.Hour, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("%q is not a duration like 30s, 30m, 12h or 30d", s)
	}
	return d, nil
}

// checkPeriod checks a LiteLLM budget period: a whole number of seconds, minutes, hours, days, weeks
// or months, such as "30s", "30m", "12h", "30d", "1w" or "1mo".
func checkPeriod(s string) error {
	// The limiter's own parser decides, so that what the API accepts is what is enforced.
	if _, err := limits.ParsePeriod(s); err != nil || s == "" {
		return fmt.Errorf("%q is not a period like 30s, 30m, 12h, 30d, 1w or 1mo", s)
	}
	return nil
}
