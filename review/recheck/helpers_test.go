package recheck

import (
	"context"
	"time"

	"github.com/rasd-iq/rasd/ingest"
	"github.com/rasd-iq/rasd/ingest/httpx"
	"github.com/rasd-iq/rasd/review"
	"github.com/rasd-iq/rasd/review/referral"
)

// localClient is a platform client that may reach the test servers.
func localClient() *httpx.Client {
	return httpx.New(httpx.Options{Timeout: 5 * time.Second, MaxRetries: -1, AllowInternal: true})
}

// webChecker is the permalink check allowed onto the test servers.
type webChecker struct{}

func (webChecker) Probe(ctx context.Context, post ingest.Post) review.Check {
	return (&referral.Checker{Client: httpx.GuardedClient(5*time.Second, true)}).Probe(ctx, post)
}
