package ingest

import (
	"bytes"
	"fmt"
	"sort"
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
	// Interval is how often the source is fetched.
	Interval time.Duration
	// Limits bound the work one fetch may do.
	Limits Limits
	// Settings holds the connector's own settings, decoded strictly by DecodeSettings.
	Settings *yaml.Node
	// File is the configuration file the source came from, for error messages.
	File string
}

// Limits bound what one fetch of a source may do. Zero means the connector's default.
type Limits struct {
	MaxPages     int           `yaml:"max_pages"`
	MaxPosts     int           `yaml:"max_posts"`
	MaxDepth     int           `yaml:"max_depth"`
	RatePerSec   float64       `yaml:"rate_per_sec"`
	Concurrency  int           `yaml:"concurrency"`
	Timeout      time.Duration `yaml:"timeout"`
	MaxBodyBytes int64         `yaml:"max_body_bytes"`
}

// DecodeSettings decodes the source's settings into v, rejecting unknown keys.
// Errors name the file and line.
func (s Spec) DecodeSettings(v any) error {
	if s.Settings == nil {
		return nil
	}
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	if err := enc.Encode(s.Settings); err != nil {
		return fmt.Errorf("%s:%d: source %q: settings: %w", s.File, s.Settings.Line, s.Name, err)
	}
	dec := yaml.NewDecoder(&buf)
	dec.KnownFields(true)
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("%s:%d: source %q: settings: %w", s.File, s.Settings.Line, s.Name, err)
	}
	return nil
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
