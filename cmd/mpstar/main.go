// Command mpstar runs Starlark scripts with Python's multiprocessing built
// in.
//
//	mpstar script.star [args...]   run a script; sys.argv = [script.star, args...]
//	mpstar -c CODE [args...]       run a string
//	mpstar                         the REPL on a terminal, else the program on stdin
//	mpstar -i script.star          then the REPL with the script's globals
//	mpstar -cpuprofile FILE ...    profile the main process
//	mpstar --trace FILE ...        a timeline of every process and pool task
//	mpstar --sandbox --allow-read=DIR ...  only what is granted (see -h)
//	mpstar -version | -h           -h lists the options and environment
//
// Exit status: 0; 1 after an uncaught error; n after sys.exit(n); 130
// after Ctrl-C (KeyboardInterrupt); 2 for a usage error.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime"
	"runtime/debug"
	"runtime/pprof"

	"github.com/mpstar/mpstar/interp"
)

// Version is the mpstar release, printed by -version.
const Version = "0.1.0"

const usage = `usage: mpstar [--allow-*] [--sandbox] [--max-*] [-i] [-cpuprofile FILE] [--trace FILE] [-c CODE | script.star | -] [args...]
       mpstar -version
Runs a Starlark script with Python's multiprocessing built in.
With no script and a terminal on stdin, starts the REPL; with a pipe on
stdin, runs the program read from it.

Options:
  -c CODE           run CODE instead of a file
  -i                then start the REPL with the script's globals (python3 -i)
  -cpuprofile FILE  write a CPU profile of the main process to FILE
  --trace FILE      write a timeline of the run to FILE when it ends (also
                    after a failure): a Chrome trace-event file, one track
                    per process, a slice per pool task, markers for
                    failures; open it in https://ui.perfetto.dev or
                    chrome://tracing
  -version          print the version
The dialect is Python's: sets, while loops, top-level statements, global
reassignment and recursion are always on (no -set, -recursion or
-globalreassign flags are needed).

Environment:
  MPSTAR_START_METHOD     spawn (default), fork or forkserver
  MPSTAR_FORKSERVER_WARM  children kept waiting for forkserver (default: the
                          CPU count, at most 4)
  MPSTAR_CPUPROFILE       write a CPU profile of every process to
                          $MPSTAR_CPUPROFILE.<pid>
  GOGC                    the garbage collector's target (default 400)
  XDG_STATE_HOME          where the REPL keeps its history
                          (default ~/.local/state)
`

func main() {
	// Scripts allocate many short-lived values (every message received is
	// a new one); collecting at 4x the live heap instead of 2x roughly
	// halves the time spent in the collector for a modest heap. GOGC in
	// the environment still wins.
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(400)
	}
	// mpstar writes no heap profiles, and the runtime's sampling for them
	// costs a short-lived child a stack walk through pages it has not yet
	// touched: about 3% of starting and joining a process.
	runtime.MemProfileRate = 0
	stop := startProfile()
	interp.ChildMain(interp.Options{ExitHook: stop})
	code := run(os.Args[1:])
	stop()
	os.Exit(code)
}

// startProfile writes a CPU profile of this process to
// $MPSTAR_CPUPROFILE.<pid> when that variable is set, for finding where a
// workload spends its time; the returned function ends it.
func startProfile() func() {
	path := os.Getenv("MPSTAR_CPUPROFILE")
	if path == "" {
		return func() {}
	}
	stop, err := profileTo(fmt.Sprintf("%s.%d", path, os.Getpid()))
	if err != nil {
		fmt.Fprintf(os.Stderr, "mpstar: %v\n", err)
		return func() {}
	}
	return stop
}

// profileTo starts a CPU profile of this process written to path; the
// returned function ends it.
func profileTo(path string) (stop func(), err error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("cannot write the CPU profile: %w", err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("cannot start the CPU profile: %w", err)
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
	}, nil
}

// replAfter is -i: the script (a file, -c CODE, or none) runs as the REPL
// session's first chunk, whose globals the prompt then sees, as python3 -i
// does.
func replAfter(args []string, opts interp.Options) int {
	var first string
	switch {
	case len(args) == 0:
	case args[0] == "-c" && len(args) >= 2:
		first, opts.Args = args[1], args[2:]
	default:
		src, err := os.ReadFile(args[0])
		if err != nil {
			fmt.Fprintf(os.Stderr, "mpstar: can't open file %q: %v\n", args[0], err)
			return 2
		}
		first, opts.Args = string(src), args[1:]
	}
	return repl(opts, first)
}

