package alerts_test

import (
	"fmt"
	"time"

	"github.com/rasd-iq/rasd/review/alerts"
)

// A receiver checks a webhook delivery with the shared secret: the
// signature over the timestamp and the raw body, and the timestamp's age.
func ExampleVerify() {
	secret := []byte("shared-secret")
	body := []byte(`{"id":"a1","item":"x:1","urgent":true}`)
	now := time.Unix(1764583200, 0)
	ts := fmt.Sprint(now.Unix())
	sig := alerts.Sign(secret, ts, body)
	fmt.Println(sig)
	fmt.Println(alerts.Verify(secret, ts, sig, body, now.Add(time.Minute), 5*time.Minute))
	fmt.Println(alerts.Verify(secret, ts, sig, []byte(`{"id":"a1","item":"x:2","urgent":true}`), now, 5*time.Minute))
	fmt.Println(alerts.Verify(secret, ts, sig, body, now.Add(time.Hour), 5*time.Minute))
	// Output:
	// sha256=1620bf449c6cd202638000c418898055d495763f3769293850e2030a8794b5de
	// <nil>
	// signature does not match
	// timestamp 1764583200 is 1h0m0s away from now
}
