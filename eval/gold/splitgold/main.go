// Command splitgold validates the Iraqi gold set's items/*.jsonl and writes
// its fixed train, dev and test splits.
//
// Usage:
//
//	go run ./eval/gold/splitgold [-dir eval/data/iraqi-gold] [-seed S] [-stats] [-check]
//
// Ids already in splits.json keep their split; new ids are assigned
// stratified by functionality. After writing the splits it refreshes the
// count tables in the directory's README.md (between the stats markers).
// -stats prints those Markdown tables of counts per label, functionality,
// dialect and target instead of writing anything; -check only validates.
package main

import (
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"

	"github.com/rasd-iq/rasd/eval/gold"
)

// usageError marks misuse of the command (exit status 2).
type usageError struct{ error }

func main() {
	err := run(os.Args[1:])
	var usage usageError
	switch {
	case err == nil:
	case errors.Is(err, flag.ErrHelp):
	case errors.As(err, &usage):
		fmt.Fprintln(os.Stderr, "splitgold:", err)
		os.Exit(2)
	default:
		fmt.Fprintln(os.Stderr, "splitgold:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	fs := flag.NewFlagSet("splitgold", flag.ContinueOnError)
	dir := fs.String("dir", "", "gold set directory (default: eval/data/iraqi-gold under the module root)")
	seed := fs.String("seed", gold.DefaultSeed, "seed of the split hash")
	stats := fs.Bool("stats", false, "print Markdown count tables and write nothing")
	check := fs.Bool("check", false, "validate only, write nothing")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return usageError{err}
	}
	if fs.NArg() > 0 {
		return usageError{fmt.Errorf("unexpected argument %q (flags: -dir, -seed, -stats, -check)", fs.Arg(0))}
	}
	if *stats && *check {
		return usageError{errors.New("-stats and -check are exclusive")}
	}
	if *dir == "" {
		d, err := gold.DefaultDir()
		if err != nil {
			return err
		}
		*dir = d
	}
	items, err := gold.LoadDir(filepath.Join(*dir, "items"))
	if err != nil {
		return err
	}
	if err := gold.Validate(items); err != nil {
		return fmt.Errorf("invalid items:\n%w", err)
	}
	for _, p := range gold.NearDuplicates(items, gold.NearDupThreshold) {
		slog.Warn("near-duplicate items", "a", p.A, "b", p.B, "jaccard", fmt.Sprintf("%.2f", p.Jaccard))
	}
	existing, err := gold.ReadSplits(filepath.Join(*dir, "splits.json"))
	if err != nil {
		return err
	}
	splits := gold.Assign(items, *seed, existing)
	if *stats {
		return gold.Compute(items, splits).WriteMarkdown(os.Stdout)
	}
	if *check {
		fmt.Printf("%d items valid\n", len(items))
		return nil
	}
	if err := gold.Write(*dir, items, splits); err != nil {
		return err
	}
	st := gold.Compute(items, splits)
	if err := gold.UpdateReadme(filepath.Join(*dir, "README.md"), st); err != nil {
		return err
	}
	fmt.Printf("wrote %d items: train %d, dev %d, test %d; violating %d\n",
		st.Total, st.PerSplit[gold.Train], st.PerSplit[gold.Dev], st.PerSplit[gold.Test], st.Violating)
	return nil
}
