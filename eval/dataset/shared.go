package dataset

import (
	"fmt"
	"os"
	"path/filepath"
)

// SharedDir returns the directory of the shared public corpora: $RASD_DATASETS
// when set, else ../shared/datasets next to the repository root (the directory
// holding go.mod, found by walking up from the working directory).
func SharedDir() (string, error) {
	if d := os.Getenv("RASD_DATASETS"); d != "" {
		return d, nil
	}
	wd, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("finding the shared datasets: %w", err)
	}
	for d := wd; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return filepath.Join(filepath.Dir(d), "shared", "datasets"), nil
		}
		if filepath.Dir(d) == d {
			return "", fmt.Errorf("finding the shared datasets: no go.mod above %s", wd)
		}
	}
}
