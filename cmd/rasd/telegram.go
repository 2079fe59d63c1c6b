package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"strings"

	"github.com/rasd-iq/rasd/ingest"
	"github.com/rasd-iq/rasd/ingest/mtproto"
	"github.com/rasd-iq/rasd/policy/audit"
)

func init() {
	register(&command{
		Name:    "telegram",
		Summary: "create or check the account session the telegram-mtproto connector reads with",
		Usage:   "telegram login --api-id ID --api-hash-env VAR --phone +NUMBER [--session FILE] | telegram check [--session FILE]",
		Example: "RASD_TG_API_HASH=… rasd telegram login --api-id 1234567 --api-hash-env RASD_TG_API_HASH --phone +9647700000000",
		Run:     runTelegram,
	})
}

// typeTelegramLogin is the audit event of a new account session.
const typeTelegramLogin = "telegram.session_created"

func runTelegram(env *Env, args []string) error {
	c := commands["telegram"]
	if len(args) == 0 {
		return usagef("missing subcommand: login or check")
	}
	switch args[0] {
	case "-h", "--help", "-help":
		printCommandHelp(env.Stdout, c, nil)
		return errHelpShown
	case "login":
		return runTelegramLogin(env, c, args[1:])
	case "check":
		return runTelegramCheck(env, c, args[1:])
	default:
		return usagef("unknown subcommand %q (want login or check)", args[0])
	}
}

func runTelegramLogin(env *Env, c *command, args []string) error {
	fs := newFlagSet(env, c)
	apiID := fs.Int("api-id", 0, "the application's api_id from my.telegram.org")
	hashEnv := fs.String("api-hash-env", "RASD_TG_API_HASH", "environment variable holding the application's api_hash")
	phone := fs.String("phone", "", "the account's phone number, international form (+964…)")
	session := fs.String("session", mtproto.DefaultSession, "session file to write (mode 600); sources name it in session:")
	auditPath := fs.String("audit", audit.DefaultPath, "audit log the new session is recorded in")
	by := fs.String("by", os.Getenv("USER"), "who logs in, for the audit log")
	if err := parseFlags(env, c, fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("login: unexpected argument %q", fs.Arg(0))
	}
	hash := strings.TrimSpace(os.Getenv(*hashEnv))
	switch {
	case *apiID <= 0:
		return usagef("login: --api-id is required (create an application at my.telegram.org)")
	case hash == "":
		return usagef("login: environment variable %s (--api-hash-env) is not set", *hashEnv)
	case !strings.HasPrefix(*phone, "+"):
		return usagef("login: --phone is required, in international form starting with +")
	}
	if *by == "" {
		*by = "operator"
	}
	al, err := audit.Open(*auditPath)
	if err != nil {
		return fmt.Errorf("opening audit log: %w", err)
	}
	defer al.Close()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	id, err := mtproto.Login(ctx, mtproto.LoginOptions{APIID: *apiID, APIHash: ingest.Secret(hash), Session: *session,
		Phone: *phone, In: env.Stdin, Out: env.Stdout})
	if err != nil {
		return err
	}
	if _, err := al.Append(audit.Event{Type: typeTelegramLogin, Actor: *by, Subject: *session,
		Details: map[string]any{"account_id": id}}); err != nil {
		return fmt.Errorf("recording the new session in the audit log: %w", err)
	}
	return nil
}

func runTelegramCheck(env *Env, c *command, args []string) error {
	fs := newFlagSet(env, c)
	session := fs.String("session", mtproto.DefaultSession, "session file to check")
	if err := parseFlags(env, c, fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("check: unexpected argument %q", fs.Arg(0))
	}
	if err := mtproto.CheckSession(context.Background(), *session); err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "%s: a session file telegram-mtproto sources can use (whether Telegram still accepts it shows in the source's health)\n", *session)
	return nil
}
