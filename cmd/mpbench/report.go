package main

// Medians over the runs, and the two tables (or JSON lines) mpbench prints.

import (
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"
)

// measured collects every run of one workload.
type measured struct {
	w                                 workload
	mpstar, baseline, cpython, floors []result
}

// runsOf is where the runs of the side with the given label go.
func (m *measured) runsOf(label string) *[]result {
	switch label {
	case "mpstar":
		return &m.mpstar
	case baselineLabel:
		return &m.baseline
	}
	return &m.cpython
}

// median of a non-empty slice (the mean of the two middle values if even).
func median(xs []float64) float64 {
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	m := len(s) / 2
	if len(s)%2 == 1 {
		return s[m]
	}
	return (s[m-1] + s[m]) / 2
}

// summarize reduces the runs of one side to their medians. The first
// failure wins: a workload that fails in any run is broken, not slow.
func summarize(runs []result) result {
	for _, r := range runs {
		if r.Err != "" || r.Skipped != "" {
			return r
		}
	}
	if len(runs) == 0 {
		return result{}
	}
	sum := result{Unit: runs[0].Unit, Version: runs[0].Version, Extra: map[string]float64{}}
	pick := func(get func(result) (float64, bool)) (float64, bool) {
		var xs []float64
		for _, r := range runs {
			if x, ok := get(r); ok {
				xs = append(xs, x)
			}
		}
		if len(xs) == 0 {
			return 0, false
		}
		return median(xs), true
	}
	sum.OpsPerS, _ = pick(func(r result) (float64, bool) { return r.OpsPerS, true })
	sum.P50us, _ = pick(func(r result) (float64, bool) { return r.P50us, r.P50us > 0 })
	for name := range extraFields {
		if x, ok := pick(func(r result) (float64, bool) { v, ok := r.Extra[name]; return v, ok }); ok {
			sum.Extra[name] = x
		}
	}
	return sum
}

// row is one workload's medians on every side; baseline, cpython and floor
// are nil when that side was not measured.
type row struct {
	w          workload
	mpstar     result
	baseline   *result
	vsBaseline *paired
	cpython    *result
	floor      *result
}

func makeRows(all []*measured, withCPython bool) []row {
	rows := make([]row, len(all))
	for i, m := range all {
		rows[i] = row{w: m.w, mpstar: summarize(m.mpstar)}
		if len(m.baseline) > 0 {
			b := summarize(m.baseline)
			rows[i].baseline = &b
			p := pairRuns(m.mpstar, m.baseline)
			rows[i].vsBaseline = &p
		}
		if withCPython {
			c := summarize(m.cpython)
			rows[i].cpython = &c
		}
		if m.w.floor != nil {
			f := summarize(m.floors)
			rows[i].floor = &f
		}
	}
	return rows
}

// latency tells whether the workload reports p50_us.
func (r row) latency() bool {
	return r.mpstar.P50us > 0 || (r.cpython != nil && r.cpython.P50us > 0)
}

func anyLatency(rows []row) bool {
	for _, r := range rows {
		if r.latency() {
			return true
		}
	}
	return false
}

// cellWidth bounds an error cell; the whole message is listed under the
// table.
const cellWidth = 44

// cell formats one side's figure for the tables.
type cell struct {
	value  func(result) float64
	format func(float64) string
	brief  bool // show a failure as "error" (its message is in another cell)
}

var (
	opsCell = cell{value: func(r result) float64 { return r.OpsPerS }, format: rate}
	p50Cell = cell{value: func(r result) float64 { return r.P50us }, format: micros, brief: true}
)

// extraCell shows an extra field with its unit.
func extraCell(name string) cell {
	unit := extraFields[name]
	format := func(x float64) string { return fmt.Sprintf("%.3f %s", x, unit) }
	if unit == "µs" {
		format = func(x float64) string { return fmt.Sprintf("%.1f %s", x, unit) }
	}
	return cell{value: func(r result) float64 { return r.Extra[name] }, format: format, brief: true}
}

