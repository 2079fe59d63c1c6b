package alerts

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/tls"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"net/mail"
	"net/smtp"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/rasd-iq/rasd/ingest"
	"github.com/rasd-iq/rasd/ingest/httpx"
)

// Signature headers of a webhook delivery. The signature is
// "sha256=" + hex(HMAC-SHA256(secret, timestamp + "." + body)), where
// timestamp is the X-Rasd-Timestamp header (Unix seconds).
const (
	HeaderSignature = "X-Rasd-Signature"
	HeaderTimestamp = "X-Rasd-Timestamp"
	HeaderAlertID   = "X-Rasd-Alert-Id"
)

// Sign returns the X-Rasd-Signature value for body sent at timestamp ts.
func Sign(secret []byte, ts string, body []byte) string {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(ts))
	m.Write([]byte("."))
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

// Verify checks a webhook delivery's signature and that its timestamp is
// within maxAge of now (replays of older deliveries are refused).
func Verify(secret []byte, ts, signature string, body []byte, now time.Time, maxAge time.Duration) error {
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return fmt.Errorf("timestamp %q: %w", ts, err)
	}
	if d := now.Sub(time.Unix(sec, 0)); d > maxAge || d < -maxAge {
		return fmt.Errorf("timestamp %s is %s away from now", ts, d.Round(time.Second))
	}
	if !hmac.Equal([]byte(Sign(secret, ts, body)), []byte(signature)) {
		return errors.New("signature does not match")
	}
	return nil
}

// sender delivers one alert on one channel.
type sender interface {
	// send delivers a once; an error wrapping errPermanent is not tried
	// again.
	send(ctx context.Context, a *Alert) error
}

// errPermanent marks a failure that trying again cannot fix (the receiver
// refused the request itself).
var errPermanent = errors.New("refused for good")

// maxResponse is the most bytes of a receiver's answer read.
const maxResponse = 64 << 10

// webhook posts alerts as signed JSON.
type webhook struct {
	url    string
	secret ingest.Secret
	client *http.Client
	now    func() time.Time
}

// String and GoString name the channel without its secret.
func (w *webhook) String() string   { return "webhook(" + w.url + ")" }
func (w *webhook) GoString() string { return w.String() }

func (w *webhook) send(ctx context.Context, a *Alert) error {
	body, err := json.Marshal(a)
	if err != nil {
		return fmt.Errorf("encoding alert: %w", err)
	}
	ts := strconv.FormatInt(w.now().Unix(), 10)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.url, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("webhook request: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "rasd-alerts")
	req.Header.Set(HeaderTimestamp, ts)
	req.Header.Set(HeaderSignature, Sign([]byte(w.secret.Reveal()), ts, body))
	req.Header.Set(HeaderAlertID, a.ID)
	return do(w.client, req, "webhook", "")
}

// telegram sends alerts through a bot's sendMessage.
type telegram struct {
	api, chat string
	token     ingest.Secret
	client    *http.Client
}

// String and GoString name the channel without its token.
func (t *telegram) String() string   { return "telegram(" + t.chat + ")" }
func (t *telegram) GoString() string { return t.String() }

func (t *telegram) send(ctx context.Context, a *Alert) error {
	body, err := json.Marshal(map[string]any{"chat_id": t.chat, "text": messageText(a), "disable_web_page_preview": true})
	if err != nil {
		return fmt.Errorf("encoding telegram message: %w", err)
	}
	u := strings.TrimRight(t.api, "/") + "/bot" + t.token.Reveal() + "/sendMessage"
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, bytes.NewReader(body))
	if err != nil {
		return errors.New("telegram request: bad api_url")
	}
	req.Header.Set("Content-Type", "application/json")
	return do(t.client, req, "telegram", t.token.Reveal())
}

// do sends req and reads the answer: 2xx is delivered, 4xx other than 408
// and 429 is refused for good, the rest may be tried again. A secret in the
// URL (the bot token) never reaches the error.
func do(c *http.Client, req *http.Request, what, secret string) error {
	resp, err := c.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		msg := err.Error()
		if secret != "" {
			msg = strings.ReplaceAll(msg, secret, "<secret>")
		}
		return fmt.Errorf("posting to %s: %s", what, msg)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, maxResponse))
	if resp.StatusCode/100 == 2 {
		return nil
	}
	err = fmt.Errorf("%s answered %s: %s", what, resp.Status, snippet(b, secret))
	if resp.StatusCode/100 == 4 && resp.StatusCode != http.StatusRequestTimeout && resp.StatusCode != http.StatusTooManyRequests {
		return fmt.Errorf("%w: %w", errPermanent, err)
	}
	return err
}

