package models

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// ErrNoORTLib is returned by FindORTLib when no ONNX Runtime library is found.
var ErrNoORTLib = errors.New("onnx runtime library not found (run `make ort` or `bash scripts/setup-ort.sh`, or set RASD_ORT_LIB)")

// RepoRoot returns the directory holding go.mod, found by walking up from the
// working directory.
func RepoRoot() (string, error) {
	wd, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("finding repository root: %w", err)
	}
	for d := wd; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return d, nil
		}
		if filepath.Dir(d) == d {
			return "", fmt.Errorf("finding repository root: no go.mod above %s", wd)
		}
	}
}

// DefaultDir returns <repo>/models/default, the committed default model.
func DefaultDir() (string, error) {
	root, err := RepoRoot()
	if err != nil {
		return "", err
	}
	return filepath.Join(root, "models", "default"), nil
}

// DatasetsDir returns $RASD_DATASETS, or <repo>/../shared/datasets.
func DatasetsDir() (string, error) {
	if d := os.Getenv("RASD_DATASETS"); d != "" {
		return d, nil
	}
	root, err := RepoRoot()
	if err != nil {
		return "", err
	}
	return filepath.Join(filepath.Dir(root), "shared", "datasets"), nil
}

// FindORTLib returns the ONNX Runtime shared library to load: flagValue when
// set, then $RASD_ORT_LIB, then <repo>/.cache/onnxruntime/libonnxruntime.so.1.
// A path that is named but missing is an error.
func FindORTLib(flagValue string) (string, error) {
	for _, p := range []string{flagValue, os.Getenv("RASD_ORT_LIB")} {
		if p == "" {
			continue
		}
		if _, err := os.Stat(p); err != nil {
			return "", fmt.Errorf("onnx runtime library %s: %w", p, err)
		}
		return p, nil
	}
	root, err := RepoRoot()
	if err != nil {
		return "", fmt.Errorf("%w: %v", ErrNoORTLib, err)
	}
	p := filepath.Join(root, ".cache", "onnxruntime", "libonnxruntime.so.1")
	if _, err := os.Stat(p); err != nil {
		return "", fmt.Errorf("%w: %s is missing", ErrNoORTLib, p)
	}
	return p, nil
}
