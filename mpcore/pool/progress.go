package pool

// The progress of map(..., progress=True), an mpstar addition: on a
// terminal a bar of done over total, the rate and the time left, redrawn
// in place; elsewhere (a log file, a pipe) a plain line now and then.

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

// lineEvery bounds how often a plain progress line is written: often
// enough to show in a log that a long job is alive, seldom enough to keep
// the log short.
const lineEvery = 2 * time.Second

// barWidth is the number of cells in the bar.
const barWidth = 30

// Progress shows the progress of a job of a known number of items. It is
// used from one goroutine.
type Progress struct {
	w     io.Writer
	total int
	plain bool   // no terminal: plain lines rather than a bar
	label string // names the job in plain lines
	start time.Time
	drawn time.Time // when the bar or line was last written
	now   func() time.Time
}

// NewProgress returns the progress of a job of total items shown on w.
// On a terminal it is a bar, drawn at 0 at once; elsewhere it is a plain
// line such as "map: 50/100 tasks done", written every lineEvery at most
// and at the end, label naming the job.
func NewProgress(w io.Writer, total int, terminal bool, label string) *Progress {
	p := &Progress{w: w, total: total, now: time.Now}
	p.start = p.now()
	p.drawn = p.start
	if !terminal {
		p.plain, p.label = true, label
		return p
	}
	p.draw(0)
	return p
}

// IsTerminal reports whether fd is a terminal.
func IsTerminal(fd int) bool {
	_, err := unix.IoctlGetTermios(fd, unix.TCGETS)
	return err == nil
}

// Update shows done items, unless the bar was drawn less than
// redrawEvery ago (a plain line written less than lineEvery ago).
func (p *Progress) Update(done int) {
	switch {
	case !p.plain && p.now().Sub(p.drawn) >= redrawEvery:
		p.draw(done)
	case p.plain && p.now().Sub(p.drawn) >= lineEvery:
		p.writeLine(done)
	}
}

// Note writes a line of text (a task that failed): on a terminal above
// the bar, which it then draws again below it.
func (p *Progress) Note(text string, done int) {
	if p.plain {
		io.WriteString(p.w, text+"\n")
		return
	}
	io.WriteString(p.w, "\r"+text+"\x1b[K\n")
	p.draw(done)
}

// Finish shows done items a last time and ends the bar's line.
func (p *Progress) Finish(done int) {
	if p.plain {
		p.writeLine(done)
		return
	}
	p.draw(done)
	io.WriteString(p.w, "\n")
}

// writeLine writes a plain line of progress.
func (p *Progress) writeLine(done int) {
	p.drawn = p.now()
	fmt.Fprintf(p.w, "%s: %d/%d tasks done\n", p.label, done, p.total)
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
