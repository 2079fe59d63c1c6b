//go:build !unix

package audit

import "os"

// lockFile is a no-op where advisory file locks are unavailable; appends
// from one process are still serialised by the Log's mutex.
func lockFile(*os.File) error { return nil }

// unlockFile is a no-op where advisory file locks are unavailable.
func unlockFile(*os.File) {}
