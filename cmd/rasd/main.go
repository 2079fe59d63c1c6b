// Command rasd is the Rasd monitoring engine: it ingests public Arabic-dialect
// posts, normalises and scores them, and routes what it finds to human review.
//
// Each subcommand lives in its own file in this directory and registers itself
// in init() with register. Run `rasd help` for the list.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime/pprof"
	"sort"
	"strings"
)

// command is one rasd subcommand.
type command struct {
	// Name is the word typed after rasd, e.g. "normalize".
	Name string
	// Summary is one line shown by `rasd help`.
	Summary string
	// Usage is the synopsis shown by `rasd NAME --help`, without the program name.
	Usage string
	// Example is one example invocation shown in help output.
	Example string
	// Run executes the command with the arguments after its name. It returns
	// a usageError for misuse (exit 2) and any other error for failure (exit 1).
	Run func(env *Env, args []string) error
}

// Env carries the process's standard streams so that commands can be tested.
type Env struct {
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
}

var commands = map[string]*command{}

// register adds a subcommand; registering a name twice is a programming error.
func register(c *command) {
	if _, dup := commands[c.Name]; dup {
		panic("rasd: command registered twice: " + c.Name)
	}
	commands[c.Name] = c
}

// usageError marks misuse of a command; main exits with status 2 for it.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

// usagef returns a usageError with a formatted message.
func usagef(format string, args ...any) error { return usageError{fmt.Sprintf(format, args...)} }

// newFlagSet returns a flag set for cmd whose errors are returned, not printed
// and exited on, and whose -h/--help prints the command's usage to env.Stdout.
func newFlagSet(env *Env, c *command) *flag.FlagSet {
	fs := flag.NewFlagSet(c.Name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	_ = env
	return fs
}

// parseFlags parses args with fs, printing help for -h/--help. It returns
// errHelpShown when help was printed so that the caller returns nil.
func parseFlags(env *Env, c *command, fs *flag.FlagSet, args []string) error {
	err := fs.Parse(args)
	if errors.Is(err, flag.ErrHelp) {
		printCommandHelp(env.Stdout, c, fs)
		return errHelpShown
	}
	if err != nil {
		return usageError{fmt.Sprintf("%s: %v", c.Name, err)}
	}
	return nil
}

// errHelpShown is returned by parseFlags after printing help; commands return
// it unchanged and main treats it as success.
var errHelpShown = errors.New("help shown")

func printCommandHelp(w io.Writer, c *command, fs *flag.FlagSet) {
	fmt.Fprintf(w, "rasd %s — %s\n\nUsage:\n  rasd %s\n", c.Name, c.Summary, c.Usage)
	if fs != nil {
		var any bool
		fs.VisitAll(func(*flag.Flag) { any = true })
		if any {
			fmt.Fprintln(w, "\nFlags:")
			fs.SetOutput(w)
			fs.PrintDefaults()
			fs.SetOutput(io.Discard)
		}
	}
	if c.Example != "" {
		fmt.Fprintf(w, "\nExample:\n  %s\n", c.Example)
	}
}

func printHelp(w io.Writer) {
	fmt.Fprintln(w, "rasd — monitoring of Arabic-dialect posts for extremism, incitement and hate speech,")
	fmt.Fprintln(w, "with human review before any referral.")
	fmt.Fprintln(w, "\nUsage:\n  rasd COMMAND [flags] [args]\n\nCommands:")
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-12s %s\n", n, commands[n].Summary)
	}
	fmt.Fprintln(w, "\nRun `rasd COMMAND --help` for a command's flags and an example.")
}

// run executes rasd with args (without the program name) and returns the exit status.
func run(env *Env, args []string) int {
	if len(args) == 0 {
		printHelp(env.Stderr)
		return 2
	}
	name := args[0]
	switch name {
	case "help", "-h", "--help", "-help":
		if len(args) > 1 {
			if c, ok := commands[args[1]]; ok {
				return run(env, []string{c.Name, "--help"})
			}
			fmt.Fprintf(env.Stderr, "rasd: unknown command %q (see `rasd help`)\n", args[1])
			return 2
		}
		printHelp(env.Stdout)
		return 0
	}
	c, ok := commands[name]
	if !ok {
		fmt.Fprintf(env.Stderr, "rasd: unknown command %q (see `rasd help`)\n", name)
		return 2
	}
	err := c.Run(env, args[1:])
	var ue usageError
	switch {
	case err == nil, errors.Is(err, errHelpShown):
		return 0
	case errors.As(err, &ue):
		fmt.Fprintf(env.Stderr, "rasd %s: %s (see `rasd %s --help`)\n", name, strings.TrimPrefix(ue.msg, name+": "), name)
		return 2
	default:
		fmt.Fprintf(env.Stderr, "rasd %s: %v\n", name, err)
		return 1
	}
}

func main() {
	// RASD_CPUPROFILE=FILE writes a CPU profile of the whole command, for
	// operators measuring where time goes (go tool pprof FILE).
	if path := os.Getenv("RASD_CPUPROFILE"); path != "" {
		f, err := os.Create(path)
		if err != nil {
			fmt.Fprintf(os.Stderr, "rasd: RASD_CPUPROFILE: %v\n", err)
			os.Exit(1)
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			fmt.Fprintf(os.Stderr, "rasd: RASD_CPUPROFILE: %v\n", err)
			os.Exit(1)
		}
		code := run(&Env{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr}, os.Args[1:])
		pprof.StopCPUProfile()
		f.Close()
		os.Exit(code)
	}
	os.Exit(run(&Env{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr}, os.Args[1:]))
}