// show is the cell for a side's value: the number, "n/a", or the error.
func (c cell) show(r *result) string {
	switch {
	case r == nil:
		return ""
	case r.Err != "" && c.brief:
		return "error"
	case r.Err != "":
		return truncate("error: "+r.Err, cellWidth)
	case r.Skipped != "":
		return "n/a"
	case c.value(*r) == 0:
		return ""
	}
	return c.format(c.value(*r))
}

// ratio is num/den of two sides' values, or "" when either is missing.
func (c cell) ratio(num, den *result) string {
	if num == nil || den == nil || num.Err != "" || den.Err != "" || num.Skipped != "" || den.Skipped != "" {
		return ""
	}
	a, b := c.value(*num), c.value(*den)
	if a == 0 || b == 0 {
		return ""
	}
	return fmt.Sprintf("%.2f", a/b)
}

// rate prints an ops/s figure the way WORKLOADS.md does (25.7k, 4.64M).
func rate(x float64) string {
	switch {
	case x >= 1e6:
		return fmt.Sprintf("%.2fM", x/1e6)
	case x >= 1e4:
		return fmt.Sprintf("%.1fk", x/1e3)
	}
	return fmt.Sprintf("%.1f", x)
}

func micros(x float64) string { return fmt.Sprintf("%.1f", x) }

// writeTables prints the main table, the start-up table and the list of
// failures.
func writeTables(out io.Writer, rows []row, withCPython bool) {
	main := [][]string{{"workload", "unit", "mpstar ops/s"}}
	if withCPython {
		main[0] = append(main[0], "CPython ops/s", "ratio")
	}
	main[0] = append(main[0], "floor (raw Go)", "mpstar/floor")
	if anyLatency(rows) {
		main[0] = append(main[0], "mpstar p50 µs")
		if withCPython {
			main[0] = append(main[0], "CPython p50 µs", "p50 ratio")
		}
	}
	for _, r := range rows {
		cells := []string{r.w.name, r.w.unit, opsCell.show(&r.mpstar)}
		if withCPython {
			cells = append(cells, opsCell.show(r.cpython), opsCell.ratio(&r.mpstar, r.cpython))
		}
		cells = append(cells, opsCell.show(r.floor), opsCell.ratio(&r.mpstar, r.floor))
		if r.latency() {
			cells = append(cells, p50Cell.show(&r.mpstar))
			if withCPython {
				cells = append(cells, p50Cell.show(r.cpython), p50Cell.ratio(r.cpython, &r.mpstar))
			}
		}
		main = append(main, cells)
	}
	writeTable(out, main, 2)
	if withCPython {
		fmt.Fprintln(out, "ratio = mpstar/CPython ops/s; p50 ratio = CPython p50 / mpstar p50 (both: > 1 means mpstar is faster)")
	}
	fmt.Fprintln(out, "mpstar/floor = mpstar ops/s / raw-Go floor ops/s (1 = no overhead over the floor)")

	if extras := extraTable(rows, withCPython); len(extras) > 1 {
		fmt.Fprintln(out)
		writeTable(out, extras, 2)
		if withCPython {
			fmt.Fprintln(out, "ratio = CPython/mpstar time (> 1 means mpstar is faster)")
		}
	}
	if ceilings := ceilingTable(rows, withCPython); len(ceilings) > 1 {
		fmt.Fprintln(out)
		writeTable(out, ceilings, 2)
		fmt.Fprintln(out, "ceiling = the same walk and hashing done by Go in one process, a goroutine per core: no program does better on this machine")
	}
	writeProblems(out, rows)
}

// ceilingTable lists the files workloads' ceilings beside what each side
// reached, as fractions of it.
func ceilingTable(rows []row, withCPython bool) [][]string {
	t := [][]string{{"workload", "ceiling", "mpstar/ceiling"}}
	if withCPython {
		t[0] = append(t[0], "CPython/ceiling")
	}
	for _, r := range rows {
		ceiling := 0.0
		if r.floor != nil {
			ceiling = r.floor.Extra[ceilingField]
		}
		if ceiling == 0 {
			continue
		}
		share := func(s *result) string {
			if s == nil || s.Err != "" || s.Skipped != "" || s.OpsPerS == 0 {
				return "n/a"
			}
			return fmt.Sprintf("%.2f", s.OpsPerS/ceiling)
		}
		cells := []string{r.w.name, rate(ceiling) + " " + r.w.unit, share(&r.mpstar)}
		if withCPython {
			cells = append(cells, share(r.cpython))
		}
		t = append(t, cells)
	}
	return t
}

