// Package chrony parses `chronyc tracking` output, as text or as the CSV of
// `chronyc -c tracking`: the daily evidence that the system clock is
// synchronised to UTC.
package chrony

import (
	"context"
	"fmt"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/evidenthq/evident"
	"github.com/evidenthq/evident/internal/importer/report"
)

// Format is the name this package parses.
const Format = "chrony"

// localRef is chrony's reference id for its own clock served with the
// "local" directive.
const localRef = "7F7F0101"

var csvLine = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[0-9A-Fa-f]{8},[^,]*,\d+,[-+0-9.]+,`) })

// Detect reports whether head is chronyc tracking output in either form.
func Detect(head []byte) bool {
	s := string(head)
	return strings.HasPrefix(s, "Reference ID") && strings.Contains(s, "Stratum") ||
		csvLine().MatchString(s)
}

// tracking holds the fields both output forms carry, in seconds and ppm.
type tracking struct {
	refID, refName, leap                                                     string
	stratum                                                                  int
	refTime                                                                  time.Time
	system, last, rms, freq, residual, skew, rootDelay, rootDisp, updateIntv float64
}

// Parse reads the tracking report. offset_ms is the absolute system time
// offset: fast or slow by 50 ms is equally wrong.
func Parse(ctx context.Context, data []byte, c report.Context) (*report.Result, error) {
	if err := report.CheckText(Format, data); err != nil {
		return nil, err
	}
	var t tracking
	var err error
	if csvLine().Match(data) {
		t, err = parseCSV(data)
	} else if strings.HasPrefix(string(data), "Reference ID") {
		t, err = parseText(data)
	} else {
		return nil, evident.Errorf(evident.EINVALID, "file is not chronyc tracking output: want \"Reference ID : ...\" or the CSV of chronyc -c tracking")
	}
	if err != nil {
		return nil, err
	}
	if !slices.Contains(leapStatuses, t.leap) {
		// The leap status is the last thing chronyc prints in both forms,
		// so a file cut inside its last line ends with a partial word.
		return nil, report.Truncated("chronyc tracking leap status %q is not one of %s", clip(t.leap), strings.Join(leapStatuses, ", "))
	}
	return result(t, c), nil
}

// leapStatuses are the values chronyc prints for the leap status.
var leapStatuses = []string{"Normal", "Insert second", "Delete second", "Not synchronised"}

func result(t tracking, c report.Context) *report.Result {
	res := report.New(Format, "chronyc")
	res.Target = strings.TrimSpace(t.refID + " " + t.refName)
	res.Summary["reference"] = res.Target
	res.Summary["leap_status"] = t.leap
	synced := t.refID != "00000000" && t.stratum > 0 && t.stratum < 16 && t.leap != "Not synchronised"
	m := res.Metrics
	m["offset_ms"] = math.Abs(t.system) * 1000
	m["last_offset_ms"] = math.Abs(t.last) * 1000
	m["rms_offset_ms"] = t.rms * 1000
	m["frequency_ppm"] = t.freq
	m["skew_ppm"] = t.skew
	m["root_delay_ms"] = t.rootDelay * 1000
	m["root_dispersion_ms"] = t.rootDisp * 1000
	m["stratum"] = float64(t.stratum)
	m["leap_ok"] = b2f(t.leap == "Normal")
	m["synced"] = b2f(synced)
	if synced {
		res.Summary["ref_time"] = t.refTime.Format(time.RFC3339Nano)
		if !c.Now.IsZero() {
			m["ref_age_s"] = c.Now.Sub(t.refTime).Seconds()
		}
	}
	res.Metrics[report.Checked] = 1
	switch {
	case t.refID == "00000000" || t.refTime.Unix() <= 0:
		// chronyd never had a source: the offsets it prints are zeros,
		// not measurements, and "offset_ms < 100" must not pass on them.
		res.NothingChecked("chronyd has never compared the clock with a time source (no reference, no reference time): its offsets are not measurements")
	case t.refID == localRef:
		res.NothingChecked("chronyd serves its own local clock (Reference ID 7F7F0101, \"local\" directive): nothing compared it with UTC")
	}
	if !synced {
		res.Note(report.Finding{Key: "not_synchronised", Target: res.Target, Severity: "high", Rule: "synced",
			Title: "the clock is not synchronised to any time source", Detail: "leap status: " + t.leap, Metrics: []string{"synced", "leap_ok"}})
	} else if t.leap != "Normal" {
		res.Note(report.Finding{Key: "leap_status", Target: res.Target, Severity: "medium", Rule: "leap_ok",
			Title: "leap status is " + t.leap, Metrics: []string{"leap_ok"}})
	}
	return res
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

// parseCSV reads the 14 fields of `chronyc -c tracking`. The sign of the
// system time field is chrony's correction (negative when the clock is
// fast); only its magnitude is used.
func parseCSV(data []byte) (tracking, error) {
	lines := report.Lines(data)
	if len(lines) != 1 {
		return tracking{}, evident.ErrorAt(evident.EINVALID, "line 2", "chronyc -c tracking prints one line, got %d", len(lines))
	}
	f := strings.Split(lines[0], ",")
	if len(f) != 14 {
		return tracking{}, report.Truncated("chronyc -c tracking line 1 has %d fields, want 14", len(f))
	}
	var t tracking
	t.refID, t.refName, t.leap = f[0], f[1], f[13]
	var err error
	if t.stratum, err = strconv.Atoi(f[2]); err != nil {
		return t, fieldErr(3, "stratum", f[2])
	}
	nums := []*float64{nil, &t.system, &t.last, &t.rms, &t.freq, &t.residual, &t.skew, &t.rootDelay, &t.rootDisp, &t.updateIntv}
	var ref float64
	nums[0] = &ref
	for i, p := range nums {
		if *p, err = number(f[3+i]); err != nil {
			return t, fieldErr(4+i, csvNames[i], f[3+i])
		}
	}
	sec, frac := math.Modf(ref)
	t.refTime = time.Unix(int64(sec), int64(frac*1e9)).UTC()
	return t, nil
}

var csvNames = []string{"ref time", "system time", "last offset", "RMS offset", "frequency", "residual freq", "skew", "root delay", "root dispersion", "update interval"}

func fieldErr(n int, name, v string) error {
	return evident.ErrorAt(evident.EINVALID, fmt.Sprintf("line 1 field %d", n), "chronyc -c tracking: %s %q is not a number", name, v)
}

func number(s string) (float64, error) {
	v, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err == nil && (math.IsNaN(v) || math.IsInf(v, 0)) {
		err = fmt.Errorf("not finite")
	}
	return v, err
}

// parseText reads "Name : value" lines. Every field the metrics rest on
// must be present: a report cut short is an error, not a partial pass.
func parseText(data []byte) (tracking, error) {
	fields := map[string]string{}
	lineOf := map[string]int{}
	for i, l := range report.Lines(data) {
		k, v, ok := strings.Cut(l, ":")
		if !ok {
			return tracking{}, evident.ErrorAt(evident.EINVALID, fmt.Sprintf("line %d", i+1), "chronyc tracking: want \"Name : value\", got %q", clip(l))
		}
		k = strings.TrimSpace(k)
		fields[k] = strings.TrimSpace(v)
		lineOf[k] = i + 1
	}
	var t tracking
	var err error
	get := func(k string) (string, error) {
		v, ok := fields[k]
		if !ok {
			return "", report.Truncated("chronyc tracking has no %q line", k)
		}
		return v, nil
	}
	num := func(k string, p *float64) {
		if err != nil {
			return
		}
		var v string
		if v, err = get(k); err != nil {
			return
		}
		word, _, _ := strings.Cut(v, " ")
		if *p, err = number(word); err != nil {
			err = evident.ErrorAt(evident.EINVALID, fmt.Sprintf("line %d", lineOf[k]), "chronyc tracking: %s %q is not a number", k, v)
		}
	}
	ref, err := get("Reference ID")
	if err != nil {
		return t, err
	}
	t.refID, t.refName, _ = strings.Cut(ref, " ")
	t.refName = strings.Trim(t.refName, "()")
	if t.leap, err = get("Leap status"); err != nil {
		return t, err
	}
	var stratum float64
	num("Stratum", &stratum)
	num("System time", &t.system)
	num("Last offset", &t.last)
	num("RMS offset", &t.rms)
	num("Frequency", &t.freq)
	num("Residual freq", &t.residual)
	num("Skew", &t.skew)
	num("Root delay", &t.rootDelay)
	num("Root dispersion", &t.rootDisp)
	num("Update interval", &t.updateIntv)
	if err != nil {
		return t, err
	}
	t.stratum = int(stratum)
	if strings.Contains(fields["Frequency"], "slow") && t.freq != 0 {
		t.freq = -t.freq
	}
	if rt, ok := fields["Ref time (UTC)"]; ok {
		if t.refTime, err = time.Parse("Mon Jan 02 15:04:05 2006", rt); err != nil {
			return t, evident.ErrorAt(evident.EINVALID, fmt.Sprintf("line %d", lineOf["Ref time (UTC)"]), "chronyc tracking: ref time %q is not a date", rt)
		}
	}
	return t, nil
}

func clip(s string) string {
	if len(s) > 60 {
		return s[:60] + "..."
	}
	return s
}
