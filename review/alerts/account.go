package alerts

import (
	"context"
	"time"

	"github.com/rasd-iq/rasd/index"
)

// AccountSearch is a search an account saved in the web UI with alerts on.
type AccountSearch struct {
	// User is the account; Name what it called the search.
	User, Name string
	// Raw is the search's saved query string; Query the search it means.
	Raw   string
	Query index.Query
}

// AccountMatch is a new post an account's saved search matched.
type AccountMatch struct {
	User, Search, Post string
	At                 time.Time
}

// Accounts is where the searches accounts saved with alerts on come from
// and where their matches go (the web UI's accounts, in the review store).
type Accounts interface {
	// AlertSearches returns the saved searches with alerts on of the
	// accounts that may still search.
	AlertSearches(ctx context.Context) ([]AccountSearch, error)
	// Notify puts matches in their accounts' inboxes.
	Notify(ctx context.Context, matches []AccountMatch) error
}

// accountPrefix starts the state keys of the accounts' searches; the
// configuration's search names cannot contain its colon.
const accountPrefix = "account:"

func accountKey(a AccountSearch) string {
	return accountPrefix + a.User + "\x00" + a.Name + "\x00" + a.Raw
}
