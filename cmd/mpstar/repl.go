package main

// The interactive prompt (CPython: the REPL of Modules/main.c with
// readline): line editing, history and completion come from
// github.com/peterh/liner; interp.Session runs what is typed.

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"

	"github.com/peterh/liner"

	"github.com/mpstar/mpstar/interp"
)

const (
	primaryPrompt      = ">>> "
	continuationPrompt = "... "
)

// repl runs the interactive session until Ctrl-D or sys.exit, and returns
// the exit status. first, if not empty, runs before the first prompt (-i).
func repl(opts interp.Options, first string) int {
	s := interp.NewSession(opts)
	stopInterrupts := forwardInterrupts(s)
	var exit *interp.ExitError
	if err := s.Exec(first); errors.As(err, &exit) && exit.Err == nil {
		stopInterrupts()
		s.Close()
		return exit.Code // sys.exit in the script
	}
	fmt.Fprintf(os.Stderr, "mpstar %s: Starlark with Python's multiprocessing. Ctrl-D exits.\n", Version)
	in := newInput(s)
	code := loop(s, in)
	stopInterrupts()
	// The terminal gets its own mode back before the children are joined:
	// they may still be writing to it.
	in.close()
	s.Close()
	return code
}

// loop reads and runs chunks until the input ends or the session exits.
func loop(s *interp.Session, in *input) int {
	for {
		prompt := primaryPrompt
		ended := false
		err := s.ExecNext(func() ([]byte, error) {
			line, err := in.prompt(prompt)
			if errors.Is(err, io.EOF) && prompt == continuationPrompt && !ended {
				// Ctrl-D in a block ends the block, as in Python. (Once:
				// a hung-up terminal reports EOF for ever, and an open
				// bracket would ask for more for ever.)
				ended = true
				in.endLine()
				return []byte("\n"), nil
			}
			prompt = continuationPrompt
			return line, err
		})
		in.saveHistory()
		var exit *interp.ExitError
		switch {
		case err == nil:
		case errors.Is(err, liner.ErrPromptAborted):
			// Python's REPL drops the pending input on Ctrl-C and says so.
			fmt.Fprintln(os.Stderr, "KeyboardInterrupt")
		case errors.Is(err, io.EOF):
			in.endLine()
			return 0
		case errors.As(err, &exit):
			if exit.Err == nil {
				return exit.Code
			}
			// An uncaught error was reported; the session goes on.
		default:
			fmt.Fprintf(os.Stderr, "mpstar: reading the terminal: %v\n", err)
			return 1
		}
	}
}

// forwardInterrupts turns Ctrl-C while a chunk runs (the terminal is in
// its ordinary mode then, so it sends SIGINT) into KeyboardInterrupt in
// the chunk. At the prompt, liner reads Ctrl-C as a key instead.
func forwardInterrupts(s *interp.Session) (stop func()) {
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt)
	done := make(chan struct{})
	go func() {
		for {
			select {
			case <-sigs:
				s.Interrupt()
			case <-done:
				return
			}
		}
	}()
	return func() {
		signal.Stop(sigs)
		close(done)
	}
}

// input reads lines from the terminal: with liner's line editing,
// history and completion when stdout is a terminal too, else plainly
// (prompts on stderr, as Python does when its output is redirected).
type input struct {
	line        *liner.State // nil when reading plainly
	plain       *bufio.Reader
	echo        io.Writer // where prompts go
	historyFile string    // "" when there is nowhere to keep history
	dirty       bool      // history has lines not saved yet
	warned      bool      // a history problem was reported
}

func newInput(s *interp.Session) *input {
	in := &input{historyFile: historyPath(), echo: os.Stdout}
	if !isTerminal(os.Stdout) {
		in.plain, in.echo = bufio.NewReader(os.Stdin), os.Stderr
		return in
	}
	in.line = liner.NewLiner()
	in.line.SetCtrlCAborts(true)
	in.line.SetTabCompletionStyle(liner.TabPrints)
	in.line.SetWordCompleter(s.Complete)
	in.loadHistory()
	return in
}

// prompt reads one line, returned with its newline.
func (in *input) prompt(p string) ([]byte, error) {
	if in.line == nil {
		fmt.Fprint(in.echo, p)
		line, err := in.plain.ReadBytes('\n')
		if err == io.EOF && len(line) > 0 {
			return append(line, '\n'), nil
		}
		return line, err
	}
	text, err := in.line.Prompt(p)
	if err != nil {
		return nil, err
	}
	if strings.TrimSpace(text) != "" {
		in.line.AppendHistory(text)
		in.dirty = true
	}
	return []byte(text + "\n"), nil
}

// endLine ends the prompt's line when Ctrl-D leaves it without a newline.
func (in *input) endLine() { fmt.Fprintln(in.echo) }

func (in *input) close() {
	if in.line != nil {
		in.line.Close()
	}
}

// historyPath is where the history is kept: $XDG_STATE_HOME/mpstar/history,
// by default ~/.local/state/mpstar/history; "" if there is no home.
func historyPath() string {
	dir := os.Getenv("XDG_STATE_HOME")
	if !filepath.IsAbs(dir) { // the XDG spec says to ignore relative paths
		home, err := os.UserHomeDir()
		if err != nil {
			return ""
		}
		dir = filepath.Join(home, ".local", "state")
	}
	return filepath.Join(dir, "mpstar", "history")
}

func (in *input) loadHistory() {
	if in.historyFile == "" {
		return
	}
	f, err := os.Open(in.historyFile)
	if err != nil {
		if !errors.Is(err, os.ErrNotExist) {
			in.warn(err)
		}
		return
	}
	defer f.Close()
	if _, err := in.line.ReadHistory(f); err != nil {
		in.warn(err)
	}
}

// saveHistory writes the history after every chunk, so that it survives
// a session that ends by a signal. It replaces the file in one rename, so
// a crash mid-write never leaves it truncated.
func (in *input) saveHistory() {
	if !in.dirty || in.historyFile == "" {
		return
	}
	in.dirty = false
	var buf bytes.Buffer
	in.line.WriteHistory(&buf)
	dir := filepath.Dir(in.historyFile)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		in.warn(err)
		return
	}
	tmp, err := os.CreateTemp(dir, "history.*")
	if err != nil {
		in.warn(err)
		return
	}
	_, err = tmp.Write(buf.Bytes())
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), in.historyFile)
	}
	if err != nil {
		os.Remove(tmp.Name())
		in.warn(err)
	}
}

// warn reports the first history problem only: the session works without
// history, and one note is enough.
func (in *input) warn(err error) {
	if !in.warned {
		in.warned = true
		fmt.Fprintf(os.Stderr, "mpstar: history in %s is not kept: %v\n", in.historyFile, err)
	}
}
