package ingest

import "time"

// HealthReporter is implemented by connectors that can tell, beyond a
// failed Fetch, that a source works only in part: every request succeeds but
// what comes back is hollow (e.g. a Discord bot without the message content
// intent receives messages with their text and attachments blanked). The
// engine asks after each Fetch, keeps the posts, and shows the source as
// degraded until Health returns nil again.
type HealthReporter interface {
	// Health returns nil while the source works as configured, and
	// otherwise an error saying what is missing and how to mend it. It
	// reflects the fetches so far and is safe to call while Fetch runs.
	Health() error
}

// HealthOf returns c's Health, or nil when c does not report its health.
func HealthOf(c Connector) error {
	if h, ok := c.(HealthReporter); ok {
		return h.Health()
	}
	return nil
}

// SourceHealth is what a source's fetches did lately, for the sources
// admin page and API (the engine keeps it per source it runs).
type SourceHealth struct {
	// Name is the source's name.
	Name string `json:"name"`
	// Running is true while the source is being fetched.
	Running bool `json:"running"`
	// LastFetch is when its last fetch ended, well or not.
	LastFetch time.Time `json:"last_fetch,omitzero"`
	// LastSuccess is when a fetch last succeeded.
	LastSuccess time.Time `json:"last_success,omitzero"`
	// LastError is the error of the last fetch; empty when it succeeded.
	LastError string `json:"last_error,omitempty"`
	// FailingSince is when its fetches began to fail, while they fail.
	FailingSince time.Time `json:"failing_since,omitzero"`
	// Degraded says what its connector reports wrong (ingest.HealthReporter).
	Degraded string `json:"degraded,omitempty"`
	// Lag is how old the newest post of the last fetch that took posts in
	// was when it was fetched: how far behind the platform Rasd reads it.
	Lag time.Duration `json:"lag_ns"`
	// PostsLastHour counts the new posts taken in during the last hour.
	PostsLastHour int `json:"posts_last_hour"`
}