// extraTable lists the start-up and connect figures of the selected
// workloads that report them.
func extraTable(rows []row, withCPython bool) [][]string {
	t := [][]string{{"workload", "field", "mpstar"}}
	if withCPython {
		t[0] = append(t[0], "CPython", "ratio")
	}
	for _, r := range rows {
		if r.w.extra == "" {
			continue
		}
		c := extraCell(r.w.extra)
		cells := []string{r.w.name, r.w.extra, c.show(&r.mpstar)}
		if withCPython {
			cells = append(cells, c.show(r.cpython), c.ratio(r.cpython, &r.mpstar))
		}
		t = append(t, cells)
	}
	return t
}

// writeProblems lists every failure in full (once per distinct message)
// and the reasons for "n/a".
func writeProblems(out io.Writer, rows []row) {
	type key struct{ side, msg string }
	var order []key
	names := map[key][]string{}
	note := func(side string, r *result, name string) {
		if r == nil {
			return
		}
		msg := r.Err
		if msg == "" && r.Skipped != "" {
			msg = "n/a: " + r.Skipped
		}
		if msg == "" {
			return
		}
		k := key{side, msg}
		if names[k] == nil {
			order = append(order, k)
		}
		names[k] = append(names[k], name)
	}
	for _, r := range rows {
		note("mpstar", &r.mpstar, r.w.name)
		note(baselineLabel, r.baseline, r.w.name)
		note("CPython", r.cpython, r.w.name)
		note("floor", r.floor, r.w.name)
	}
	if len(order) == 0 {
		return
	}
	fmt.Fprintln(out, "\nproblems:")
	for _, k := range order {
		fmt.Fprintf(out, "  %s [%s]: %s\n", k.side, strings.Join(names[k], ", "), k.msg)
	}
}

// writeTable prints rows in aligned columns: the first left columns
// left-aligned, the others right-aligned.
func writeTable(out io.Writer, rows [][]string, left int) {
	var width []int
	for _, r := range rows {
		for i, c := range r {
			if i == len(width) {
				width = append(width, 0)
			}
			width[i] = max(width[i], len([]rune(c)))
		}
	}
	for ri, r := range rows {
		var b strings.Builder
		for i, c := range r {
			pad := strings.Repeat(" ", width[i]-len([]rune(c)))
			if i > 0 {
				b.WriteString(" | ")
			}
			if i < left {
				b.WriteString(c + pad)
			} else {
				b.WriteString(pad + c)
			}
		}
		fmt.Fprintln(out, strings.TrimRight(b.String(), " "))
		if ri == 0 {
			var rule []string
			for _, w := range width {
				rule = append(rule, strings.Repeat("-", w))
			}
			fmt.Fprintln(out, strings.Join(rule, "-|-"))
		}
	}
}

// jsonRow is the -json form of a row.
type jsonRow struct {
	Workload   string  `json:"workload"`
	Unit       string  `json:"unit"`
	N          int     `json:"n"`
	Mpstar     result  `json:"mpstar"`
	Baseline   *result `json:"baseline,omitempty"`
	VsBaseline *paired `json:"vs_baseline,omitempty"`
	CPython    *result `json:"cpython,omitempty"`
	Floor      *result `json:"floor,omitempty"`
}

// writeJSON prints one JSON object per workload.
func writeJSON(out io.Writer, rows []row, quick bool) error {
	enc := json.NewEncoder(out)
	for _, r := range rows {
		if err := enc.Encode(jsonRow{r.w.name, r.w.unit, r.w.n(quick), r.mpstar, r.baseline, r.vsBaseline, r.cpython, r.floor}); err != nil {
			return err
		}
	}
	return nil
}

func truncate(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}