func snippet(b []byte, secret string) string {
	s := strings.TrimSpace(clip(string(b), 200))
	if secret != "" {
		s = strings.ReplaceAll(s, secret, "<secret>")
	}
	return s
}

// messageText is an alert as a few lines of plain text (Telegram, email).
func messageText(a *Alert) string {
	var b strings.Builder
	if a.Urgent {
		b.WriteString("URGENT ")
	}
	if t := a.Tension; t != nil {
		fmt.Fprintf(&b, "Rasd alert (%s): tension rising in %s\n", a.Rule, a.Governorate)
		fmt.Fprintf(&b, "tension index %.1f (level %.1f): %d flagged posts in the recent window, baseline %.1f a day\n",
			t.Index, t.Above, t.Recent, t.BaselinePerDay)
		fmt.Fprintf(&b, "computed: %s\n", a.Routed.Format(time.RFC3339))
		b.WriteString(a.URL)
		return b.String()
	}
	if a.Kind == KindSearch {
		fmt.Fprintf(&b, "Rasd alert (%s): the saved search matches a new post, item %s\n", a.Rule, a.Item)
		b.WriteString(a.URL)
		return b.String()
	}
	fmt.Fprintf(&b, "Rasd alert (%s): item %s\n", a.Rule, a.Item)
	if a.PolicyRule != "" {
		fmt.Fprintf(&b, "policy rule: %s\n", a.PolicyRule)
	}
	if len(a.Labels) > 0 {
		fmt.Fprintf(&b, "labels: %s\n", strings.Join(a.Labels, ", "))
	}
	if len(a.Signals) > 0 {
		fmt.Fprintf(&b, "signals: %s\n", strings.Join(a.Signals, ", "))
	}
	if a.Governorate != "" {
		fmt.Fprintf(&b, "governorate: %s\n", a.Governorate)
	}
	fmt.Fprintf(&b, "score: %.2f, priority %d\n", a.Score, a.Priority)
	fmt.Fprintf(&b, "routed: %s\n", a.Routed.Format(time.RFC3339))
	if a.Text != "" {
		fmt.Fprintf(&b, "text: %s\n", a.Text)
	}
	b.WriteString(a.URL)
	return b.String()
}

// email sends alerts by SMTP, with STARTTLS when the server offers it.
type email struct {
	addr, from string
	to         []string
	user, pass ingest.Secret
	dialer     *net.Dialer
	timeout    time.Duration
	// tlsConfig is used for STARTTLS (nil: verify the server's name).
	tlsConfig *tls.Config
}

// String and GoString name the channel without its credentials.
func (e *email) String() string   { return "email(" + e.addr + ")" }
func (e *email) GoString() string { return e.String() }

func (e *email) send(ctx context.Context, a *Alert) error {
	conn, err := e.dialer.DialContext(ctx, "tcp", e.addr)
	if err != nil {
		return fmt.Errorf("connecting to %s: %w", e.addr, err)
	}
	defer conn.Close()
	deadline := time.Now().Add(e.timeout)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	if err := conn.SetDeadline(deadline); err != nil {
		return fmt.Errorf("smtp: %w", err)
	}
	host, _, _ := net.SplitHostPort(e.addr)
	c, err := smtp.NewClient(conn, host)
	if err != nil {
		return fmt.Errorf("smtp greeting from %s: %w", e.addr, err)
	}
	defer c.Close()
	if err := c.Hello("rasd"); err != nil {
		return fmt.Errorf("smtp hello: %w", err)
	}
	if ok, _ := c.Extension("STARTTLS"); ok {
		cfg := e.tlsConfig
		if cfg == nil {
			cfg = &tls.Config{ServerName: host, MinVersion: tls.VersionTLS12}
		}
		if err := c.StartTLS(cfg); err != nil {
			return fmt.Errorf("smtp starttls: %w", err)
		}
	}
	if e.user != "" {
		// PlainAuth refuses to send the password unencrypted, except to localhost.
		if err := c.Auth(smtp.PlainAuth("", e.user.Reveal(), e.pass.Reveal(), host)); err != nil {
			return fmt.Errorf("%w: smtp auth: %w", errPermanent, err)
		}
	}
	if err := c.Mail(e.from); err != nil {
		return fmt.Errorf("smtp mail from: %w", err)
	}
	for _, to := range e.to {
		if err := c.Rcpt(to); err != nil {
			return fmt.Errorf("smtp rcpt %s: %w", to, err)
		}
	}
	w, err := c.Data()
	if err != nil {
		return fmt.Errorf("smtp data: %w", err)
	}
	if _, err := w.Write(e.message(a)); err != nil {
		return fmt.Errorf("smtp data: %w", err)
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("smtp data: %w", err)
	}
	if err := c.Quit(); err != nil {
		return fmt.Errorf("smtp quit: %w", err)
	}
	return nil
}

