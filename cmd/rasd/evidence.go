package main

import (
	"crypto/ed25519"
	"flag"
	"fmt"
	"os"

	"github.com/rasd-iq/rasd/review/evidence"
	"github.com/rasd-iq/rasd/review/referral"
)

// keyFlags locate the referral signing key: the data folder, by itself or
// through the engine configuration.
type keyFlags struct{ config, data *string }

func addKeyFlags(fs *flag.FlagSet) keyFlags {
	return keyFlags{
		config: fs.String("config", "", "engine configuration `file` (rasd.yaml)"),
		data:   fs.String("data", "", "data `folder` holding keys/referral-signing.key (default the config's, else rasd-data)"),
	}
}

func (f keyFlags) dataDir() (string, error) {
	if *f.data != "" {
		return *f.data, nil
	}
	cfg, err := loadRunConfig(*f.config)
	if err != nil {
		return "", err
	}
	return cfg.Data, nil
}

func referralsPubkey(env *Env, c *command, args []string) error {
	fs := newFlagSet(env, c)
	kf := addKeyFlags(fs)
	if err := parseFlags(env, c, fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("pubkey: unexpected argument %q", fs.Arg(0))
	}
	dir, err := kf.dataDir()
	if err != nil {
		return err
	}
	s, err := evidence.LoadSigner(dir, true)
	if err != nil {
		return err
	}
	_, err = env.Stdout.Write(evidence.PublicKeyPEM(s.Public()))
	return err
}

func referralsVerify(env *Env, c *command, args []string) error {
	fs := newFlagSet(env, c)
	kf := addKeyFlags(fs)
	pubFile := fs.String("pubkey", "", "public key `file` (PEM or base64, as `rasd referrals pubkey` prints it); default the data folder's key")
	if err := parseFlags(env, c, fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usagef("verify: want one bundle (a .zip or the folder it was unpacked into)")
	}
	var (
		pub  ed25519.PublicKey
		from string
	)
	if *pubFile != "" {
		data, err := os.ReadFile(*pubFile)
		if err != nil {
			return fmt.Errorf("reading the public key: %w", err)
		}
		if pub, err = evidence.ParsePublicKey(data); err != nil {
			return fmt.Errorf("%s: %w", *pubFile, err)
		}
		from = *pubFile
	} else {
		dir, err := kf.dataDir()
		if err != nil {
			return err
		}
		s, err := evidence.LoadSigner(dir, false)
		if err != nil {
			return fmt.Errorf("%w (pass the sender's public key with --pubkey)", err)
		}
		pub, from = s.Public(), "the data folder "+dir
	}
	path := fs.Arg(0)
	fmt.Fprintf(env.Stdout, "checking %s with key %s (from %s)\n", path, evidence.KeyID(pub), from)
	rep, err := referral.VerifyBundle(path, pub, evidence.Options{})
	if rep != nil {
		if rep.SignatureOK {
			fmt.Fprintf(env.Stdout, "ok  %s  signature by key %s, manifest SHA-256 %s\n", evidence.SignatureName, rep.KeyID, rep.ManifestSHA256)
		}
		mark := "ok "
		if !rep.SignatureOK {
			mark = "ok (as the unsigned manifest says)"
		}
		for _, f := range rep.Files {
			fmt.Fprintf(env.Stdout, "%s %s  %d bytes  SHA-256 %s\n", mark, f.Path, f.Size, f.SHA256)
		}
	}
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	m := rep.Manifest
	fmt.Fprintf(env.Stdout, "verified: referral %s, %d files, signed %s by key %s\n", m.ReferralID, len(m.Files), m.CreatedAt.Format("2006-01-02 15:04:05 UTC"), m.KeyID)
	return nil
}
