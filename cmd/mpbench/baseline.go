package main

// Comparing the mpstar binary with an earlier one (-baseline): is a change
// slower, and can the measurement tell?

import (
	"fmt"
	"io"
	"math"
	"sort"
)

// baselineLabel is the side that runs the -baseline binary.
const baselineLabel = "baseline"

// paired is the comparison of mpstar with the baseline over the runs in
// which both passed: the median of the per-run ratios mpstar/baseline and
// the range that holds the true median with 95% confidence. Each ratio
// compares two runs made back to back, so a slow spell of the machine that
// lasts longer than a run cancels out of it; the spread of the ratios is
// what is left of the noise.
type paired struct {
	N      int     `json:"pairs"`
	Median float64 `json:"median"`
	Low    float64 `json:"low,omitempty"` // Low and High are 0 when N is too small for a 95% range
	High   float64 `json:"high,omitempty"`
}

// pairRuns compares the runs of mpstar and the baseline made in the same
// round; a round in which either failed is left out.
func pairRuns(mpstar, baseline []result) paired {
	var ratios []float64
	for i := range min(len(mpstar), len(baseline)) {
		a, b := mpstar[i], baseline[i]
		if a.Err == "" && b.Err == "" && a.OpsPerS > 0 && b.OpsPerS > 0 {
			ratios = append(ratios, a.OpsPerS/b.OpsPerS)
		}
	}
	if len(ratios) == 0 {
		return paired{}
	}
	sort.Float64s(ratios)
	p := paired{N: len(ratios), Median: median(ratios)}
	if k := medianRank(len(ratios)); k > 0 {
		p.Low, p.High = ratios[k-1], ratios[len(ratios)-k]
	}
	return p
}

// medianRank is the largest k for which the k-th smallest and the k-th
// largest of n values bracket their population's median with at least 95%
// confidence: the median lies below the k-th smallest only if fewer than
// k of the n values fall below it, which has binomial(n, 1/2) probability;
// each tail may have 2.5%. It makes no assumption about the distribution of
// the ratios. 0 means n is too small (under 6).
func medianRank(n int) int {
	k, tail := 0, 0.0
	for i := 0; i < n; i++ {
		tail += binomialHalf(n, i)
		if tail > 0.025 {
			break
		}
		k = i + 1
	}
	return k
}

// binomialHalf is the probability of exactly i heads in n fair tosses.
func binomialHalf(n, i int) float64 {
	lg := func(x int) float64 { v, _ := math.Lgamma(float64(x + 1)); return v }
	return math.Exp(lg(n) - lg(i) - lg(n-i) - float64(n)*math.Ln2)
}

// show formats the comparison as "1.02 (0.97–1.06)"; "" when there is
// none.
func (p *paired) show() string {
	switch {
	case p == nil || p.N == 0:
		return ""
	case p.Low == 0:
		return fmt.Sprintf("%.3f (needs 6 runs for a range)", p.Median)
	}
	return fmt.Sprintf("%.3f (%.3f–%.3f)", p.Median, p.Low, p.High)
}

// verdict says what the range shows about a 5% slowdown.
func (p *paired) verdict() string {
	switch {
	case p == nil || p.Low == 0:
		return ""
	case p.Low > 1:
		return "faster"
	case p.High < 0.95:
		return "slower by more than 5%"
	case p.Low >= 0.95:
		return "not slower by more than 5%"
	}
	return "cannot tell: too noisy"
}

// writeBaseline prints the comparison table.
func writeBaseline(out io.Writer, rows []row) {
	t := [][]string{{"workload", "mpstar ops/s", "baseline ops/s", "mpstar/baseline per run pair: median (95% range)", "verdict"}}
	for _, r := range rows {
		t = append(t, []string{r.w.name, opsCell.show(&r.mpstar), opsCell.show(r.baseline), r.vsBaseline.show(), r.vsBaseline.verdict()})
	}
	writeTable(out, t, 1)
	fmt.Fprintln(out, "each run pair is mpstar and the baseline back to back, in alternating order; > 1 means mpstar is faster")
}
