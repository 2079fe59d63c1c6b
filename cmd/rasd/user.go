package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/rasd-iq/rasd/review"
	"github.com/rasd-iq/rasd/review/accounts"
	"github.com/rasd-iq/rasd/review/totp"
)

func init() {
	register(&command{
		Name:    "user",
		Summary: "manage review accounts: add, list, disable, enable, passwd, role, totp reset, sessions, revoke",
		Usage: "user add NAME --role analyst|senior|researcher|admin|auditor [--password-stdin] [--totp] | user list | user disable NAME |\n" +
			"  rasd user enable NAME | rasd user passwd NAME [--password-stdin] | rasd user role NAME ROLE |\n" +
			"  rasd user totp reset NAME | rasd user sessions NAME | rasd user revoke NAME [SESSION]\n" +
			"  (each with [--config rasd.yaml | --data DIR | --redis URL]; senior and admin accounts must use two-factor\n" +
			"  login: --totp enrols one at once and prints its secret, otherwise they enrol at their first login)",
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
		return usagef("missing subcommand: add, list, disable, enable, passwd, role, totp, sessions or revoke")
	}
	sub := args[0]
	want := map[string]int{"add": 1, "list": 0, "disable": 1, "enable": 1, "passwd": 1, "role": 2, "totp": 2, "sessions": 1, "revoke": 1}
	switch sub {
	case "-h", "--help", "-help":
		printCommandHelp(env.Stdout, c, nil)
		return errHelpShown
	}
	n, ok := want[sub]
	if !ok {
		return usagef("unknown subcommand %q (want add, list, disable, enable, passwd, role, totp, sessions or revoke)", sub)
	}
	fs := newFlagSet(env, c)
	sf := addStoreFlags(fs)
	role := fs.String("role", "", "the account's `role`: analyst, senior, researcher, admin or auditor")
	stdin := fs.Bool("password-stdin", false, "read the password from the first line of stdin (default: generate and print one)")
	withTOTP := fs.Bool("totp", false, "add: enrol two-factor login at once and print its secret, otpauth URI and recovery codes (for scripts)")
	pos, err := parseMixed(env, c, fs, args[1:])
	if err != nil {
		return err
	}
	if sub == "revoke" && len(pos) == 2 {
		n = 2 // one session rather than all
	}
	if len(pos) != n {
		return usagef("%s takes %d argument(s), got %d", sub, n, len(pos))
	}
	if sub == "totp" {
		if pos[0] != "reset" {
			return usagef("totp: unknown action %q (want reset)", pos[0])
		}
		pos = pos[1:]
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
		fmt.Fprintln(tw, "NAME\tROLE\tSTATE\tCHANGED\tTOTP")
		for _, u := range us {
			state := "active"
			if u.Disabled {
				state = "disabled"
			}
			tf := "off"
			switch {
			case u.HasTOTP():
				tf = "on"
			case u.Role.NeedsTOTP():
				tf = "required"
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", u.Name, u.Role, state, u.Changed.UTC().Format("2006-01-02 15:04"), tf)
		}
		return tw.Flush()
	case "add":
		if err := m.Add(ctx, pos[0], review.Role(*role), password); err != nil {
			return err
		}
		fmt.Fprintf(env.Stdout, "added %s (%s)\n", pos[0], *role)
		if *withTOTP {
			secret := totp.NewSecret()
			codes, err := m.EnrolTOTP(ctx, pos[0], secret)
			if err != nil {
				return err
			}
			fmt.Fprintf(env.Stdout, "totp secret: %s\ntotp uri: %s\nrecovery codes: %s\n", totp.Encode(secret),
				totp.URI(accounts.Issuer, pos[0], secret), strings.Join(codes, " "))
		} else if review.Role(*role).NeedsTOTP() {
			fmt.Fprintf(env.Stdout, "the %s role requires two-factor login: %s enrols at the first login\n", *role, pos[0])
		}
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
	case "totp":
		if err := m.ResetTOTP(ctx, pos[0]); err != nil {
			return notFound(err)
		}
		fmt.Fprintf(env.Stdout, "removed the two-factor enrolment of %s and ended its sessions; it enrols again at its next login\n", pos[0])
		return nil
	case "sessions":
		if _, err := rs.User(ctx, pos[0]); err != nil {
			return notFound(err)
		}
		ss, err := rs.Sessions(ctx, pos[0])
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(env.Stdout, 2, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "SESSION\tCREATED\tLAST SEEN\tADDRESS\tAGENT")
		for _, se := range ss {
			if !time.Now().Before(se.Expires) {
				continue
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", se.IDHash, se.Created.UTC().Format("2006-01-02 15:04"), se.Seen.UTC().Format("2006-01-02 15:04"), se.Addr, se.Agent)
		}
		return tw.Flush()
	case "revoke":
		id := ""
		if len(pos) == 2 {
			id = pos[1]
		}
		if err := m.Revoke(ctx, pos[0], id); err != nil {
			return err
		}
		if id == "" {
			fmt.Fprintf(env.Stdout, "ended every session of %s\n", pos[0])
		} else {
			fmt.Fprintf(env.Stdout, "ended session %s of %s\n", id, pos[0])
		}
		return nil
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
