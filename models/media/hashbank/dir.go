package hashbank

import (
	"bufio"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// Files of a bank directory: NAME.csv holds bank NAME, and NAME.disabled,
// when present, switches it off.
const (
	bankExt     = ".csv"
	disabledExt = ".disabled"
)

// LoadDir reads every bank in dir (see ReadDir) and indexes them. A
// missing dir gives an empty set.
func LoadDir(dir string) (*Set, error) {
	banks, err := ReadDir(dir)
	if err != nil {
		return nil, err
	}
	return NewSet(banks...)
}

// ReadDir reads the banks in dir, one per NAME.csv, in name order; a
// missing dir holds none.
func ReadDir(dir string) ([]*Bank, error) {
	names, err := Names(dir)
	if err != nil {
		return nil, err
	}
	banks := make([]*Bank, 0, len(names))
	for _, n := range names {
		b, err := LoadBank(dir, n)
		if err != nil {
			return nil, err
		}
		banks = append(banks, b)
	}
	return banks, nil
}

// Names lists the banks in dir, sorted; a missing dir holds none.
func Names(dir string) ([]string, error) {
	ents, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("listing banks: %w", err)
	}
	var names []string
	for _, e := range ents {
		name, ok := strings.CutSuffix(e.Name(), bankExt)
		if !ok || e.IsDir() || ValidName(name) != nil {
			continue
		}
		names = append(names, name)
	}
	slices.Sort(names)
	return names, nil
}

// LoadBank reads bank name from dir/name.csv.
func LoadBank(dir, name string) (*Bank, error) {
	if err := ValidName(name); err != nil {
		return nil, err
	}
	path := filepath.Join(dir, name+bankExt)
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("loading bank %s: %w", name, err)
	}
	defer f.Close()
	entries, skipped, err := ReadCSV(bufio.NewReader(f), path)
	if err != nil {
		return nil, fmt.Errorf("loading bank %s: %w", name, err)
	}
	if len(skipped) > 0 {
		return nil, fmt.Errorf("loading bank %s: %s holds signal types that are not matched (%v); import it again", name, path, skipped)
	}
	_, err = os.Stat(filepath.Join(dir, name+disabledExt))
	return &Bank{Name: name, Entries: entries, Disabled: err == nil}, nil
}

// SaveBank writes b to dir/NAME.csv (creating dir), replacing the file in
// one step, and creates or removes dir/NAME.disabled to match b.Disabled.
func SaveBank(dir string, b *Bank) error {
	if err := ValidName(b.Name); err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return fmt.Errorf("saving bank %s: %w", b.Name, err)
	}
	tmp, err := os.CreateTemp(dir, "."+b.Name+".*.tmp")
	if err != nil {
		return fmt.Errorf("saving bank %s: %w", b.Name, err)
	}
	defer os.Remove(tmp.Name())
	w := bufio.NewWriter(tmp)
	err = WriteCSV(w, b.Entries)
	if err == nil {
		err = w.Flush()
	}
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), filepath.Join(dir, b.Name+bankExt))
	}
	if err != nil {
		return fmt.Errorf("saving bank %s: %w", b.Name, err)
	}
	return SetDisabled(dir, b.Name, b.Disabled)
}

// SetDisabled switches bank name in dir off (creating NAME.disabled) or on
// (removing it). The bank must exist.
func SetDisabled(dir, name string, disabled bool) error {
	if err := ValidName(name); err != nil {
		return err
	}
	if _, err := os.Stat(filepath.Join(dir, name+bankExt)); err != nil {
		return fmt.Errorf("switching bank %s: %w", name, err)
	}
	p := filepath.Join(dir, name+disabledExt)
	if disabled {
		err := os.WriteFile(p, []byte("bank "+name+" is switched off while this file exists\n"), 0o640)
		if err != nil {
			return fmt.Errorf("switching bank %s off: %w", name, err)
		}
		return nil
	}
	if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("switching bank %s on: %w", name, err)
	}
	return nil
}

// ImportResult says what ImportFile did.
type ImportResult struct {
	// Read is the number of entries read from the file.
	Read int
	// Added is the number of those the bank did not hold yet.
	Added int
	// Total is the number of entries in the bank afterwards.
	Total int
	// Skipped counts the rows of signal types that are not matched.
	Skipped Skipped
}

// ImportFile reads the CSV file at path (any shape ReadCSV reads) into
// bank name in dir, creating the bank, and saves it. The file's entries are
// added to those the bank holds, or replace them when replace is set.
func ImportFile(dir, name, path string, replace bool) (ImportResult, error) {
	var res ImportResult
	if err := ValidName(name); err != nil {
		return res, err
	}
	f, err := os.Open(path)
	if err != nil {
		return res, fmt.Errorf("importing into bank %s: %w", name, err)
	}
	defer f.Close()
	entries, skipped, err := ReadCSV(bufio.NewReader(f), path)
	if err != nil {
		return res, fmt.Errorf("importing into bank %s: %w", name, err)
	}
	b := &Bank{Name: name}
	if !replace {
		if old, err := LoadBank(dir, name); err == nil {
			b = old
		} else if !errors.Is(err, fs.ErrNotExist) {
			return res, err
		}
	} else if _, err := os.Stat(filepath.Join(dir, name+disabledExt)); err == nil {
		b.Disabled = true
	}
	res.Read, res.Skipped = len(entries), skipped
	res.Added = b.Merge(entries)
	res.Total = len(b.Entries)
	if err := SaveBank(dir, b); err != nil {
		return res, err
	}
	return res, nil
}
