package ingest

import (
	"fmt"
	"strings"
)

// Skip is one input item that a connector could not turn into a Post.
type Skip struct {
	// Where locates the item, e.g. "posts.csv:17" or a URL.
	Where string
	// Err says what was wrong with it.
	Err error
}

// SkipError reports the items a Fetch skipped as malformed. When Fetch returns
// a *SkipError, the posts and next cursor it returned are valid and must be
// used: the bad items are reported and counted, never retried.
type SkipError struct {
	// Items are the skipped items in input order.
	Items []Skip
}

// Error summarises the skipped items.
func (e *SkipError) Error() string {
	if len(e.Items) == 0 {
		return "no items skipped"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%d malformed item(s) skipped: %s: %v", len(e.Items), e.Items[0].Where, e.Items[0].Err)
	if len(e.Items) > 1 {
		b.WriteString(", …")
	}
	return b.String()
}
