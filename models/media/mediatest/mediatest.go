// Package mediatest finds the shared media test data (reference images and
// their published hashes) for the tests of the media packages.
package mediatest

import (
	"os"
	"path/filepath"
	"testing"
)

// DirEnv names the media data folder when it is not ../shared/media beside
// the repository.
const DirEnv = "RASD_MEDIA_DATA"

// RequireEnv, when set, turns a missing data folder from a skip into a
// failure (as RASD_TEST_REQUIRE_SERVERS does for servers).
const RequireEnv = "RASD_TEST_REQUIRE_DATA"

// Dir returns the media data folder joined with sub (e.g. "pdq"): $RASD_MEDIA_DATA,
// else ../shared/media next to the directory holding go.mod. When it does
// not exist the test is skipped, or fails if $RASD_TEST_REQUIRE_DATA is set.
func Dir(tb testing.TB, sub string) string {
	tb.Helper()
	dir := os.Getenv(DirEnv)
	if dir == "" {
		dir = sharedMedia()
	}
	p := filepath.Join(dir, sub)
	if _, err := os.Stat(p); err != nil {
		if os.Getenv(RequireEnv) != "" {
			tb.Fatalf("shared media test data missing (%s is set): %v", RequireEnv, err)
		}
		tb.Skipf("shared media test data not found (set %s to the shared/media folder): %v", DirEnv, err)
	}
	return p
}

// sharedMedia returns ../shared/media beside the module root, or "" when no
// go.mod is found above the working directory.
func sharedMedia() string {
	wd, err := os.Getwd()
	if err != nil {
		return ""
	}
	for d := wd; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return filepath.Join(filepath.Dir(d), "shared", "media")
		}
		if filepath.Dir(d) == d {
			return ""
		}
	}
}
