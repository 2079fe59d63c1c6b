package main

import (
	"fmt"
	"os"

	"github.com/rasd-iq/rasd/models/signals"
)

// readDefenders reads the known defenders named by signals.defenders_file
// (or eval route's --defenders); an empty path is an empty list.
func readDefenders(path string) ([]signals.KnownDefender, error) {
	if path == "" {
		return nil, nil
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("known defenders: %w", err)
	}
	defer f.Close()
	list, err := signals.ReadDefenders(f)
	if err != nil {
		return nil, fmt.Errorf("known defenders %s: %w", path, err)
	}
	return list, nil
}
