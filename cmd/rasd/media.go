package main

import (
	"context"
	"flag"
	"fmt"
	"path/filepath"
	"strings"
	"text/tabwriter"

	"github.com/rasd-iq/rasd/models/media/hashbank"
	"github.com/rasd-iq/rasd/models/media/pdq"
	"github.com/rasd-iq/rasd/models/media/vpdq"
)

func init() {
	register(&command{
		Name:    "media",
		Summary: "PDQ hashes of images and videos; banks of known content (import, export, list, switch)",
		Usage: "media hash [--max-frames N] FILE...\n" +
			"  rasd media bank import [--replace] [--data DIR] NAME FILE.csv\n" +
			"  rasd media bank export [--out FILE] [--data DIR] NAME\n" +
			"  rasd media bank list [--data DIR]\n" +
			"  rasd media bank enable|disable [--data DIR] NAME",
		Example: "rasd media hash photo.jpg clip.mp4 > known.csv && rasd media bank import local known.csv",
		Run:     runMedia,
	})
}

func runMedia(env *Env, args []string) error {
	c := commands["media"]
	if len(args) == 0 {
		return usagef("missing subcommand: hash or bank")
	}
	switch args[0] {
	case "-h", "--help", "-help":
		printCommandHelp(env.Stdout, c, nil)
		return errHelpShown
	case "hash":
		return mediaHash(env, c, args[1:])
	case "bank":
		return mediaBank(env, c, args[1:])
	}
	return usagef("unknown subcommand %q (want hash or bank)", args[0])
}

// mediaHash prints hash,quality,file for each image (the reference PDQ
// hasher's CSV) and one such line per kept frame of each video, its file
// written FILE#t=SECONDS.
func mediaHash(env *Env, c *command, args []string) error {
	fs := newFlagSet(env, c)
	maxFrames := fs.Int("max-frames", vpdq.DefaultMaxFrames, "most frames hashed from each video (one a second)")
	if err := parseFlags(env, c, fs, args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		return usagef("hash: missing FILE")
	}
	w, flush, err := openOutput(env, "")
	if err != nil {
		return err
	}
	failed := 0
	for _, f := range fs.Args() {
		if vpdq.IsVideoName(f) {
			frames, err := vpdq.FromVideo(context.Background(), f, *maxFrames)
			if err != nil {
				failed++
				fmt.Fprintln(env.Stderr, err)
				continue
			}
			for _, fr := range frames {
				fmt.Fprintf(w, "%s,%d,%s\n", fr.Hash, fr.Quality, csvField(fmt.Sprintf("%s#t=%g", f, fr.Second)))
			}
			continue
		}
		h, q, err := pdq.FromFile(f)
		if err != nil {
			failed++
			fmt.Fprintln(env.Stderr, err)
			continue
		}
		fmt.Fprintf(w, "%s,%d,%s\n", h, q, csvField(f))
	}
	if err := flush(); err != nil {
		return err
	}
	if failed > 0 {
		return fmt.Errorf("%d of %d files could not be hashed", failed, fs.NArg())
	}
	return nil
}

// csvField quotes s when CSV needs it.
func csvField(s string) string {
	if strings.ContainsAny(s, ",\"\r\n") {
		return `"` + strings.ReplaceAll(s, `"`, `""`) + `"`
	}
	return s
}

// bankFlags are the flags every bank subcommand takes.
type bankFlags struct{ config, data *string }

func addBankFlags(fs *flag.FlagSet) bankFlags {
	return bankFlags{
		config: fs.String("config", "", "engine configuration `file` (rasd.yaml)"),
		data:   fs.String("data", "", "data `folder` (default the config's, else rasd-data); banks are DATA/banks/NAME.csv"),
	}
}

// dir returns the bank directory, DATA/banks.
func (f bankFlags) dir() (string, error) {
	cfg, err := loadRunConfig(*f.config)
	if err != nil {
		return "", err
	}
	if *f.data != "" {
		cfg.Data = *f.data
	}
	return filepath.Join(cfg.Data, "banks"), nil
}

func mediaBank(env *Env, c *command, args []string) error {
	if len(args) == 0 {
		return usagef("bank: missing subcommand: import, export, list, enable or disable")
	}
	sub := args[0]
	fs := newFlagSet(env, c)
	bf := addBankFlags(fs)
	replace := fs.Bool("replace", false, "import: replace the bank's entries instead of adding to them")
	out := fs.String("out", "", "export: CSV `file` to write (default stdout)")
	if err := parseFlags(env, c, fs, args[1:]); err != nil {
		return err
	}
	want := map[string]int{"import": 2, "export": 1, "list": 0, "enable": 1, "disable": 1}
	n, ok := want[sub]
	if !ok {
		return usagef("bank: unknown subcommand %q (want import, export, list, enable or disable)", sub)
	}
	if fs.NArg() != n {
		return usagef("bank %s: want %d argument(s), got %d", sub, n, fs.NArg())
	}
	if (*replace && sub != "import") || (*out != "" && sub != "export") {
		return usagef("bank %s: --replace goes with import, --out with export", sub)
	}
	dir, err := bf.dir()
	if err != nil {
		return err
	}
	switch sub {
	case "import":
		res, err := hashbank.ImportFile(dir, fs.Arg(0), fs.Arg(1), *replace)
		if err != nil {
			return err
		}
		for t, k := range res.Skipped {
			fmt.Fprintf(env.Stderr, "skipped %d rows of signal type %q (not matched by rasd)\n", k, t)
		}
		fmt.Fprintf(env.Stdout, "bank %s: read %d entries, added %d, now %d\n", fs.Arg(0), res.Read, res.Added, res.Total)
		return nil
	case "export":
		b, err := hashbank.LoadBank(dir, fs.Arg(0))
		if err != nil {
			return err
		}
		w, closeOut, err := openOutput(env, *out)
		if err != nil {
			return err
		}
		err = hashbank.WriteCSV(w, b.Entries)
		if cerr := closeOut(); err == nil {
			err = cerr
		}
		return err
	case "enable", "disable":
		return hashbank.SetDisabled(dir, fs.Arg(0), sub == "disable")
	}
	set, err := hashbank.LoadDir(dir)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "BANK\tSTATE\tPDQ\tMD5\tSHA256")
	for _, s := range set.Banks() {
		state := "enabled"
		if !s.Enabled {
			state = "disabled"
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%d\n", s.Name, state, s.Counts[hashbank.KindPDQ], s.Counts[hashbank.KindMD5], s.Counts[hashbank.KindSHA256])
	}
	return tw.Flush()
}
