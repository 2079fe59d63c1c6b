package recheck

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"

	"github.com/rasd-iq/rasd/ingest"
	"github.com/rasd-iq/rasd/ingest/httpx"
	"github.com/rasd-iq/rasd/review"
)

// MethodX is the Check.Method of X.
const MethodX = "x-api"

// X checks tweets through the API v2 tweet lookup.
type X struct {
	// Base is the API root, e.g. https://api.twitter.com.
	Base string
	// Token is the app bearer token.
	Token ingest.Secret
	// Client makes the requests (it should scrub Token from errors);
	// a guarded default when nil.
	Client *httpx.Client
}

var tweetID = regexp.MustCompile(`^[0-9]{1,20}$`)

// xProblem is one entry of a v2 response's errors array.
type xProblem struct {
	Value      string `json:"value"`
	ResourceID string `json:"resource_id"`
	Title      string `json:"title"`
	Detail     string `json:"detail"`
	Type       string `json:"type"`
}

// Probe looks the tweet up: in data it is present (noting countries that
// withhold it); an errors entry for it of type resource-not-found ("Not
// Found Error") means deleted, one of not-authorized-for-resource
// ("Authorization Error") or naming a suspension means withheld from the
// public; both are removals, the note says which.
func (c *X) Probe(ctx context.Context, post ingest.Post) review.Check {
	id := post.NativeID
	if !tweetID.MatchString(id) {
		return review.Check{Note: fmt.Sprintf("X: %q is not a tweet id", id), Result: review.CheckUnknown, Method: MethodX}
	}
	q := url.Values{"ids": {id}, "tweet.fields": {"withheld"}}
	res, err := client(c.Client).Get(ctx, c.Base+"/2/tweets?"+q.Encode(), httpx.GetOptions{
		Header: http.Header{"Authorization": {"Bearer " + c.Token.Reveal()}}})
	if err != nil {
		return failed(MethodX, err)
	}
	var body struct {
		Data []struct {
			ID       string `json:"id"`
			Withheld *struct {
				CountryCodes []string `json:"country_codes"`
			} `json:"withheld"`
		} `json:"data"`
		Errors []xProblem `json:"errors"`
	}
	if err := json.Unmarshal(res.Raw, &body); err != nil {
		return review.Check{Code: res.Status, Note: "X: answer not understood", Result: review.CheckUnknown, Method: MethodX}
	}
	for _, d := range body.Data {
		if d.ID != id {
			continue
		}
		note := "X: tweet is up"
		if d.Withheld != nil && len(d.Withheld.CountryCodes) > 0 {
			note = "X: tweet is up, withheld in " + strings.Join(d.Withheld.CountryCodes, ", ")
		}
		return review.Check{Code: res.Status, Note: note, Result: review.CheckPresent, Method: MethodX}
	}
	for _, e := range body.Errors {
		if e.Value != id && e.ResourceID != id {
			continue
		}
		switch {
		case strings.HasSuffix(e.Type, "/resource-not-found") || e.Title == "Not Found Error":
			reason := "deleted"
			if strings.Contains(strings.ToLower(e.Detail), "suspended") {
				reason = "account suspended"
			}
			return review.Check{Code: res.Status, Note: "X: " + e.Title + " (" + reason + ")", Result: review.CheckRemoved, Method: MethodX}
		case strings.HasSuffix(e.Type, "/not-authorized-for-resource") || e.Title == "Authorization Error" ||
			strings.Contains(strings.ToLower(e.Detail), "suspended"):
			return review.Check{Code: res.Status, Note: "X: " + e.Title + " (withheld, protected or account suspended)", Result: review.CheckRemoved, Method: MethodX}
		default:
			return review.Check{Code: res.Status, Note: "X: " + e.Title, Result: review.CheckUnknown, Method: MethodX}
		}
	}
	return review.Check{Code: res.Status, Note: "X: tweet neither in data nor in errors", Result: review.CheckUnknown, Method: MethodX}
}
