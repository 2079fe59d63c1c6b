package signals

import (
	"bufio"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/rasd-iq/rasd/nlp"
)

// KnownDefender is a person the deployment knows to be an activist,
// journalist, human-rights defender or protester, kept by the organisation
// that runs Rasd (from its own cases or a press-freedom group's list). A
// post that names them, by name or @handle, targets a defender even when
// nothing in the post says who they are («نورس الربيعي عندك ٢٤ ساعة»).
type KnownDefender struct {
	// Name is the person's name as posts write it (two to six words).
	Name string `yaml:"name,omitempty" json:"name,omitempty"`
	// Handle is an account name, with or without the @.
	Handle string `yaml:"handle,omitempty" json:"handle,omitempty"`
	// Role is activist, journalist, defender or protester.
	Role string `yaml:"role" json:"role"`
}

// MaxDefenders bounds the list of known defenders.
const MaxDefenders = 100000

// listed is a known defender's name after its first word.
type listed struct {
	rest []string
	role string
}

// validate checks one entry.
func (k KnownDefender) validate() error {
	if !defenderRoles[k.Role] {
		return fmt.Errorf("role %q: want activist, journalist, defender or protester", k.Role)
	}
	switch n := len(strings.Fields(k.Name)); {
	case k.Name == "" && strings.TrimPrefix(k.Handle, "@") == "":
		return fmt.Errorf("neither a name nor a handle")
	case k.Name != "" && (n < 2 || n > 6):
		return fmt.Errorf("name %q: want two to six words (a given name alone names too many people)", k.Name)
	case utf8.RuneCountInString(k.Name) > 120 || len(k.Handle) > 64:
		return fmt.Errorf("name or handle too long")
	}
	return nil
}

// ReadDefenders reads a list of known defenders: one per line, the role, a
// tab, and the name or @handle; blank lines and lines starting with # are
// skipped. Errors name the line.
func ReadDefenders(r io.Reader) ([]KnownDefender, error) {
	var out []KnownDefender
	sc := bufio.NewScanner(r)
	line := 0
	for sc.Scan() {
		line++
		s := strings.TrimSpace(sc.Text())
		if s == "" || strings.HasPrefix(s, "#") {
			continue
		}
		role, who, ok := strings.Cut(s, "\t")
		if !ok {
			return nil, fmt.Errorf("line %d: want a role, a tab and a name or @handle", line)
		}
		k := KnownDefender{Role: strings.TrimSpace(role)}
		if who = strings.TrimSpace(who); strings.HasPrefix(who, "@") {
			k.Handle = who
		} else {
			k.Name = who
		}
		if err := k.validate(); err != nil {
			return nil, fmt.Errorf("line %d: %w", line, err)
		}
		if len(out) == MaxDefenders {
			return nil, fmt.Errorf("line %d: more than %d known defenders", line, MaxDefenders)
		}
		out = append(out, k)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("reading known defenders: %w", err)
	}
	return out, nil
}

// indexDefenders builds the detector's lookups of known defenders.
func (d *Detector) indexDefenders(list []KnownDefender) {
	for _, k := range list {
		if h := strings.ToLower(strings.TrimPrefix(k.Handle, "@")); h != "" {
			if d.listedHandles == nil {
				d.listedHandles = map[string]string{}
			}
			d.listedHandles[h] = k.Role
		}
		words := strings.Fields(nlp.Normalize(k.Name))
		if len(words) < 2 {
			continue
		}
		if d.listedNames == nil {
			d.listedNames = map[string][]listed{}
		}
		d.listedNames[words[0]] = append(d.listedNames[words[0]], listed{rest: words[1:], role: k.Role})
	}
}

// listedAt marks a known defender named at token i.
func (d *Detector) listedAt(sc *scan, i int) {
	for _, l := range d.listedNames[sc.word(i)] {
		j, ok := sc.matchRest(i+1, l.rest)
		if !ok {
			continue
		}
		if q := sc.personAt(i); q != nil {
			if !defenderRoles[q.role] {
				q.role, q.how = l.role, "listed"
			}
			return
		}
		sc.persons = append(sc.persons, person{from: i, to: j, role: l.role, how: "listed"})
		return
	}
}