// message is the alert as an RFC 5322 message.
func (e *email) message(a *Alert) []byte {
	subject := "Rasd alert: " + a.Rule + " " + a.Item
	if a.Kind == KindTension {
		subject = "Rasd alert: " + a.Rule + ": tension rising in " + a.Governorate
	}
	if a.Urgent {
		subject = "URGENT " + subject
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, "From: %s\r\n", header(e.from))
	fmt.Fprintf(&b, "To: %s\r\n", header(strings.Join(e.to, ", ")))
	fmt.Fprintf(&b, "Subject: %s\r\n", mime.QEncoding.Encode("utf-8", header(subject)))
	fmt.Fprintf(&b, "Date: %s\r\n", time.Now().UTC().Format(time.RFC1123Z))
	fmt.Fprintf(&b, "Message-ID: <%s@rasd>\r\n", a.ID)
	b.WriteString("MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n")
	body := strings.ReplaceAll(messageText(a), "\r", "")
	b.WriteString(strings.ReplaceAll(body, "\n", "\r\n"))
	b.WriteString("\r\n")
	return b.Bytes()
}

// header keeps a header value on one line.
func header(s string) string {
	return strings.NewReplacer("\r", " ", "\n", " ").Replace(s)
}

// openSender builds ch's sender, reading its secrets from getenv.
func openSender(ch ChannelConfig, timeout time.Duration, getenv func(string) string, now func() time.Time) (sender, error) {
	secret := func(field, env string) (ingest.Secret, error) {
		if env == "" {
			return "", nil
		}
		v := getenv(env)
		if v == "" {
			return "", fmt.Errorf("channel %s: %s: environment variable %s is not set", ch.Name, field, env)
		}
		return ingest.Secret(v), nil
	}
	switch ch.Type {
	case TypeWebhook:
		s, err := secret("secret_env", ch.SecretEnv)
		if err != nil {
			return nil, err
		}
		return &webhook{url: ch.URL, secret: s, client: httpx.GuardedClient(timeout, ch.AllowInternal), now: now}, nil
	case TypeTelegram:
		tok, err := secret("token_env", ch.TokenEnv)
		if err != nil {
			return nil, err
		}
		return &telegram{api: ch.APIURL, chat: ch.ChatID, token: tok, client: httpx.GuardedClient(timeout, ch.AllowInternal)}, nil
	case TypeEmail:
		user, err := secret("username_env", ch.UsernameEnv)
		if err != nil {
			return nil, err
		}
		pass, err := secret("password_env", ch.PasswordEnv)
		if err != nil {
			return nil, err
		}
		from, err := mail.ParseAddress(ch.From)
		if err != nil {
			return nil, fmt.Errorf("channel %s: from: %w", ch.Name, err)
		}
		to := make([]string, len(ch.To))
		for i, t := range ch.To {
			a, err := mail.ParseAddress(t)
			if err != nil {
				return nil, fmt.Errorf("channel %s: to: %w", ch.Name, err)
			}
			to[i] = a.Address
		}
		return &email{addr: ch.SMTP, from: from.Address, to: to, user: user, pass: pass, dialer: httpx.GuardedDialer(timeout, ch.AllowInternal), timeout: timeout}, nil
	}
	return nil, fmt.Errorf("channel %s: unknown type %q", ch.Name, ch.Type)
}
