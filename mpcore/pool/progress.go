package pool

// The progress bar of map(..., progress=True), an mpstar addition: done
// over total, the rate and the time left, redrawn in place on a terminal.

import (
	"fmt"
	"io"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// redrawEvery bounds how often the bar is redrawn, so a fast map does not
// spend its time writing to the terminal.
const redrawEvery = 100 * time.Millisecond

// barWidth is the number of cells in the bar.
const barWidth = 30

// Progress draws a progress bar for a job of a known number of items.
// It is used from one goroutine.
type Progress struct {
	w     io.Writer
	total int
	start time.Time
	drawn time.Time // when the bar was last drawn
	now   func() time.Time
}

// NewProgress returns a bar for total items drawn on w, and draws it at 0.
func NewProgress(w io.Writer, total int) *Progress {
	p := &Progress{w: w, total: total, now: time.Now}
	p.start = p.now()
	p.draw(0)
	return p
}

// IsTerminal reports whether fd is a terminal.
func IsTerminal(fd int) bool {
	_, err := unix.IoctlGetTermios(fd, unix.TCGETS)
	return err == nil
}

// Update redraws the bar for done items, unless it was drawn less than
// redrawEvery ago.
func (p *Progress) Update(done int) {
	if p.now().Sub(p.drawn) >= redrawEvery {
		p.draw(done)
	}
}

// Note writes a line of text above the bar (a task that failed), then
// draws the bar again below it.
func (p *Progress) Note(text string, done int) {
	io.WriteString(p.w, "\r"+text+"\x1b[K\n")
	p.draw(done)
}

// Finish draws the bar a last time and ends its line.
func (p *Progress) Finish(done int) {
	p.draw(done)
	io.WriteString(p.w, "\n")
}

// draw writes the bar with one write: carriage return, the line, and
// "erase to end of line" for a line shorter than the last.
func (p *Progress) draw(done int) {
	now := p.now()
	p.drawn = now
	io.WriteString(p.w, "\r"+p.line(done, now.Sub(p.start))+"\x1b[K")
}

// line renders "[#####     ] 500/1000  50% 1234.5/s ETA 0:00:03".
func (p *Progress) line(done int, elapsed time.Duration) string {
	frac := 1.0
	if p.total > 0 {
		frac = float64(done) / float64(p.total)
	}
	cells := int(frac * barWidth)
	bar := strings.Repeat("#", cells) + strings.Repeat(" ", barWidth-cells)
	s := fmt.Sprintf("[%s] %d/%d %3d%%", bar, done, p.total, int(frac*100))
	secs := elapsed.Seconds()
	if done == 0 || secs <= 0 {
		return s + " ETA --:--:--"
	}
	rate := float64(done) / secs
	left := time.Duration(float64(p.total-done) / rate * float64(time.Second))
	return s + fmt.Sprintf(" %s/s ETA %s", formatRate(rate), formatClock(left))
}

func formatRate(r float64) string {
	switch {
	case r >= 1e6:
		return fmt.Sprintf("%.1fM", r/1e6)
	case r >= 1e4:
		return fmt.Sprintf("%.1fk", r/1e3)
	}
	return fmt.Sprintf("%.1f", r)
}

func formatClock(d time.Duration) string {
	s := int(d.Round(time.Second) / time.Second)
	return fmt.Sprintf("%d:%02d:%02d", s/3600, s/60%60, s%60)
}
