package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/rasd-iq/rasd/index/mediastage"
	"github.com/rasd-iq/rasd/ingest"
	"github.com/rasd-iq/rasd/policy"
	"github.com/rasd-iq/rasd/review/accounts"
	"github.com/rasd-iq/rasd/review/evidence"
	"github.com/rasd-iq/rasd/review/recheck"
	"github.com/rasd-iq/rasd/review/referral"
)

func init() {
	register(&command{
		Name:    "referrals",
		Summary: "export approved referrals as DSA-shaped JSON packages, printable pages and signed evidence bundles; check bundles; re-check referred URLs",
		Usage: "referrals export [--since T] [--platform P] [--out FILE] [--html DIR] [--bundle DIR] [store flags]\n" +
			"  rasd referrals verify [--pubkey FILE | --data DIR | --config FILE] BUNDLE\n" +
			"  rasd referrals pubkey [--data DIR | --config FILE]\n" +
			"  rasd referrals recheck [--every DURATION] [--timeout DURATION] [store flags]",
		Example: "rasd referrals export --since 2026-10-01 --platform telegram --out referrals.jsonl --bundle bundles/\n" +
			"  rasd referrals pubkey --data rasd-data > rasd-referrals.pub\n" +
			"  rasd referrals verify --pubkey rasd-referrals.pub bundles/0f3a….zip",
		Run: runReferrals,
	})
}

// referralFlags are the flags every referrals subcommand takes.
type referralFlags struct {
	storeFlags
	policy, notifierName, notifierEmail *string
	trustedFlagger                      *bool
}

func addReferralFlags(fs *flag.FlagSet) referralFlags {
	def := referral.DefaultNotifier()
	return referralFlags{
		storeFlags:    addStoreFlags(fs),
		policy:        fs.String("policy", "", "policy `file` (default the config's, else the built-in policy)"),
		notifierName:  fs.String("notifier-name", def.Name, "sending organisation named in packages (default $"+referral.NotifierNameEnv+")"),
		notifierEmail: fs.String("notifier-email", def.Email, "address platforms answer (default $"+referral.NotifierEmailEnv+")"),
		trustedFlagger: fs.Bool("trusted-flagger", def.TrustedFlagger, "the notifier is a trusted flagger under DSA Art. 22 (default $"+
			referral.NotifierTrustedFlaggerEnv+")"),
	}
}

// service opens the stores and returns the referral service over them and
// the data folder; close releases them.
func (f referralFlags) service() (svc *referral.Service, dataDir string, close func(), err error) {
	cfg, err := loadRunConfig(*f.config)
	if err != nil {
		return nil, "", nil, err
	}
	path := *f.policy
	if path == "" {
		path = cfg.Policy
	}
	pol := policy.Default()
	if path != "" {
		if pol, err = policy.Load(path); err != nil {
			return nil, "", nil, err
		}
	}
	b, rs, al, dataDir, err := f.open()
	if err != nil {
		return nil, "", nil, err
	}
	closeAll := func() { al.Close(); b.Close() }
	key, err := accounts.LoadKey(dataDir)
	if err != nil {
		closeAll()
		return nil, "", nil, err
	}
	ps, err := accounts.NewPseudonymizer(key)
	if err != nil {
		closeAll()
		return nil, "", nil, err
	}
	svc = &referral.Service{Store: rs, Backend: b, Policy: pol, Audit: al,
		Notifier: policy.Notifier{Name: *f.notifierName, Email: *f.notifierEmail, TrustedFlagger: *f.trustedFlagger},
		RoleID:   func(u string) string { return ps.Pseudonym("reviewer:" + u) }}
	// Packages and bundles include the media the media stage stored.
	if !cfg.Media.Disabled {
		ms, err := mediastage.OpenStore(context.Background(), cfg.Media, dataDir)
		if err != nil {
			closeAll()
			return nil, "", nil, err
		}
		svc.Media = ms
	}
	return svc, dataDir, closeAll, nil
}

// parseSince reads an RFC 3339 time or a YYYY-MM-DD date (UTC midnight).
func parseSince(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("--since %q: want YYYY-MM-DD or an RFC 3339 time", s)
	}
	return t, nil
}

