package evident

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Criterion is one acceptance criterion of a verification method, kept as
// data so a control's YAML can say "offset_ms < 100" and an importer can
// evaluate it without code per control. The left side names a metric that an
// importer computes from the tool output (for example "unexpected_open_ports",
// "protocols_below_tls12", "offset_ms", "findings.error"); the right side is
// a number.
type Criterion struct {
	Metric string  `json:"metric"`
	Op     string  `json:"op"`
	Value  float64 `json:"value"`
}

// criterionOps lists the comparison operators in the order the parser tries
// them: two-character operators first so "<=" is not read as "<".
var criterionOps = []string{"<=", ">=", "==", "!=", "<", ">"}

// ParseCriterion parses "metric op number", for example "offset_ms < 100"
// or "findings.error == 0". Booleans are written as 0 and 1.
func ParseCriterion(s string) (Criterion, error) {
	s = strings.TrimSpace(s)
	for _, op := range criterionOps {
		i := strings.Index(s, op)
		if i < 0 {
			continue
		}
		metric := strings.TrimSpace(s[:i])
		rhs := strings.TrimSpace(s[i+len(op):])
		if !validMetric(metric) {
			return Criterion{}, Errorf(EINVALID, "criterion %q: metric %q must be letters, digits, '_', '.' or '-'", s, metric)
		}
		v, err := strconv.ParseFloat(rhs, 64)
		if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
			return Criterion{}, Errorf(EINVALID, "criterion %q: %q is not a number", s, rhs)
		}
		return Criterion{Metric: metric, Op: op, Value: v}, nil
	}
	return Criterion{}, Errorf(EINVALID, "criterion %q: want \"metric op number\" with op one of %s", s, strings.Join(criterionOps, " "))
}

func validMetric(m string) bool {
	if m == "" {
		return false
	}
	for _, r := range m {
		ok := r == '_' || r == '.' || r == '-' || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') || (r >= '0' && r <= '9')
		if !ok {
			return false
		}
	}
	return true
}

// String formats the criterion back into the form ParseCriterion reads.
func (c Criterion) String() string {
	return fmt.Sprintf("%s %s %s", c.Metric, c.Op, strconv.FormatFloat(c.Value, 'f', -1, 64))
}

// Eval reports whether the criterion holds for the given metrics. A metric
// the tool output did not produce is an error, not a pass: missing data
// never counts as passing evidence.
func (c Criterion) Eval(metrics map[string]float64) (bool, error) {
	v, ok := metrics[c.Metric]
	if !ok {
		return false, Errorf(EINVALID, "criterion %q: the tool output has no metric %q", c.String(), c.Metric)
	}
	switch c.Op {
	case "<":
		return v < c.Value, nil
	case "<=":
		return v <= c.Value, nil
	case ">":
		return v > c.Value, nil
	case ">=":
		return v >= c.Value, nil
	case "==":
		return v == c.Value, nil
	case "!=":
		return v != c.Value, nil
	}
	return false, Errorf(EINVALID, "criterion %q: unknown operator %q", c.String(), c.Op)
}
