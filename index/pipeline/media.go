package pipeline

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/rasd-iq/rasd/index"
	"github.com/rasd-iq/rasd/index/store"
	"github.com/rasd-iq/rasd/ingest"
	"github.com/rasd-iq/rasd/ingest/httpx"
	"github.com/rasd-iq/rasd/policy"
	"github.com/rasd-iq/rasd/policy/audit"
)

// MediaQueue is the store's list of posts whose media wait for the media
// stage (both stores keep one beside the records): a record stored with
// media and no results joins it, and leaves it when stored with results.
type MediaQueue interface {
	// ClaimMedia hands out up to max waiting posts no one else holds.
	ClaimMedia(ctx context.Context, max int) ([]string, error)
	// ReleaseMedia gives claimed posts back.
	ReleaseMedia(ctx context.Context, ids []string) error
	// DropMedia removes posts from the list without results.
	DropMedia(ctx context.Context, ids []string) error
	// MediaDepth counts the waiting posts.
	MediaDepth(ctx context.Context) (int, error)
}

// MediaAnalyzer fetches, stores, hashes, matches and reads a post's media:
// one result per item of post.Media, in order, each with its error when
// the item could not be fetched or read. It fails as a whole only when it
// cannot work at all (its store is down), so that the post is tried again.
type MediaAnalyzer interface {
	Analyze(ctx context.Context, post *ingest.Post) ([]store.MediaResult, error)
}

// mediaBatch is how many posts a media worker claims at once.
const mediaBatch = 8

// runMediaWorker processes posts whose media wait, off the text path: the
// media are fetched and read, their text scored like post text, bank
// matches become signals, and the post is judged again with what its media
// hold, entering review if the new judgement routes it there.
func (p *Pipeline) runMediaWorker(ctx context.Context, mq MediaQueue) error {
	for {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		ids, err := mq.ClaimMedia(ctx, mediaBatch)
		if err == nil && len(ids) > 0 {
			for i, id := range ids {
				if err = p.processMedia(ctx, mq, id); err != nil {
					if rerr := mq.ReleaseMedia(context.WithoutCancel(ctx), ids[i:]); rerr != nil {
						p.cfg.Log.Error("releasing media work", "err", rerr)
					}
					break
				}
			}
		}
		if err != nil && ctx.Err() == nil {
			p.cfg.Log.Error("media stage", "err", err)
		}
		if err == nil && len(ids) > 0 {
			continue
		}
		if len(ids) == 0 && err == nil {
			select {
			case p.mediaIdle <- struct{}{}:
			default:
			}
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-p.mediaWork:
		case <-time.After(p.cfg.PollEvery):
		}
	}
}

