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
// working directory, or else from the rasd binary's folder (bin/rasd run
// from anywhere).
func RepoRoot() (string, error) {
	wd, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("finding repository root: %w", err)
	}
	if d, ok := findUp(wd, "go.mod"); ok {
		return d, nil
	}
	if exe, err := os.Executable(); err == nil {
		if exe, err = filepath.EvalSymlinks(exe); err == nil {
			if d, ok := findUp(filepath.Dir(exe), "go.mod"); ok {
				return d, nil
			}
		}
	}
	return "", fmt.Errorf("finding repository root: no go.mod above %s or the rasd binary", wd)
}

// findUp returns the first folder from dir upwards that holds name.
func findUp(dir, name string) (string, bool) {
	for d := dir; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, name)); err == nil {
			return d, true
		}
		if filepath.Dir(d) == d {
			return "", false
		}
	}
}

// ModelEnv names the model folder to use when none is given.
const ModelEnv = "RASD_MODEL"

// DefaultDir returns $RASD_MODEL, or else <repo>/models/default, the
// committed default model (the repository found from the working
// directory or the rasd binary).
func DefaultDir() (string, error) {
	if d := os.Getenv(ModelEnv); d != "" {
		return d, nil
	}
	root, err := RepoRoot()
	if err != nil {
		return "", fmt.Errorf("%w; name a model with --model or $%s", err, ModelEnv)
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
