package gpu

import (
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"
)

// ErrBadRule is wrapped by the errors of ParseRule.
var ErrBadRule = errors.New("gpu: invalid alert rule")

// Metrics that alert rules can test.
var ruleMetrics = map[string]func(s *Sample, base *Sample) float64{
	"util":     func(s, _ *Sample) float64 { return s.UtilGPU },
	"mem_util": func(s, _ *Sample) float64 { return s.UtilMemory },
	"mem_used_pct": func(s, _ *Sample) float64 {
		return 100 * s.MemoryUsed / s.MemoryTotal
	},
	"mem_used_gib": func(s, _ *Sample) float64 { return s.MemoryUsed / (1 << 30) },
	"temp":         func(s, _ *Sample) float64 { return s.TemperatureC },
	"power":        func(s, _ *Sample) float64 { return s.PowerW },
	"ecc_new": func(s, b *Sample) float64 {
		return s.ECCCorrected - b.ECCCorrected + s.ECCUncorrected - b.ECCUncorrected
	},
	"ecc_uncorrected_new": func(s, b *Sample) float64 { return s.ECCUncorrected - b.ECCUncorrected },
	"throttle": func(s, _ *Sample) float64 {
		if s.ThrottleMask&throttleHarmful != 0 {
			return 1
		}
		return 0
	},
}

// RuleMetrics lists the metric names alert rules accept.
func RuleMetrics() []string {
	return []string{"util", "mem_util", "mem_used_pct", "mem_used_gib", "temp", "power", "ecc_new", "ecc_uncorrected_new", "throttle"}
}

// DefaultRules are the runbook's alerts: a GPU idle for five minutes, a hot GPU, any
// new ECC error.
var DefaultRules = []string{"util < 20 for 5m", "temp > 85", "ecc_new > 0"}

// Rule is an alert rule: Metric Op Threshold, held for at least For.
type Rule struct {
	Metric    string
	Op        string // <, <=, >, >=, ==
	Threshold float64
	For       time.Duration
}

// String formats the rule in the syntax ParseRule reads.
func (r Rule) String() string {
	s := fmt.Sprintf("%s %s %s", r.Metric, r.Op, strconv.FormatFloat(r.Threshold, 'g', -1, 64))
	if r.For > 0 {
		s += " for " + r.For.String()
	}
	return s
}

// ParseRule reads "METRIC OP VALUE [for DURATION]", such as "util < 20 for 5m",
// "temp>85" or "ecc_new > 0". See RuleMetrics for the metrics.
func ParseRule(s string) (Rule, error) {
	bad := func(why string) (Rule, error) { return Rule{}, fmt.Errorf("%w %q: %s", ErrBadRule, s, why) }
	cond, dur, hasFor := strings.Cut(strings.TrimSpace(s), " for ")
	var r Rule
	if hasFor {
		d, err := time.ParseDuration(strings.TrimSpace(dur))
		if err != nil || d < 0 {
			return bad("duration after \"for\" is not like 5m or 30s")
		}
		r.For = d
	}
	i := strings.IndexAny(cond, "<>=")
	if i < 0 {
		return bad("no comparison (<, <=, >, >=, ==)")
	}
	r.Metric = strings.TrimSpace(cond[:i])
	rest := cond[i:]
	for _, op := range []string{"<=", ">=", "==", "<", ">"} {
		if strings.HasPrefix(rest, op) {
			r.Op, rest = op, rest[len(op):]
			break
		}
	}
	if r.Op == "" {
		return bad("no comparison (<, <=, >, >=, ==)")
	}
	if _, ok := ruleMetrics[r.Metric]; !ok {
		return bad("unknown metric " + strconv.Quote(r.Metric) + "; known: " + strings.Join(RuleMetrics(), ", "))
	}
	v, err := strconv.ParseFloat(strings.TrimSpace(rest), 64)
	if err != nil || math.IsNaN(v) {
		return bad("threshold is not a number")
	}
	r.Threshold = v
	return r, nil
}

func (r Rule) holds(v float64) bool {
	switch r.Op {
	case "<":
		return v < r.Threshold
	case "<=":
		return v <= r.Threshold
	case ">":
		return v > r.Threshold
	case ">=":
		return v >= r.Threshold
	case "==":
		return v == r.Threshold
	}
	return false
}