// processMedia runs the media stage for one stored post.
func (p *Pipeline) processMedia(ctx context.Context, mq MediaQueue, id string) error {
	start := time.Now()
	rec, err := p.cfg.Store.Get(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return mq.DropMedia(ctx, []string{id})
	}
	if err != nil {
		return fmt.Errorf("media of %s: %w", id, err)
	}
	if !store.NeedsMedia(&rec) {
		return mq.DropMedia(ctx, []string{id})
	}
	results, err := p.cfg.Media.Analyze(ctx, &rec.Post)
	if err != nil {
		return fmt.Errorf("media of %s: %w", id, err)
	}
	if len(results) != len(rec.Post.Media) {
		return fmt.Errorf("media of %s: %d results for %d items", id, len(results), len(rec.Post.Media))
	}
	for i := range results {
		if results[i].At.IsZero() {
			results[i].At = time.Now().UTC()
		}
		if results[i].URL == "" {
			results[i].URL = rec.Post.Media[i].URL
		}
		if results[i].SHA256 != "" {
			rec.Post.Media[i].SHA256 = results[i].SHA256
		}
	}
	before, wasQueued, wasUrgent := rec.Judgement, rec.Queued, rec.Urgent
	changed, err := p.judgeWithMedia(ctx, &rec, results)
	if err != nil {
		return fmt.Errorf("media of %s: %w", id, err)
	}
	sampled := !rec.Queued && !rec.Sample && Sampled(id, p.cfg.SampleRate)
	rec.Sample = rec.Sample || sampled
	if !rec.Queued && !rec.Sample {
		rec.Post.Capture, rec.Post.CaptureType = nil, ""
	}
	// The search index first: once the store says the media are done
	// (media_pending in /healthz), what the media said is searchable. The
	// index is derived, so a failure between the two only indexes again.
	if err := p.index([]index.Doc{DocFor(&rec)}); err != nil {
		return err
	}
	if err := p.cfg.Store.Complete(ctx, []store.Record{rec}, nil, nil); err != nil {
		return fmt.Errorf("storing media results of %s: %w", id, err)
	}
	p.auditMedia(&rec, before, changed)
	if sampled {
		p.m.sampled.Inc()
		p.auditQueued([]store.Record{rec})
	}
	// A post its media sent to review, or made urgent there (banked
	// content in a post whose words were queued already), is news.
	if rec.Queued && (!wasQueued || rec.Urgent && !wasUrgent) {
		p.notifyQueued(ctx, []store.Record{rec})
	}
	for i := range results {
		r := &results[i]
		switch {
		case r.Error != "":
			p.m.media.WithLabelValues("failed").Inc()
		case len(r.Matches) > 0:
			p.m.media.WithLabelValues("matched").Inc()
		default:
			p.m.media.WithLabelValues("read").Inc()
		}
	}
	p.m.mediaSeconds.Observe(time.Since(start).Seconds())
	return nil
}

// judgeWithMedia scores the text read in rec's media like post text, adds
// the signals found there and the bank matches, and judges rec again: the
// raw scores are the highest of the post's and its media's, so that an
// image's text can route a post its words alone did not. It reports
// whether the routing changed. Context labels (counter-speech, news) keep
// the post text's scores: the framing is the poster's words.
func (p *Pipeline) judgeWithMedia(ctx context.Context, rec *store.Record, results []store.MediaResult) (bool, error) {
	rec.Media = results
	var texts []string
	var at []int
	for i := range results {
		if results[i].OCR != "" {
			texts = append(texts, results[i].OCR)
			at = append(at, i)
		}
	}
	var matched bool
	for i := range results {
		matched = matched || len(results[i].Matches) > 0
	}
	if len(texts) == 0 && !matched {
		return false, nil
	}
	s := Scored{Scores: maps.Clone(rec.Scores), Flags: slices.Clone(rec.Flags), Context: slices.Clone(rec.Context), Spans: rec.Spans}
	if s.Scores == nil {
		s.Scores = map[string]float64{}
	}
	if rec.Judgement != nil {
		s.Signals = slices.Clone(rec.Judgement.Signals)
		s.Undiscounted = maps.Clone(rec.Judgement.Undiscounted)
	}
	if len(texts) > 0 {
		scored, err := p.cfg.Scorer.Score(ctx, texts)
		if err != nil {
			return false, fmt.Errorf("scoring the text in its media: %w", err)
		}
		if len(scored) != len(texts) {
			return false, fmt.Errorf("scorer returned %d results for %d texts", len(scored), len(texts))
		}
		for j, i := range at {
			m, sc := &results[i], &scored[j]
			m.OCRSpans = slices.Clone(sc.Spans)
			for l, v := range sc.Scores {
				// What an image says counts as content; whether the post
				// reports, rejects or answers it is the poster's own words'
				// to say, so context labels keep the post text's scores.
				if !slices.Contains(policy.ContextLabels, l) && v > s.Scores[l] {
					// The score is now the image's, which the post's
					// stance did not lower.
					s.Scores[l] = v
					delete(s.Undiscounted, l)
				}
			}
			for _, l := range sc.Flags {
				if !slices.Contains(s.Flags, l) && !slices.Contains(policy.ContextLabels, l) {
					s.Flags = append(s.Flags, l)
				}
			}
			if p.cfg.Signals != nil {
				img := rec.Post
				img.Text = m.OCR
				for _, sg := range p.cfg.Signals.Signals(&img, sc.Normalized) {
					m.OCRSpans = append(m.OCRSpans, store.Span{Start: sg.Start, End: sg.End, Label: sg.Name, Term: sg.Detail})
					// The span points into the image's text, not the post's.
					s.Signals = append(s.Signals, policy.Signal{Name: sg.Name, Detail: joinDetail("in the text of image "+short(m.SHA256), sg.Detail)})
				}
			}
		}
	}
	for i := range results {
		for _, k := range results[i].Matches {
			s.Signals = append(s.Signals, policy.Signal{Name: policy.KnownContentSignal + ":" + k.Bank,
				Detail: fmt.Sprintf("image %s matches entry %s of bank %s (%s, distance %d)", short(results[i].SHA256), k.Entry, k.Bank, k.Kind, k.Distance)})
		}
	}
	jd, err := p.cfg.Router.Judge(&rec.Post, &s)
	if err != nil {
		return false, fmt.Errorf("routing with its media: %w", err)
	}
	changed := rec.Judgement == nil || !sameRouting(rec.Judgement.Decision, jd.Decision)
	d := &jd.Decision
	rec.Scores, rec.Flags = s.Scores, s.Flags
	rec.Judgement = &jd
	if d.Queue {
		rec.Queued, rec.Priority, rec.Urgent, rec.Reasons = true, d.Priority, d.Urgent, d.ReasonLines()
	}
	return changed, nil
}

