package httpx

import (
	"fmt"
	"net/url"
	"os"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/rasd-iq/rasd/ingest"
)

// SpecErrorf returns a configuration error for spec, prefixed with the file
// and line of its settings.
func SpecErrorf(spec ingest.Spec, format string, args ...any) error {
	line := 0
	if spec.Settings != nil {
		line = spec.Settings.Line
	}
	return fmt.Errorf("%s:%d: source %q: %s", spec.File, line, spec.Name, fmt.Sprintf(format, args...))
}

// KeyErrorf is SpecErrorf with the line of the settings key named key (its
// value's line when index ≥ 0 picks an element of a list), so that the
// error points at the offending value; it falls back to the settings' line
// when the key is absent.
func KeyErrorf(spec ingest.Spec, key string, index int, format string, args ...any) error {
	n := spec.Settings
	if n == nil || n.Kind != yaml.MappingNode {
		return SpecErrorf(spec, format, args...)
	}
	line := n.Line
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value != key {
			continue
		}
		line = n.Content[i].Line
		if v := n.Content[i+1]; index >= 0 && v.Kind == yaml.SequenceNode && index < len(v.Content) {
			line = v.Content[index].Line
		}
		break
	}
	return fmt.Errorf("%s:%d: source %q: %s", spec.File, line, spec.Name, fmt.Sprintf(format, args...))
}

// SecretFromEnv reads the credential named by envName (a setting such as
// token_env). The error names the variable, never its value.
func SecretFromEnv(spec ingest.Spec, key, envName string) (ingest.Secret, error) {
	if envName == "" {
		return "", SpecErrorf(spec, "%s is required (the name of the environment variable holding the credential)", key)
	}
	v := strings.TrimSpace(os.Getenv(envName))
	if v == "" {
		return "", SpecErrorf(spec, "%s: environment variable %s is not set or empty", key, envName)
	}
	return ingest.Secret(v), nil
}

// BaseURL validates a base_url setting (absolute http or https URL) and
// returns it without a trailing slash; empty gives def.
func BaseURL(spec ingest.Spec, raw, def string) (string, error) {
	if raw == "" {
		raw = def
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", SpecErrorf(spec, "base_url %q: want an absolute http(s) URL", raw)
	}
	return strings.TrimRight(raw, "/"), nil
}

// OptionsFor returns client Options for a source: limits, retry settings,
// the credential to scrub, with Header restricted to the base URL's host, and
// whether the source may reach internal addresses (Spec.AllowInternal).
func OptionsFor(spec ingest.Spec, retry RetrySettings, base string, secrets ...ingest.Secret) Options {
	o := FromLimits(spec.Limits)
	retry.Apply(&o)
	o.Secrets = secrets
	o.AllowInternal = spec.AllowInternal
	if u, err := url.Parse(base); err == nil {
		o.AuthHost = u.Host
	}
	return o
}
