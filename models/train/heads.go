package train

import (
	"fmt"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"github.com/rasd-iq/rasd/models"
)

var headName = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,31}$`)

// checkHeads checks that every head has a well-formed, unique name and
// that its files are training files.
func (c *Config) checkHeads() error {
	seen := map[string]bool{}
	for _, h := range c.Heads {
		if !headName.MatchString(h.Name) {
			return fmt.Errorf("head name %q: use 1 to 32 lower-case letters, digits and '-'", h.Name)
		}
		if seen[h.Name] {
			return fmt.Errorf("head %q given twice", h.Name)
		}
		seen[h.Name] = true
		if len(h.Files) == 0 {
			return fmt.Errorf("head %q has no files", h.Name)
		}
		for _, f := range h.Files {
			if c.dataIndex(f) < 0 {
				return fmt.Errorf("head %q: %s is not one of the training files (--data)", h.Name, f)
			}
		}
	}
	return nil
}

// dataIndex returns the index of path among c.Data (compared as cleaned
// paths), or -1.
func (c *Config) dataIndex(path string) int {
	return slices.IndexFunc(c.Data, func(d string) bool { return filepath.Clean(d) == filepath.Clean(path) })
}

// headSrcs returns the source indexes (positions in Data) of h's files.
func (c *Config) headSrcs(h HeadSpec) map[int]bool {
	out := map[int]bool{}
	for _, f := range h.Files {
		if i := c.dataIndex(f); i >= 0 {
			out[i] = true
		}
	}
	return out
}

// labelSource says which items teach an output: those annotated for base,
// from any file (srcs nil) or from srcs alone (a head's output).
type labelSource struct {
	base string
	srcs map[int]bool
}

// labelSources returns each output's source. A head output whose head is not
// in cfg (a first stage trained with heads, retrained without them) is
// taught by no item.
func labelSources(labels []string, cfg Config) []labelSource {
	out := make([]labelSource, len(labels))
	for k, l := range labels {
		base, head, ok := models.SplitHeadLabel(l)
		if !ok {
			out[k] = labelSource{base: l}
			continue
		}
		out[k] = labelSource{base: base, srcs: map[int]bool{}}
		if i := slices.IndexFunc(cfg.Heads, func(h HeadSpec) bool { return h.Name == head }); i >= 0 {
			out[k].srcs = cfg.headSrcs(cfg.Heads[i])
		}
	}
	return out
}

// headLabels returns the outputs cfg's heads add to labels (the engine's
// labels, chosen first): per head, each flag label of labels with at least
// MinPositives positives among the head files' training items, in labels'
// order. Context labels get no head: they protect speech, and a corpus's
// own definition of them is not what a researcher compares.
func headLabels(items []Item, srcs []int, labels []string, cfg Config) []string {
	var out []string
	for _, h := range cfg.Heads {
		in := cfg.headSrcs(h)
		count := trainPositives(items, srcs, func(src int) bool { return in[src] }, cfg.ValidPercent)
		var got []string
		for _, l := range labels {
			if slices.Contains(ContextLabels, l) {
				continue
			}
			if count[l] >= cfg.MinPositives {
				out = append(out, models.HeadLabel(l, h.Name))
				got = append(got, l)
			}
		}
		if len(got) == 0 {
			cfg.Log.Warn("head left out: its files teach no label", "head", h.Name, "need", cfg.MinPositives)
			continue
		}
		fmt.Fprintf(cfg.Progress, "head %s: %s from %d files\n", h.Name, strings.Join(got, ","), len(h.Files))
	}
	return out
}

// mainLabels returns how many of labels, which come first, are not head outputs.
func mainLabels(labels []string) int {
	n := 0
	for _, l := range labels {
		if _, _, ok := models.SplitHeadLabel(l); ok {
			break
		}
		n++
	}
	return n
}

// cardHeads describes labels' head outputs for the model card.
func cardHeads(labels []string, cfg Config) []models.Head {
	var out []models.Head
	for _, h := range cfg.Heads {
		head := models.Head{Name: h.Name, Labels: map[string]string{}}
		for _, f := range h.Files {
			head.Data = append(head.Data, DisplayPath(f))
		}
		for _, l := range labels {
			if base, name, ok := models.SplitHeadLabel(l); ok && name == h.Name {
				head.Labels[base] = l
			}
		}
		if len(head.Labels) > 0 {
			out = append(out, head)
		}
	}
	return out
}
