package ingest

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
