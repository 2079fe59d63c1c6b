package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/rasd-iq/rasd/review"
	"github.com/rasd-iq/rasd/review/accounts"
)

func init() {
	register(&command{
		Name:    "user",
		Summary: "manage review accounts: add, list, disable, enable, passwd, role",
		Usage: "user add NAME --role analyst|senior|researcher|admin|auditor [--password-stdin] | user list | user disable NAME |\n" +
			"  rasd user enable NAME | rasd user passwd NAME [--password-stdin] | rasd user role NAME ROLE\n" +
			"  (each with [--config rasd.yaml | --data DIR | --redis URL])",
		Example: "rasd user add zainab --role analyst --data rasd-data",
		Run:     runUser,
	})
}

// parseMixed parses flags placed before or after positional arguments.
func parseMixed(env *Env, c *command, fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := parseFlags(env, c, fs, args); err != nil {
			return nil, err
		}
		if fs.NArg() == 0 {
			return pos, nil
		}
		pos = append(pos, fs.Arg(0))
		args = fs.Args()[1:]
	}
}

func runUser(env *Env, args []string) error {
	c := commands["user"]
	if len(args) == 0 {
		return usagef("missing subcommand: add, list, disable, enable, passwd or role")
	}
	sub := args[0]
	want := map[string]int{"add": 1, "list": 0, "disable": 1, "enable": 1, "passwd": 1, "role": 2}
	switch sub {
	case "-h", "--help", "-help":
		printCommandHelp(env.Stdout, c, nil)
		return errHelpShown
	}
	n, ok := want[sub]
	if !ok {
		return usagef("unknown subcommand %q (want add, list, disable, enable, passwd or role)", sub)
	}
	fs := newFlagSet(env, c)
	sf := addStoreFlags(fs)
	role := fs.String("role", "", "the account's `role`: analyst, senior, researcher, admin or auditor")
	stdin := fs.Bool("password-stdin", false, "read the password from the first line of stdin (default: generate and print one)")
	pos, err := parseMixed(env, c, fs, args[1:])
	if err != nil {
		return err
	}
	if len(pos) != n {
		return usagef("%s takes %d argument(s), got %d", sub, n, len(pos))
	}
	if sub == "add" {
		if *role == "" {
			return usagef("add: --role is required (analyst, senior, researcher, admin or auditor)")
		}
		if _, err := review.ParseRole(*role); err != nil {
			return usageError{err.Error()}
		}
	}
	if sub == "role" {
		if _, err := review.ParseRole(pos[1]); err != nil {
			return usageError{err.Error()}
		}
	}
	password := ""
	if sub == "add" || sub == "passwd" {
		if *stdin {
			line, err := bufio.NewReader(env.Stdin).ReadString('\n')
			if line = strings.TrimRight(line, "\r\n"); line == "" {
				return fmt.Errorf("reading the password from stdin: %w", errors.Join(err, errors.New("empty")))
			}
			password = line
		} else {
			password = accounts.GeneratePassword()
		}
	}
	b, rs, al, _, err := sf.open()
	if err != nil {
		return err
	}
	defer b.Close()
	defer al.Close()
	ctx := context.Background()
	m := &accounts.Manager{Store: rs, Audit: al, Actor: "cli"}
	notFound := func(err error) error {
		if errors.Is(err, review.ErrNotFound) {
			return fmt.Errorf("%s: %w", pos[0], errNoUser)
		}
		return err
	}
	switch sub {
	case "list":
		us, err := rs.Users(ctx)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(env.Stdout, 2, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "NAME\tROLE\tSTATE\tCHANGED")
		for _, u := range us {
			state := "active"
			if u.Disabled {
				state = "disabled"
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", u.Name, u.Role, state, u.Changed.UTC().Format("2006-01-02 15:04"))
		}
		return tw.Flush()
	case "add":
		if err := m.Add(ctx, pos[0], review.Role(*role), password); err != nil {
			return err
		}
		fmt.Fprintf(env.Stdout, "added %s (%s)\n", pos[0], *role)
	case "disable":
		if err := m.Disable(ctx, pos[0]); err != nil {
			return notFound(err)
		}
		fmt.Fprintf(env.Stdout, "disabled %s and ended its sessions\n", pos[0])
		return nil
	case "enable":
		if err := m.Enable(ctx, pos[0]); err != nil {
			return notFound(err)
		}
		fmt.Fprintf(env.Stdout, "enabled %s\n", pos[0])
		return nil
	case "passwd":
		if err := m.Passwd(ctx, pos[0], password); err != nil {
			return notFound(err)
		}
		fmt.Fprintf(env.Stdout, "changed the password of %s and ended its sessions\n", pos[0])
	case "role":
		if err := m.SetRole(ctx, pos[0], review.Role(pos[1])); err != nil {
			return notFound(err)
		}
		fmt.Fprintf(env.Stdout, "%s is now %s\n", pos[0], pos[1])
		return nil
	}
	if !*stdin {
		fmt.Fprintf(env.Stdout, "password: %s\n", password)
	}
	return nil
}
