package eval

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"slices"
	"sort"
)

// TrafficPost is one unannotated post of ordinary traffic (e.g.
// ../shared/datasets/realtweets): scored to see how often a model would send
// ordinary posts to reviewers, never to measure recall.
type TrafficPost struct {
	ID      string `json:"id"`      // the post's id, when the file has one
	Text    string `json:"text"`    // the post
	Dialect string `json:"dialect"` // the dialect the data gives, when it gives one
}

// TrafficGroup is the flag rate inside one dialect group.
type TrafficGroup struct {
	Dialect string `json:"dialect"` // the data's dialect value ("" when the data has none)
	Posts   int    `json:"posts"`   // posts in the group
	Flagged int    `json:"flagged"` // posts with a serious flag
	Rate    Float  `json:"rate"`    // Flagged / Posts
}

// TrafficResult is how often a model flags ordinary posts. A flag here is not
// automatically wrong (some ordinary posts are rude or worse), so the rate is
// an upper bound on the false-alarm rate and the reviewer load it implies.
type TrafficResult struct {
	Paths   []string `json:"paths"`   // the files as given
	SHA256  []string `json:"sha256"`  // hex SHA-256 of each file
	Serious []string `json:"serious"` // the labels counted as a serious flag
	Posts   int      `json:"posts"`   // posts scored
	// Flagged counts posts with at least one serious flag; Rate is Flagged/Posts.
	Flagged int   `json:"flagged"`
	Rate    Float `json:"rate"` // see Flagged
	// PerTenThousand is Rate × 10,000: the posts a reviewer would see per
	// 10,000 ordinary posts at the card's thresholds.
	PerTenThousand Float `json:"per_10000"`
	// AnyFlagged counts posts with any flag, offensive included.
	AnyFlagged int `json:"any_flagged"`
	// ByLabel counts the posts flagged per label.
	ByLabel map[string]int `json:"by_label"`
	// Groups gives the rate per dialect, when the data gives dialects.
	Groups []TrafficGroup `json:"groups,omitempty"`
	// Iraqi is the group of posts the data marks as Iraqi; nil when none is.
	Iraqi *TrafficGroup `json:"iraqi,omitempty"`
}

// TrafficFlag is one flagged post, written for a person to read.
type TrafficFlag struct {
	Model   string             `json:"model"`   // NAME@VERSION
	ID      string             `json:"id"`      // the post's id
	Dialect string             `json:"dialect"` // its dialect, when given
	Text    string             `json:"text"`    // the post
	Flags   []string           `json:"flags"`   // every label at or above its threshold
	Scores  map[string]float64 `json:"scores"`  // every label's score
}

// LoadTraffic reads JSONL posts ({"id", "text", "dialect"}; other fields,
// labels included, are ignored) from each path. A malformed line or a post
// without text is an error naming the file and line.
func LoadTraffic(paths []string) ([]TrafficPost, []string, error) {
	var posts []TrafficPost
	var sums []string
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			return nil, nil, fmt.Errorf("reading traffic sample: %w", err)
		}
		sum := sha256.Sum256(b)
		sums = append(sums, hex.EncodeToString(sum[:]))
		sc := bufio.NewScanner(bytes.NewReader(b))
		sc.Buffer(make([]byte, 1<<16), 1<<24)
		for line := 1; sc.Scan(); line++ {
			if len(bytes.TrimSpace(sc.Bytes())) == 0 {
				continue
			}
			var tp struct {
				ID      any     `json:"id"`
				Text    *string `json:"text"`
				Dialect string  `json:"dialect"`
			}
			if err := json.Unmarshal(sc.Bytes(), &tp); err != nil {
				return nil, nil, fmt.Errorf("%s:%d: %w", p, line, err)
			}
			if tp.Text == nil {
				return nil, nil, fmt.Errorf("%s:%d: post has no \"text\"", p, line)
			}
			id := fmt.Sprintf("%s:%d", p, line)
			if tp.ID != nil {
				id = fmt.Sprint(tp.ID)
			}
			posts = append(posts, TrafficPost{ID: id, Text: *tp.Text, Dialect: tp.Dialect})
		}
		if err := sc.Err(); err != nil {
			return nil, nil, fmt.Errorf("reading %s: %w", p, err)
		}
	}
	if len(posts) == 0 {
		return nil, nil, fmt.Errorf("traffic sample %v has no posts", paths)
	}
	return posts, sums, nil
}

