package ingest

import (
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"gopkg.in/yaml.v3"
)

// Spec is one source from sources.yaml as a connector factory receives it.
type Spec struct {
	// Name is the source's unique name.
	Name string
	// Type is the connector type, e.g. "rss".
	Type string
	// Kind is what kind of speaker the source is (see Kinds): news, official,
	// ngo, community or unknown (the default). The policy reads it as the
	// post's source type: a news outlet's reporting is protected speech.
	Kind string
	// Interval is how often the source is fetched.
	Interval time.Duration
	// Limits bound the work one fetch may do.
	Limits Limits
	// AllowInternal lets the connector reach loopback, private and
	// link-local addresses (tests, intranet sources); otherwise it dials
	// only public internet addresses (httpx.GuardedDialer).
	AllowInternal bool
	// Settings holds the connector's own settings, decoded strictly by DecodeSettings.
	Settings *yaml.Node
	// File is the configuration file the source came from, for error messages.
	File string
}

// The kinds of source, as sources.yaml names them.
const (
	// KindNews is a news outlet or a journalist's channel.
	KindNews = "news"
	// KindOfficial is a government body's or an official's account.
	KindOfficial = "official"
	// KindNGO is a civil-society organisation.
	KindNGO = "ngo"
	// KindCommunity is a public group, channel or page of the community.
	KindCommunity = "community"
	// KindUnknown is any other source.
	KindUnknown = "unknown"
)

// Kinds lists the source kinds in a stable order.
var Kinds = []string{KindNews, KindOfficial, KindNGO, KindCommunity, KindUnknown}

// Limits bound what one fetch of a source may do. Zero means the connector's default.
type Limits struct {
	// MaxPages caps the pages one fetch requests.
	MaxPages int `yaml:"max_pages"`
	// MaxPosts caps the posts one fetch returns.
	MaxPosts int `yaml:"max_posts"`
	// MaxDepth caps the link depth of a crawl.
	MaxDepth int `yaml:"max_depth"`
	// RatePerSec caps requests per second to one host.
	RatePerSec float64 `yaml:"rate_per_sec"`
	// Concurrency caps parallel requests.
	Concurrency int `yaml:"concurrency"`
	// Timeout caps how long one fetch may take.
	Timeout time.Duration `yaml:"timeout"`
	// MaxBodyBytes caps the size of one response or record.
	MaxBodyBytes int64 `yaml:"max_body_bytes"`
}

// DecodeSettings decodes the source's settings into v (a pointer to a struct
// with yaml tags), rejecting unknown keys. Errors name the file and the line
// of the offending key or value.
func (s Spec) DecodeSettings(v any) error {
	if s.Settings == nil {
		return nil
	}
	if err := checkKnown(s.Settings, reflect.TypeOf(v), "settings"); err != nil {
		var ke *keyError
		if errors.As(err, &ke) {
			return fmt.Errorf("%s:%d: source %q: %s", s.File, ke.line, s.Name, ke.msg)
		}
		return fmt.Errorf("%s:%d: source %q: %w", s.File, s.Settings.Line, s.Name, err)
	}
	if err := s.Settings.Decode(v); err != nil {
		msg := err.Error()
		line := s.Settings.Line
		if m := yamlLine.FindStringSubmatch(msg); m != nil {
			line, _ = strconv.Atoi(m[1])
			msg = strings.TrimPrefix(msg, m[0])
		}
		msg = strings.TrimPrefix(msg, "yaml: unmarshal errors:\n  ")
		return fmt.Errorf("%s:%d: source %q: settings: %s", s.File, line, s.Name, msg)
	}
	return nil
}

var yamlLine = regexp.MustCompile(`(?:yaml: unmarshal errors:\n\s*)?line (\d+): `)

type keyError struct {
	line int
	msg  string
}

func (e *keyError) Error() string { return e.msg }

// checkKnown reports the first mapping key in n that has no field in t.
func checkKnown(n *yaml.Node, t reflect.Type, where string) error {
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == nil || n == nil {
		return nil
	}
	if n.Kind == yaml.AliasNode {
		return checkKnown(n.Alias, t, where)
	}
	switch t.Kind() {
	case reflect.Struct:
		if n.Kind != yaml.MappingNode {
			return nil // a type error, reported by Decode
		}
		fields := map[string]reflect.Type{}
		collectFields(t, fields)
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := n.Content[i]
			ft, ok := fields[k.Value]
			if !ok {
				names := make([]string, 0, len(fields))
				for name := range fields {
					names = append(names, name)
				}
				sort.Strings(names)
				return &keyError{line: k.Line, msg: fmt.Sprintf("%s: unknown key %q (allowed: %s)", where, k.Value, strings.Join(names, ", "))}
			}
			if err := checkKnown(n.Content[i+1], ft, where+"."+k.Value); err != nil {
				return err
			}
		}
	case reflect.Slice, reflect.Array:
		if n.Kind != yaml.SequenceNode {
			return nil
		}
		for i, c := range n.Content {
			if err := checkKnown(c, t.Elem(), fmt.Sprintf("%s[%d]", where, i)); err != nil {
				return err
			}
		}
	case reflect.Map:
		if n.Kind != yaml.MappingNode {
			return nil
		}
		for i := 0; i+1 < len(n.Content); i += 2 {
			if err := checkKnown(n.Content[i+1], t.Elem(), where+"."+n.Content[i].Value); err != nil {
				return err
			}
		}
	}
	return nil
}

// collectFields maps yaml key names of struct t (with inlined structs) to field types.
func collectFields(t reflect.Type, out map[string]reflect.Type) {
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		tag := f.Tag.Get("yaml")
		name, opts, _ := strings.Cut(tag, ",")
		if name == "-" {
			continue
		}
		if strings.Contains(opts, "inline") {
			ft := f.Type
			if ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			if ft.Kind() == reflect.Struct {
				collectFields(ft, out)
			}
			continue
		}
		if name == "" {
			name = strings.ToLower(f.Name)
		}
		out[name] = f.Type
	}
}

// Factory builds a connector for a source.
type Factory func(spec Spec) (Connector, error)

var (
	registryMu sync.RWMutex
	registry   = map[string]Factory{}
)

// Register makes a connector type available; registering a type twice is an error.
func Register(typ string, f Factory) error {
	registryMu.Lock()
	defer registryMu.Unlock()
	if _, dup := registry[typ]; dup {
		return fmt.Errorf("ingest: connector type %q registered twice", typ)
	}
	registry[typ] = f
	return nil
}

// MustRegister is Register for init functions; it panics on a duplicate.
func MustRegister(typ string, f Factory) {
	if err := Register(typ, f); err != nil {
		panic(err)
	}
}

// Lookup returns the factory for a connector type.
func Lookup(typ string) (Factory, bool) {
	registryMu.RLock()
	defer registryMu.RUnlock()
	f, ok := registry[typ]
	return f, ok
}

// Types lists the registered connector types in order.
func Types() []string {
	registryMu.RLock()
	defer registryMu.RUnlock()
	out := make([]string, 0, len(registry))
	for t := range registry {
		out = append(out, t)
	}
	sort.Strings(out)
	return out
}

// Secret is a credential read from the environment; it prints as <secret>.
type Secret string

// String hides the value.
func (Secret) String() string { return "<secret>" }

// GoString hides the value.
func (Secret) GoString() string { return "<secret>" }

// MarshalText hides the value in logs and encoded config.
func (Secret) MarshalText() ([]byte, error) { return []byte("<secret>"), nil }

// Reveal returns the credential for use in a request.
func (s Secret) Reveal() string { return string(s) }