// Alert is one firing of a rule on a device.
type Alert struct {
	Rule     Rule
	Device   int
	Since    time.Time // first sample at which the condition held
	Fired    time.Time // sample at which it had held for Rule.For
	Value    float64   // the metric at Fired
	Resolved time.Time // first sample at which it no longer held; zero while active
}

// String is the alert line: "ALERT gpu 0: util < 20 for 5m (value 3) since …".
func (a Alert) String() string {
	return fmt.Sprintf("ALERT gpu %d: %s (value %s) since %s", a.Device, a.Rule,
		strconv.FormatFloat(a.Value, 'g', 6, 64), a.Since.UTC().Format(time.RFC3339))
}

// Alerter evaluates rules on a stream of samples. Each rule fires once per episode
// on each device, and again only after its condition stopped holding. A metric that
// is NaN (not reported) never holds. Not safe for concurrent use.
type Alerter struct {
	Rules   []Rule
	Firings []Alert // every firing so far, in order

	base   map[int]Sample // first sample of each device (for ecc_new)
	since  map[[2]int]time.Time
	active map[[2]int]int // (rule, device) -> index in Firings
}

// NewAlerter returns an Alerter for rules.
func NewAlerter(rules []Rule) *Alerter {
	return &Alerter{Rules: rules, base: map[int]Sample{}, since: map[[2]int]time.Time{}, active: map[[2]int]int{}}
}

// Observe evaluates the rules on one round of samples and returns the alerts that
// fired now.
func (a *Alerter) Observe(samples []Sample) []Alert {
	var fired []Alert
	for i := range samples {
		s := &samples[i]
		b, ok := a.base[s.Device]
		if !ok {
			b = *s
			a.base[s.Device] = b
		}
		for ri, r := range a.Rules {
			key := [2]int{ri, s.Device}
			v := ruleMetrics[r.Metric](s, &b)
			if !r.holds(v) {
				delete(a.since, key)
				if fi, ok := a.active[key]; ok {
					a.Firings[fi].Resolved = s.Time
					delete(a.active, key)
				}
				continue
			}
			start, ok := a.since[key]
			if !ok {
				start = s.Time
				a.since[key] = start
			}
			if _, firing := a.active[key]; firing || s.Time.Sub(start) < r.For {
				continue
			}
			al := Alert{Rule: r, Device: s.Device, Since: start, Fired: s.Time, Value: v}
			a.active[key] = len(a.Firings)
			a.Firings = append(a.Firings, al)
			fired = append(fired, al)
		}
	}
	return fired
}

// WriteAlertsMarkdown writes the rules and their firings as a Markdown document (the
// runbook's alerts export).
func WriteAlertsMarkdown(w io.Writer, rules []Rule, firings []Alert, sum *Summary) error {
	var b strings.Builder
	b.WriteString("# GPU alerts\n\n")
	if sum != nil && !sum.Start.IsZero() {
		fmt.Fprintf(&b, "Monitored from %s to %s, %d samples per device at most.\n\n",
			sum.Start.UTC().Format(time.RFC3339), sum.End.UTC().Format(time.RFC3339), sum.Rounds)
	}
	b.WriteString("## Rules\n\n| Rule | Metric | Condition | Held for |\n|---|---|---|---|\n")
	for _, r := range rules {
		hold := "immediately"
		if r.For > 0 {
			hold = r.For.String()
		}
		fmt.Fprintf(&b, "| `%s` | %s | %s %s | %s |\n", r, r.Metric, r.Op, strconv.FormatFloat(r.Threshold, 'g', -1, 64), hold)
	}
	b.WriteString("\n## Firings\n\n")
	if len(firings) == 0 {
		b.WriteString("None.\n")
	} else {
		b.WriteString("| GPU | Rule | Since | Fired | Value | Resolved |\n|---|---|---|---|---|---|\n")
		for _, a := range firings {
			res := "still active"
			if !a.Resolved.IsZero() {
				res = a.Resolved.UTC().Format(time.RFC3339)
			}
			fmt.Fprintf(&b, "| %d | `%s` | %s | %s | %s | %s |\n", a.Device, a.Rule,
				a.Since.UTC().Format(time.RFC3339), a.Fired.UTC().Format(time.RFC3339),
				strconv.FormatFloat(a.Value, 'g', 6, 64), res)
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}
