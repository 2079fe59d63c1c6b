package ingest

import (
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// DefaultInterval is how often a source without an interval is fetched.
const DefaultInterval = 15 * time.Minute

// MinInterval is the shortest interval a source may have.
const MinInterval = time.Second

// Config is a parsed and validated sources.yaml.
type Config struct {
	// File is the path the configuration was read from.
	File string
	// Sources are the enabled sources in file order, each with its connector built.
	Sources []Source
}

// Source is one configured source with the connector built from its spec.
type Source struct {
	Spec
	// Connector fetches the source's posts.
	Connector Connector
}

// Lookup returns the source called name.
func (c *Config) Lookup(name string) (Source, bool) {
	for _, s := range c.Sources {
		if s.Name == name {
			return s, true
		}
	}
	return Source{}, false
}

// Close closes every connector that holds resources (implements io.Closer).
func (c *Config) Close() error {
	var errs []error
	for _, s := range c.Sources {
		if cl, ok := s.Connector.(interface{ Close() error }); ok {
			if err := cl.Close(); err != nil {
				errs = append(errs, fmt.Errorf("closing source %q: %w", s.Name, err))
			}
		}
	}
	return errors.Join(errs...)
}

// LoadConfig reads, validates and builds the sources in the YAML file at path.
// Every problem is reported as "file:line: reason"; several problems are
// joined into one error, one per line.
func LoadConfig(path string) (*Config, error) {
	return LoadConfigWith(path, LoadOptions{})
}

// LoadOptions alter how LoadConfigWith builds the sources.
type LoadOptions struct {
	// AllowInternal lets every source reach loopback, private and
	// link-local addresses, as if each set allow_internal (the engine's
	// --allow-internal, for tests and intranet deployments).
	AllowInternal bool
}

// LoadConfigWith is LoadConfig with options.
func LoadConfigWith(path string, o LoadOptions) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading sources: %w", err)
	}
	return parseConfig(path, data, o)
}

var yamlLineRE = regexp.MustCompile(`^yaml: line (\d+): `)

// ParseConfig is LoadConfig for data already read from file (used in messages
// and to resolve relative paths in settings).
func ParseConfig(file string, data []byte) (*Config, error) {
	return parseConfig(file, data, LoadOptions{})
}

func parseConfig(file string, data []byte, o LoadOptions) (*Config, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		msg := strings.TrimPrefix(err.Error(), "yaml: ")
		if m := yamlLineRE.FindStringSubmatch(err.Error()); m != nil {
			msg = m[1] + ": " + strings.TrimPrefix(err.Error(), m[0])
			return nil, fmt.Errorf("%s:%s", file, msg)
		}
		return nil, fmt.Errorf("%s: %s", file, msg)
	}
	p := &configParser{file: file, allowInternal: o.AllowInternal}
	cfg := p.parse(&doc)
	if len(p.errs) > 0 {
		if cfg != nil {
			_ = cfg.Close()
		}
		return nil, errors.Join(p.errs...)
	}
	return cfg, nil
}

type configParser struct {
	file string
	errs []error
	// specsOnly parses and checks the sources without building connectors.
	specsOnly bool
	// allowInternal sets every source's AllowInternal.
	allowInternal bool
}

// LoadSpecs reads the sources in the YAML file at path and returns the
// enabled ones' specs, checked as LoadConfig checks them but without
// building connectors: nothing is opened (a tips spool, say) and no
// credential needs to be set. For readers of the settings, such as the
// re-checks that use the connectors' credentials.
func LoadSpecs(path string) ([]Spec, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading sources: %w", err)
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	p := &configParser{file: path, specsOnly: true}
	cfg := p.parse(&doc)
	if len(p.errs) > 0 {
		return nil, errors.Join(p.errs...)
	}
	specs := make([]Spec, 0, len(cfg.Sources))
	for _, s := range cfg.Sources {
		specs = append(specs, s.Spec)
	}
	return specs, nil
}

func (p *configParser) errorf(n *yaml.Node, format string, args ...any) {
	line := 1
	if n != nil && n.Line > 0 {
		line = n.Line
	}
	p.errs = append(p.errs, fmt.Errorf("%s:%d: %s", p.file, line, fmt.Sprintf(format, args...)))
}

var sourceNameRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$`)

func (p *configParser) parse(doc *yaml.Node) *Config {
	cfg := &Config{File: p.file}
	if doc.Kind == 0 || len(doc.Content) == 0 {
		p.errorf(doc, "empty configuration: expected a top-level \"sources\" list")
		return nil
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		p.errorf(root, "top level must be a mapping with a \"sources\" list")
		return nil
	}
	var sources *yaml.Node
	p.walkMap(root, "top level", func(key string, k, v *yaml.Node) {
		switch key {
		case "sources":
			sources = v
		default:
			p.errorf(k, "unknown key %q at top level (allowed: sources)", key)
		}
	})
	if sources == nil {
		p.errorf(root, "missing \"sources\" list")
		return cfg
	}
	if sources.Kind != yaml.SequenceNode {
		p.errorf(sources, "\"sources\" must be a list")
		return cfg
	}
	if len(sources.Content) == 0 {
		p.errorf(sources, "\"sources\" is empty")
	}
	seen := map[string]int{}
	for _, n := range sources.Content {
		spec, enabled, ok := p.parseSource(n)
		if !ok {
			continue
		}
		if first, dup := seen[spec.Name]; dup {
			p.errorf(n, "duplicate source name %q (first defined at line %d)", spec.Name, first)
			continue
		}
		seen[spec.Name] = n.Line
		if !enabled {
			continue
		}
		spec.AllowInternal = spec.AllowInternal || p.allowInternal
		if _, found := Lookup(spec.Type); !found {
			continue // reported by parseSource
		}
		if p.specsOnly {
			cfg.Sources = append(cfg.Sources, Source{Spec: spec})
			continue
		}
		src, err := p.build(n, spec)
		if err != nil {
			p.errs = append(p.errs, err)
			continue
		}
		cfg.Sources = append(cfg.Sources, src)
	}
	return cfg
}

// ParseSource reads one source, a mapping with the keys of an entry of
// sources.yaml's list (JSON is accepted too, being YAML), checks it as
// LoadConfig checks each source and builds its connector. Problems are
// reported as "file:line: reason", file naming where the text came from (a
// request, a stored run-time source). A source with enabled: false is an
// error here: run-time sources are paused, not disabled.
func ParseSource(file string, data []byte, o LoadOptions) (Source, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		if m := yamlLineRE.FindStringSubmatch(err.Error()); m != nil {
			return Source{}, fmt.Errorf("%s:%s: %s", file, m[1], strings.TrimPrefix(err.Error(), m[0]))
		}
		return Source{}, fmt.Errorf("%s: %s", file, strings.TrimPrefix(err.Error(), "yaml: "))
	}
	p := &configParser{file: file, allowInternal: o.AllowInternal}
	if doc.Kind == 0 || len(doc.Content) == 0 {
		p.errorf(&doc, "empty source: expected a mapping with name, type and settings")
		return Source{}, errors.Join(p.errs...)
	}
	n := doc.Content[0]
	spec, enabled, ok := p.parseSource(n)
	if ok && !enabled {
		p.errorf(n, "source %q: enabled: false has no meaning here (pause the source instead)", spec.Name)
	}
	if len(p.errs) > 0 {
		return Source{}, errors.Join(p.errs...)
	}
	spec.AllowInternal = spec.AllowInternal || o.AllowInternal
	src, err := p.build(n, spec)
	if err != nil {
		return Source{}, err
	}
	return src, nil
}

// build makes spec's connector, prefixing an error that does not name the
// file with the file and n's line.
func (p *configParser) build(n *yaml.Node, spec Spec) (Source, error) {
	f, _ := Lookup(spec.Type)
	conn, err := f(spec)
	if err != nil {
		if !strings.HasPrefix(err.Error(), p.file+":") {
			err = fmt.Errorf("%s:%d: source %q: %w", p.file, n.Line, spec.Name, err)
		}
		return Source{}, err
	}
	return Source{Spec: spec, Connector: conn}, nil
}

// walkMap calls fn for each key of a mapping node, reporting non-string and repeated keys.
func (p *configParser) walkMap(n *yaml.Node, where string, fn func(key string, k, v *yaml.Node)) {
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Kind != yaml.ScalarNode {
			p.errorf(k, "%s: keys must be strings", where)
			continue
		}
		if seen[k.Value] {
			p.errorf(k, "%s: key %q given twice", where, k.Value)
			continue
		}
		seen[k.Value] = true
		fn(k.Value, k, v)
	}
}

func (p *configParser) parseSource(n *yaml.Node) (Spec, bool, bool) {
	spec := Spec{File: p.file, Interval: DefaultInterval, Kind: KindUnknown}
	enabled := true
	if n.Kind != yaml.MappingNode {
		p.errorf(n, "each source must be a mapping with name, type and settings")
		return spec, false, false
	}
	before := len(p.errs)
	var nameNode, typeNode *yaml.Node
	p.walkMap(n, "source", func(key string, k, v *yaml.Node) {
		switch key {
		case "name":
			nameNode = v
			spec.Name = p.scalar(v, "name")
		case "type":
			typeNode = v
			spec.Type = p.scalar(v, "type")
		case "kind":
			spec.Kind = p.scalar(v, "kind")
			if !slices.Contains(Kinds, spec.Kind) {
				p.errorf(v, "bad kind %q: want one of %s", spec.Kind, strings.Join(Kinds, ", "))
			}
		case "interval":
			s := p.scalar(v, "interval")
			d, err := time.ParseDuration(s)
			switch {
			case s == "":
			case err != nil:
				p.errorf(v, "bad interval %q: want a duration such as 30s, 15m or 6h", s)
			case d < MinInterval:
				p.errorf(v, "bad interval %q: must be at least %s", s, MinInterval)
			default:
				spec.Interval = d
			}
		case "enabled":
			b, err := strconv.ParseBool(p.scalar(v, "enabled"))
			if err != nil || v.Tag == "!!str" {
				p.errorf(v, "bad enabled %q: want true or false", v.Value)
			}
			enabled = b
		case "allow_internal":
			b, err := strconv.ParseBool(p.scalar(v, "allow_internal"))
			if err != nil || v.Tag == "!!str" {
				p.errorf(v, "bad allow_internal %q: want true or false", v.Value)
			}
			spec.AllowInternal = b
		case "limits":
			spec.Limits = p.parseLimits(v)
		case "settings":
			if v.Kind != yaml.MappingNode {
				p.errorf(v, "settings must be a mapping")
				return
			}
			spec.Settings = v
		default:
			p.errorf(k, "unknown key %q in source (allowed: name, type, kind, interval, enabled, allow_internal, limits, settings)", key)
		}
	})
	switch {
	case nameNode == nil:
		p.errorf(n, "source has no name")
	case !sourceNameRE.MatchString(spec.Name):
		p.errorf(nameNode, "bad source name %q: use letters, digits, '.', '_' or '-' (at most 64)", spec.Name)
	}
	switch {
	case typeNode == nil:
		p.errorf(n, "source %q has no type (known types: %s)", spec.Name, strings.Join(Types(), ", "))
	default:
		if _, ok := Lookup(spec.Type); !ok {
			p.errorf(typeNode, "source %q: unknown type %q (known types: %s)", spec.Name, spec.Type, strings.Join(Types(), ", "))
		}
	}
	return spec, enabled, len(p.errs) == before
}

func (p *configParser) scalar(v *yaml.Node, what string) string {
	if v.Kind != yaml.ScalarNode {
		p.errorf(v, "%s must be a single value", what)
		return ""
	}
	return v.Value
}

func (p *configParser) parseLimits(n *yaml.Node) Limits {
	var l Limits
	if n.Kind != yaml.MappingNode {
		p.errorf(n, "limits must be a mapping")
		return l
	}
	intField := func(v *yaml.Node, key string) int64 {
		s := p.scalar(v, key)
		x, err := strconv.ParseInt(s, 10, 64)
		switch {
		case err != nil:
			p.errorf(v, "limits: bad %s %q: want a whole number", key, s)
		case x < 0:
			p.errorf(v, "limits: %s must not be negative (got %d)", key, x)
		case x > math.MaxInt32 && key != "max_body_bytes":
			p.errorf(v, "limits: %s too large (got %d)", key, x)
		default:
			return x
		}
		return 0
	}
	p.walkMap(n, "limits", func(key string, k, v *yaml.Node) {
		switch key {
		case "max_pages":
			l.MaxPages = int(intField(v, key))
		case "max_posts":
			l.MaxPosts = int(intField(v, key))
		case "max_depth":
			l.MaxDepth = int(intField(v, key))
		case "concurrency":
			l.Concurrency = int(intField(v, key))
		case "max_body_bytes":
			l.MaxBodyBytes = intField(v, key)
		case "rate_per_sec":
			s := p.scalar(v, key)
			x, err := strconv.ParseFloat(s, 64)
			switch {
			case err != nil || math.IsNaN(x) || math.IsInf(x, 0):
				p.errorf(v, "limits: bad rate_per_sec %q: want a number", s)
			case x < 0:
				p.errorf(v, "limits: rate_per_sec must not be negative (got %s)", s)
			default:
				l.RatePerSec = x
			}
		case "timeout":
			s := p.scalar(v, key)
			d, err := time.ParseDuration(s)
			switch {
			case err != nil:
				p.errorf(v, "limits: bad timeout %q: want a duration such as 30s", s)
			case d < 0:
				p.errorf(v, "limits: timeout must not be negative (got %s)", s)
			default:
				l.Timeout = d
			}
		default:
			p.errorf(k, "unknown key %q in limits (allowed: max_pages, max_posts, max_depth, rate_per_sec, concurrency, timeout, max_body_bytes)", key)
		}
	})
	return l
}

// Resolve returns path as written in the source's settings, made relative to
// the directory of the configuration file when it is not absolute.
func (s Spec) Resolve(path string) string {
	if path == "" || filepath.IsAbs(path) || s.File == "" {
		return path
	}
	return filepath.Join(filepath.Dir(s.File), path)
}

// Errorf returns an error for a bad setting of the source, prefixed with the
// file and line of its settings so that it reads like a configuration error.
func (s Spec) Errorf(format string, args ...any) error {
	line := 0
	if s.Settings != nil {
		line = s.Settings.Line
	}
	return fmt.Errorf("%s:%d: source %q: %s", s.File, line, s.Name, fmt.Sprintf(format, args...))
}
