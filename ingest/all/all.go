// Package all registers every connector type: import it for its side effects.
package all

import (
	_ "github.com/rasd-iq/rasd/ingest/file" // file: JSONL and CSV imports
	_ "github.com/rasd-iq/rasd/ingest/tips" // tips: reports from trusted flaggers
)
