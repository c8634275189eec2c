package profile

import (
	"fmt"
	"strings"
	"time"

	"github.com/evidenthq/evident"
	"github.com/evidenthq/evident/internal/importer/report"
)

// MaxTSUAccuracy is the largest accuracy a time-stamping unit may declare
// for its clock against UTC (EN 319 421: 1 second).
const MaxTSUAccuracy = time.Second

// ClockSample is one measurement of a TSU host's clock against UTC (the
// system time offset of a chronyc tracking report) and when it was taken.
type ClockSample struct {
	At     time.Time     `json:"at"`
	Offset time.Duration `json:"offset"`
}

// ClockAccuracy checks every sample's offset, either way, against the
// declared accuracy. A sample outside it passes only when a stop record
// covers its time: a clock out of accuracy is allowed, issuing with it is
// not. A declared accuracy over MaxTSUAccuracy fails by itself, and no
// samples prove nothing.
func ClockAccuracy(samples []ClockSample, declared time.Duration, stops []evident.IssuanceStop) Check {
	c := Check{Requirement: ClockAccuracy421}
	if declared <= 0 || declared > MaxTSUAccuracy {
		c.Detail = fmt.Sprintf("declared accuracy %s is not within (0, %s]", declared, MaxTSUAccuracy)
		return c
	}
	if len(samples) == 0 {
		c.Detail = "no clock samples: accuracy is not proven"
		return c
	}
	var bad, stopped []string
	for _, s := range samples {
		off := s.Offset.Abs()
		if off <= declared {
			continue
		}
		what := fmt.Sprintf("%s off by %s", s.At.UTC().Format(time.RFC3339), s.Offset)
		if coveredBy(s.At, stops) {
			stopped = append(stopped, what)
		} else {
			bad = append(bad, what)
		}
	}
	if len(bad) > 0 {
		c.Detail = fmt.Sprintf("%d of %d samples beyond %s with issuance not stopped: %s", len(bad), len(samples), declared, strings.Join(bad, "; "))
		return c
	}
	c.Pass = true
	c.Detail = fmt.Sprintf("%d samples within %s", len(samples)-len(stopped), declared)
	if len(stopped) > 0 {
		c.Detail += fmt.Sprintf("; %d beyond it while issuance was stopped: %s", len(stopped), strings.Join(stopped, "; "))
	}
	return c
}

func coveredBy(t time.Time, stops []evident.IssuanceStop) bool {
	for _, s := range stops {
		if s.Covers(t) {
			return true
		}
	}
	return false
}

// Sample reads a clock sample from a parsed chronyc tracking report: the
// absolute system time offset, at the time the report was taken (the
// evidence's effective time, which chronyc does not print).
func Sample(res *report.Result, at time.Time) (ClockSample, error) {
	if res == nil || res.Format != "chrony" {
		return ClockSample{}, fmt.Errorf("not a chrony tracking report")
	}
	ms, ok := res.Metrics["offset_ms"]
	if !ok {
		return ClockSample{}, fmt.Errorf("chrony report has no system time offset")
	}
	return ClockSample{At: at.UTC(), Offset: time.Duration(ms * float64(time.Millisecond))}, nil
}
