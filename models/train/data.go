package train

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/rasd-iq/rasd/models"
)

// Item is one labelled training example.
type Item struct {
	// Text is the post text as written.
	Text string `json:"text"`
	// Labels are the labels that apply; empty for a clean item.
	Labels []string `json:"labels"`
}

// ReadFile reads a JSONL file of items ({"text": …, "labels": […]}, other
// fields ignored). A malformed line is an error naming the file and line.
func ReadFile(path string) ([]Item, models.DataFile, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, models.DataFile{}, fmt.Errorf("reading training data: %w", err)
	}
	defer f.Close()
	h := sha256.New()
	items, err := readItems(io.TeeReader(f, h), path)
	if err != nil {
		return nil, models.DataFile{}, err
	}
	info := models.DataFile{Path: path, Items: len(items), SHA256: hex.EncodeToString(h.Sum(nil)), LabelCounts: map[string]int{}}
	for _, it := range items {
		for _, l := range it.Labels {
			info.LabelCounts[l]++
		}
	}
	return items, info, nil
}

func readItems(r io.Reader, name string) ([]Item, error) {
	br := bufio.NewReaderSize(r, 1<<16)
	var items []Item
	for line := 1; ; line++ {
		b, err := br.ReadBytes('\n')
		if len(bytes.TrimSpace(b)) > 0 {
			var it struct {
				Text   *string  `json:"text"`
				Labels []string `json:"labels"`
			}
			if jerr := json.Unmarshal(b, &it); jerr != nil {
				return nil, fmt.Errorf("%s:%d: %w", name, line, jerr)
			}
			if it.Text == nil {
				return nil, fmt.Errorf("%s:%d: item has no \"text\"", name, line)
			}
			labels := it.Labels[:0:0]
			seen := map[string]bool{}
			for _, l := range it.Labels {
				l = strings.TrimSpace(l)
				if l == "" {
					return nil, fmt.Errorf("%s:%d: empty label", name, line)
				}
				if !seen[l] {
					seen[l] = true
					labels = append(labels, l)
				}
			}
			items = append(items, Item{Text: *it.Text, Labels: labels})
		}
		if err == io.EOF {
			return items, nil
		}
		if err != nil {
			return nil, fmt.Errorf("reading %s: %w", name, err)
		}
	}
}

// ThresholdRule describes how per-label thresholds are chosen.
const ThresholdRule = "per label, the midpoint between adjacent validation scores that maximises the mean over data files of each file's macro-F1 on its validation items"

// FoldThresholdRule describes how thresholds are chosen with
// Config.ThresholdFolds (the %d is the number of folds).
const FoldThresholdRule = "per label, the midpoint between adjacent scores that maximises the mean over data files of each file's macro-F1, on every item: training items scored out of fold by linear paths fitted on the other %d-1 folds, validation items by the model"

// ValidationRule describes how InValidation splits items.
const ValidationRule = "validation when sha256(text), read as a big-endian integer, mod 100 < valid_percent"

// InValidation reports whether text belongs to the validation part: the
// split depends on the text only, so the same text never lands on both sides
// and other tools can reproduce it.
func InValidation(text string, percent int) bool {
	sum := sha256.Sum256([]byte(text))
	r := 0
	for _, b := range sum {
		r = (r*256 + int(b)) % 100
	}
	return r < percent
}