// auditMedia appends the chain of custody of rec's media (what was fetched,
// with its hashes) and, when the media changed its routing, the new
// judgement.
func (p *Pipeline) auditMedia(rec *store.Record, before *policy.Judgement, changed bool) {
	if p.cfg.Audit == nil {
		return
	}
	items := make([]map[string]any, 0, len(rec.Media))
	for _, m := range rec.Media {
		it := map[string]any{"url": m.URL, "sha256": m.SHA256, "md5": m.MD5, "size": m.Size, "type": m.Type}
		if m.PDQ != "" {
			it["pdq"], it["quality"] = m.PDQ, m.Quality
		}
		if m.Error != "" {
			it["error"] = m.Error
		}
		if len(m.Matches) > 0 {
			var ms []string
			for _, k := range m.Matches {
				ms = append(ms, fmt.Sprintf("%s/%s (%s, %d)", k.Bank, k.Entry, k.Kind, k.Distance))
			}
			it["matches"] = ms
		}
		items = append(items, it)
	}
	evs := []audit.Event{{Type: audit.TypeEvidence, Actor: "media", Subject: rec.Post.ID, Time: time.Now().UTC(),
		Details: map[string]any{"stage": "media", "media": items}}}
	if changed && rec.Judgement != nil && rec.Judgement.Decision.Queue {
		ev := rec.Judgement.AuditEvent(rec.Post.ID)
		evs = append(evs, ev)
		if before == nil || !before.Decision.Queue {
			evs = append(evs, captureEvent(rec))
		}
	}
	if _, err := p.cfg.Audit.AppendBatch(evs); err != nil {
		p.cfg.Log.Error("auditing media", "post", rec.Post.ID, "err", err)
	}
}

// captureEvent records the raw capture kept for a post that entered review.
func captureEvent(r *store.Record) audit.Event {
	d := map[string]any{"stage": "capture", "permalink": r.Post.Permalink, "fetched": r.Post.Fetched.UTC().Format(time.RFC3339Nano),
		"raw_sha256": r.Post.RawSHA256, "text_sha256": httpx.SHA256Hex([]byte(r.Post.Text))}
	if len(r.Post.Capture) > 0 {
		d["capture_sha256"], d["capture_type"], d["capture_bytes"] = httpx.SHA256Hex(r.Post.Capture), r.Post.CaptureType, len(r.Post.Capture)
	}
	return audit.Event{Type: audit.TypeEvidence, Actor: "pipeline", Subject: r.Post.ID, Time: r.Processed, Details: d}
}

func short(sha string) string {
	if len(sha) > 12 {
		return sha[:12]
	}
	return sha
}

func joinDetail(a, b string) string {
	if b == "" {
		return a
	}
	return a + ": " + strings.TrimSpace(b)
}