func runReferrals(env *Env, args []string) error {
	c := commands["referrals"]
	if len(args) == 0 {
		return usagef("missing subcommand: export, verify, pubkey or recheck")
	}
	switch args[0] {
	case "-h", "--help", "-help":
		printCommandHelp(env.Stdout, c, nil)
		return errHelpShown
	case "export":
		return referralsExport(env, c, args[1:])
	case "recheck":
		return referralsRecheck(env, c, args[1:])
	case "verify":
		return referralsVerify(env, c, args[1:])
	case "pubkey":
		return referralsPubkey(env, c, args[1:])
	}
	return usagef("unknown subcommand %q (want export, verify, pubkey or recheck)", args[0])
}

func referralsExport(env *Env, c *command, args []string) error {
	fs := newFlagSet(env, c)
	rf := addReferralFlags(fs)
	since := fs.String("since", "", "only referrals approved at or after this `time` (YYYY-MM-DD or RFC 3339)")
	platform := fs.String("platform", "", "only referrals of items on this `platform`")
	out := fs.String("out", "", "JSON Lines `file` of packages, one per referral (default stdout)")
	htmlDir := fs.String("html", "", "also write DIR/<id>.json and DIR/<id>.html (printable page) per referral")
	bundleDir := fs.String("bundle", "", "also write DIR/<id>.zip per referral: the signed evidence bundle (JSON Lines then only with --out)")
	if err := parseFlags(env, c, fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("export: unexpected argument %q", fs.Arg(0))
	}
	t, err := parseSince(*since)
	if err != nil {
		return usagef("export: %v", err)
	}
	svc, dataDir, closeAll, err := rf.service()
	if err != nil {
		return err
	}
	defer closeAll()
	if *bundleDir != "" {
		if svc.Signer, err = evidence.LoadSigner(dataDir, true); err != nil {
			return err
		}
	}
	var w io.Writer = io.Discard
	closeOut := func() error { return nil }
	if *bundleDir == "" || *out != "" {
		bw, c, err := openOutput(env, *out)
		if err != nil {
			return err
		}
		w, closeOut = bw, c
	}
	st, err := svc.Export(context.Background(), "cli", referral.Filter{Since: t, Platform: *platform}, w, referral.Files{HTML: *htmlDir, Bundle: *bundleDir})
	if cerr := closeOut(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("exporting referrals: %w", err)
	}
	for _, f := range st.Failed {
		fmt.Fprintf(env.Stderr, "skipped: %s\n", f)
	}
	fmt.Fprintf(env.Stderr, "exported %d referrals (%d could not be packaged)\n", len(st.IDs), len(st.Failed))
	if len(st.Failed) > 0 && len(st.IDs) == 0 {
		return fmt.Errorf("no referral could be packaged (%d failed)", len(st.Failed))
	}
	return nil
}

func referralsRecheck(env *Env, c *command, args []string) error {
	fs := newFlagSet(env, c)
	rf := addReferralFlags(fs)
	every := fs.Duration("every", 24*time.Hour, "re-check a referral only when its last check is older than this (0: all)")
	timeout := fs.Duration("timeout", 20*time.Second, "time limit of each request")
	internal := fs.Bool("allow-internal", false, "also fetch URLs on loopback, private and link-local addresses (refused by default)")
	if err := parseFlags(env, c, fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("recheck: unexpected argument %q", fs.Arg(0))
	}
	if *timeout <= 0 || *every < 0 {
		return usagef("recheck: --timeout must be positive and --every not negative")
	}
	cfg, err := loadRunConfig(*rf.config)
	if err != nil {
		return err
	}
	// The platform checks take their credentials from the sources, as the
	// engine's schedule does; without sources every post gets the
	// permalink check (Telegram's public preview needs none).
	var specs []ingest.Spec
	if cfg.Sources != "" {
		if specs, err = ingest.LoadSpecs(cfg.Sources); err != nil {
			return fmt.Errorf("re-checking referrals: %w", err)
		}
	}
	p, err := recheck.New(recheck.Options{Config: recheck.Config{Timeout: *timeout, AllowInternal: *internal}, Sources: specs, UserAgent: "rasd-recheck"})
	if err != nil {
		return err
	}
	svc, _, closeAll, err := rf.service()
	if err != nil {
		return err
	}
	defer closeAll()
	st, err := svc.RecheckDue(context.Background(), p, *every)
	if err != nil {
		return fmt.Errorf("re-checking referrals: %w", err)
	}
	for _, f := range st.Failed {
		fmt.Fprintf(env.Stderr, "failed: %s\n", f)
	}
	fmt.Fprintf(env.Stdout, "re-checked %d referrals: %d removed, %d failed\n", st.Checked, st.Removed, len(st.Failed))
	return nil
}