func run(args []string) int {
	opts := interp.Options{}
	var flags runFlags
	interactive := false
	for len(args) > 0 {
		if took, err := flags.take(&args, &opts); err != nil {
			fmt.Fprintf(os.Stderr, "mpstar: %v\n%s", err, usage)
			return 2
		} else if took {
			continue
		}
		if args[0] == "-i" {
			interactive, args = true, args[1:]
			continue
		}
		if trace, err := takeTrace(&args, &opts); err != nil {
			fmt.Fprintf(os.Stderr, "mpstar: %v\n", err)
			return 2
		} else if trace != nil {
			defer trace.write()
			continue
		}
		if args[0] != "-cpuprofile" {
			break
		}
		if len(args) < 2 {
			fmt.Fprint(os.Stderr, "mpstar: -cpuprofile needs a file name\n"+usage)
			return 2
		}
		stop, err := profileTo(args[1])
		if err != nil {
			fmt.Fprintf(os.Stderr, "mpstar: %v\n", err)
			return 2
		}
		defer stop()
		args = args[2:]
	}
	flags.finish(&opts)
	if interactive {
		if err := flags.confine(opts, ""); err != nil {
			return startFailed(err)
		}
		return replAfter(args, opts)
	}
	if len(args) == 0 && isTerminal(os.Stdin) {
		if err := flags.confine(opts, ""); err != nil {
			return startFailed(err)
		}
		return repl(opts, "")
	}
	ctx, stop := interruptible()
	defer stop()
	if len(args) == 0 {
		if err := flags.confine(opts, ""); err != nil {
			return startFailed(err)
		}
		return runStdin(ctx, opts)
	}
	switch args[0] {
	case "-h", "-help", "--help":
		fmt.Print(usage + permissionUsage)
		return 0
	case "-version", "--version":
		fmt.Printf("mpstar %s\nsandbox: %s\n", Version, kernelLayers())
		return 0
	case "-c":
		if len(args) < 2 {
			fmt.Fprint(os.Stderr, "mpstar: -c needs an argument\n"+usage)
			return 2
		}
		opts.Args = args[2:]
		if err := flags.confine(opts, ""); err != nil {
			return startFailed(err)
		}
		return interp.ExitCode(interp.RunStringContext(ctx, "<string>", args[1], opts))
	case "-":
		opts.Args = args[1:]
		if err := flags.confine(opts, ""); err != nil {
			return startFailed(err)
		}
		return runStdin(ctx, opts)
	}
	if len(args[0]) > 1 && args[0][0] == '-' {
		fmt.Fprintf(os.Stderr, "mpstar: unknown option %s\n%s", args[0], usage)
		return 2
	}
	opts.Args = args[1:]
	if err := flags.confine(opts, args[0]); err != nil {
		return startFailed(err)
	}
	err := interp.RunFileContext(ctx, args[0], opts)
	if interp.ExitCode(err) != 0 && !isReported(err) {
		return startFailed(err)
	}
	return interp.ExitCode(err)
}

// startFailed reports a script that could not be started (a missing file,
// a sandbox the kernel refused) with the usage error's status.
func startFailed(err error) int {
	fmt.Fprintf(os.Stderr, "mpstar: %v\n", err)
	return 2
}

// isReported tells a script's own failure (already printed) from a failure
// to start it, such as a missing file.
func isReported(err error) bool {
	_, ok := err.(*interp.ExitError)
	return ok
}

// interruptible returns a context that Ctrl-C (SIGINT) cancels with the
// cause interp.KeyboardInterrupt, so a script stops as a Python program
// does: KeyboardInterrupt at once, even in a blocking call, its traceback,
// exit status 130. The REPL handles Ctrl-C itself.
func interruptible() (context.Context, func()) {
	ctx, cancel := context.WithCancelCause(context.Background())
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt)
	go func() {
		select {
		case <-sigs:
			cancel(interp.KeyboardInterrupt)
		case <-ctx.Done():
		}
	}()
	return ctx, func() {
		signal.Stop(sigs)
		cancel(nil)
	}
}

func runStdin(ctx context.Context, opts interp.Options) int {
	src, err := io.ReadAll(os.Stdin)
	if err != nil {
		fmt.Fprintf(os.Stderr, "mpstar: reading stdin: %v\n", err)
		return 2
	}
	return interp.ExitCode(interp.RunStringContext(ctx, "<stdin>", string(src), opts))
}

func isTerminal(f *os.File) bool {
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}
