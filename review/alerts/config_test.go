package alerts

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

func validConfig() Config {
	return Config{BaseURL: "https://rasd.example.org",
		Rules: []Rule{{Name: "urgent", Match: Match{Urgent: true, Governorates: []string{"basra"}}, Channels: []string{"hook", "tg", "mail"}}},
		Channels: []ChannelConfig{
			{Name: "hook", Type: TypeWebhook, URL: "https://hooks.example.org/rasd", SecretEnv: "HOOK_SECRET"},
			{Name: "tg", Type: TypeTelegram, TokenEnv: "BOT_TOKEN", ChatID: "-100123"},
			{Name: "mail", Type: TypeEmail, SMTP: "mail.example.org:587", From: "rasd@example.org", To: []string{"duty@example.org"},
				UsernameEnv: "SMTP_USER", PasswordEnv: "SMTP_PASS"},
		}}
}

func TestValidate(t *testing.T) {
	if err := validConfig().Validate(); err != nil {
		t.Fatalf("valid config: %v", err)
	}
	if err := (Config{}).Validate(); err != nil {
		t.Fatalf("empty config: %v", err)
	}
	for _, tc := range []struct {
		name, want string
		edit       func(c *Config)
	}{
		{"no base url", "alerts.base_url: required", func(c *Config) { c.BaseURL = "" }},
		{"base url not http", "alerts.base_url: \"ftp://x\" is not an http", func(c *Config) { c.BaseURL = "ftp://x" }},
		{"unknown channel", `alerts.rules[0].channels[1]: no channel is named "tgg"`, func(c *Config) { c.Rules[0].Channels[1] = "tgg" }},
		{"rule without channels", "alerts.rules[0].channels: name at least one", func(c *Config) { c.Rules[0].Channels = nil }},
		{"bad governorate", `alerts.rules[0].match.governorates[0]: "Basra city" is not a governorate id`, func(c *Config) { c.Rules[0].Match.Governorates[0] = "Basra city" }},
		{"empty label", "alerts.rules[0].match.labels: an entry is empty", func(c *Config) { c.Rules[0].Match.Labels = []string{""} }},
		{"rule named twice", `alerts.rules[1].name: "urgent" is named twice`, func(c *Config) { c.Rules = append(c.Rules, c.Rules[0]) }},
		{"bad type", `alerts.channels[0].type: "slack" is not webhook`, func(c *Config) { c.Channels[0].Type = "slack" }},
		{"webhook unsigned", "alerts.channels[0].secret_env: required", func(c *Config) { c.Channels[0].SecretEnv = "" }},
		{"secret in url", "carries credentials", func(c *Config) { c.Channels[0].URL = "https://u:p@hooks.example.org" }},
		{"bad env name", `alerts.channels[0].secret_env: "HOOK SECRET" is not an environment variable name`, func(c *Config) { c.Channels[0].SecretEnv = "HOOK SECRET" }},
		{"telegram without chat", "alerts.channels[1].chat_id: required", func(c *Config) { c.Channels[1].ChatID = "" }},
		{"smtp without port", `alerts.channels[2].smtp: want host:port`, func(c *Config) { c.Channels[2].SMTP = "mail.example.org" }},
		{"bad recipient", `alerts.channels[2].to[0]: "duty" is not an address`, func(c *Config) { c.Channels[2].To[0] = "duty" }},
		{"half credentials", "username_env and password_env go together", func(c *Config) { c.Channels[2].PasswordEnv = "" }},
		{"queue too big", "alerts.queue: must be between 1 and 100000", func(c *Config) { c.Queue = 1 << 20 }},
		{"tries too many", "alerts.tries: must be between 1 and 20", func(c *Config) { c.Tries = 100 }},
		{"backoff too long", "alerts.backoff: must be between 0 and 10m", func(c *Config) { c.Backoff = time.Hour }},
		{"too many rules", "alerts.rules: at most 100 rules", func(c *Config) {
			for i := range 100 {
				c.Rules = append(c.Rules, Rule{Name: fmt.Sprintf("r%d", i), Channels: []string{"hook"}})
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := validConfig()
			tc.edit(&c)
			err := c.Validate()
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want an error containing %q", err, tc.want)
			}
		})
	}
}

func TestOpenNeedsTheSecretsItNames(t *testing.T) {
	env := map[string]string{"HOOK_SECRET": "hook-secret-value", "BOT_TOKEN": "bot-token-value", "SMTP_USER": "smtp-user-value"}
	_, err := Open(validConfig(), Options{Data: t.TempDir(), Getenv: func(k string) string { return env[k] }})
	if err == nil || !strings.Contains(err.Error(), "channel mail: password_env: environment variable SMTP_PASS is not set") {
		t.Fatalf("got %v", err)
	}
	env["SMTP_PASS"] = "smtp-pass-value"
	n, err := Open(validConfig(), Options{Data: t.TempDir(), Getenv: func(k string) string { return env[k] }})
	if err != nil {
		t.Fatal(err)
	}
	// Secrets print as <secret> wherever a sender is printed.
	for _, s := range n.senders {
		out := fmt.Sprintf("%v %+v %#v %s", s, s, s, s)
		for _, v := range env {
			if strings.Contains(out, v) {
				t.Errorf("sender prints a secret: %s", out)
			}
		}
	}
	n.Close(t.Context())
}