// Traffic scores posts with s and counts how many get a serious flag (nil
// serious: DefaultSerious), overall and per dialect. When flagged is not nil,
// each post with a serious flag is written to it as one JSON line.
func Traffic(ctx context.Context, s Scorer, posts []TrafficPost, paths, sums []string, serious []string, batch int, flagged io.Writer) (*TrafficResult, error) {
	if serious == nil {
		serious = DefaultSerious
	}
	if batch <= 0 {
		batch = 4096
	}
	thr := s.Thresholds()
	labels := s.Labels()
	res := &TrafficResult{Paths: paths, SHA256: sums, Serious: slices.Clone(serious), Posts: len(posts), ByLabel: map[string]int{}}
	groups := map[string]*TrafficGroup{}
	enc := json.NewEncoder(io.Discard)
	if flagged != nil {
		enc = json.NewEncoder(flagged)
		enc.SetEscapeHTML(false)
	}
	for lo := 0; lo < len(posts); lo += batch {
		part := posts[lo:min(lo+batch, len(posts))]
		texts := make([]string, len(part))
		for i, p := range part {
			texts[i] = p.Text
		}
		scores, err := s.Score(ctx, texts)
		if err != nil {
			return nil, fmt.Errorf("scoring traffic posts %d-%d: %w", lo+1, lo+len(part), err)
		}
		if len(scores) != len(part) {
			return nil, fmt.Errorf("scoring traffic posts: model returned %d scores for %d posts", len(scores), len(part))
		}
		for i, p := range part {
			g := groups[p.Dialect]
			if g == nil {
				g = &TrafficGroup{Dialect: p.Dialect}
				groups[p.Dialect] = g
			}
			g.Posts++
			var flags []string
			hit := false
			for _, l := range labels {
				t, ok := thr[l]
				if !ok || scores[i][l] < t {
					continue
				}
				flags = append(flags, l)
				if slices.Contains(serious, l) {
					hit = true
					res.ByLabel[l]++
				}
			}
			if hit {
				res.Flagged++
				g.Flagged++
			}
			if len(flags) > 0 {
				res.AnyFlagged++
				if flagged != nil && hit {
					if err := enc.Encode(TrafficFlag{Model: s.ID(), ID: p.ID, Dialect: p.Dialect, Text: p.Text, Flags: flags, Scores: scores[i]}); err != nil {
						return nil, fmt.Errorf("writing flagged traffic posts: %w", err)
					}
				}
			}
		}
	}
	res.Rate = Float(float64(res.Flagged) / float64(res.Posts))
	res.PerTenThousand = res.Rate * 10000
	if len(groups) > 1 || groups[""] == nil {
		for _, g := range groups {
			g.Rate = Float(float64(g.Flagged) / float64(g.Posts))
			res.Groups = append(res.Groups, *g)
			if isIraqi(g.Dialect) {
				iq := *g
				res.Iraqi = &iq
			}
		}
		sort.Slice(res.Groups, func(i, j int) bool { return res.Groups[i].Dialect < res.Groups[j].Dialect })
	}
	return res, nil
}

// isIraqi reports whether a dataset's dialect value means Iraqi Arabic.
func isIraqi(d string) bool {
	switch d {
	case "iraqi", "iraq", "IQ", "iq", "Iraqi", "baghdadi", "southern", "moslawi", "western":
		return true
	}
	return false
}
