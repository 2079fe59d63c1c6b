package recheck

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"regexp"

	"github.com/rasd-iq/rasd/ingest"
	"github.com/rasd-iq/rasd/ingest/httpx"
	"github.com/rasd-iq/rasd/review"
)

// MethodYouTube is the Check.Method of YouTube.
const MethodYouTube = "youtube-api"

// YouTube checks videos and comments through the Data API v3.
type YouTube struct {
	// Base is the API root, e.g. https://www.googleapis.com/youtube/v3.
	Base string
	// Key is the API key.
	Key ingest.Secret
	// Client makes the requests (it should scrub Key from errors); a
	// guarded default when nil.
	Client *httpx.Client
}

var (
	videoID   = regexp.MustCompile(`^[A-Za-z0-9_-]{11}$`)
	commentID = regexp.MustCompile(`^[A-Za-z0-9_.-]{12,128}$`)
)

// Probe asks videos.list for a video id and comments.list for a comment id
// (what the YouTube connector stores): an answer without items means the
// video or comment is gone, and so does a 404.
func (c *YouTube) Probe(ctx context.Context, post ingest.Post) review.Check {
	id, what := post.NativeID, "comment"
	endpoint := "/comments"
	switch {
	case videoID.MatchString(id):
		what, endpoint = "video", "/videos"
	case !commentID.MatchString(id):
		return review.Check{Note: "YouTube: " + id + " is not a video or comment id", Result: review.CheckUnknown, Method: MethodYouTube}
	}
	q := url.Values{"id": {id}, "part": {"id"}, "key": {c.Key.Reveal()}}
	res, err := client(c.Client).Get(ctx, c.Base+endpoint+"?"+q.Encode(), httpx.GetOptions{})
	var se *httpx.StatusError
	if errors.As(err, &se) && se.Code == http.StatusNotFound {
		return review.Check{Code: se.Code, Note: "YouTube: " + what + " not found", Result: review.CheckRemoved, Method: MethodYouTube}
	}
	if err != nil {
		return failed(MethodYouTube, err)
	}
	var body struct {
		Items *[]struct {
			ID string `json:"id"`
		} `json:"items"`
	}
	if err := json.Unmarshal(res.Raw, &body); err != nil || body.Items == nil {
		return review.Check{Code: res.Status, Note: "YouTube: answer not understood", Result: review.CheckUnknown, Method: MethodYouTube}
	}
	for _, it := range *body.Items {
		if it.ID == id {
			return review.Check{Code: res.Status, Note: "YouTube: " + what + " is up", Result: review.CheckPresent, Method: MethodYouTube}
		}
	}
	return review.Check{Code: res.Status, Note: "YouTube: no such " + what + " (removed)", Result: review.CheckRemoved, Method: MethodYouTube}
}
