package alerts

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"net"
	"net/http/httptest"
	"net/textproto"
	"strings"
	"sync"
	"testing"

	"github.com/rasd-iq/rasd/index/store"
)

// smtpServer is a minimal SMTP server (no STARTTLS, no auth) keeping the
// envelopes and messages it receives.
type smtpServer struct {
	ln net.Listener
	// tls, when set, is offered with STARTTLS, and AUTH PLAIN after it.
	tls  *tls.Config
	auth string
	mu   sync.Mutex
	from string
	to   []string
	data string
	done chan struct{}
}

func startSMTP(t *testing.T) *smtpServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &smtpServer{ln: ln, done: make(chan struct{})}
	t.Cleanup(func() { ln.Close() })
	go s.serve()
	return s
}

func (s *smtpServer) serve() {
	c, err := s.ln.Accept()
	if err != nil {
		return
	}
	defer func() { c.Close() }()
	defer close(s.done)
	tp := textproto.NewConn(c)
	tp.PrintfLine("220 test ESMTP")
	for {
		line, err := tp.ReadLine()
		if err != nil {
			return
		}
		verb, arg, _ := strings.Cut(line, " ")
		switch strings.ToUpper(verb) {
		case "EHLO", "HELO":
			_, secure := c.(*tls.Conn)
			switch {
			case s.tls != nil && !secure:
				tp.PrintfLine("250-test\r\n250-STARTTLS\r\n250 8BITMIME")
			case secure:
				tp.PrintfLine("250-test\r\n250-AUTH PLAIN\r\n250 8BITMIME")
			default:
				tp.PrintfLine("250-test\r\n250 8BITMIME")
			}
		case "STARTTLS":
			tp.PrintfLine("220 go ahead")
			tc := tls.Server(c, s.tls)
			if err := tc.Handshake(); err != nil {
				return
			}
			c, tp = tc, textproto.NewConn(tc)
		case "AUTH":
			b, _ := base64.StdEncoding.DecodeString(strings.TrimPrefix(arg, "PLAIN "))
			s.mu.Lock()
			s.auth = string(b)
			s.mu.Unlock()
			tp.PrintfLine("235 ok")
		case "MAIL":
			s.mu.Lock()
			s.from = arg
			s.mu.Unlock()
			tp.PrintfLine("250 ok")
		case "RCPT":
			s.mu.Lock()
			s.to = append(s.to, arg)
			s.mu.Unlock()
			tp.PrintfLine("250 ok")
		case "DATA":
			tp.PrintfLine("354 go on")
			b, err := tp.ReadDotBytes()
			if err != nil {
				return
			}
			s.mu.Lock()
			s.data = string(b)
			s.mu.Unlock()
			tp.PrintfLine("250 queued")
		case "QUIT":
			tp.PrintfLine("221 bye")
			return
		default:
			tp.PrintfLine("502 not here")
		}
	}
}

func TestEmailThroughSMTP(t *testing.T) {
	s := startSMTP(t)
	n := open(t, []ChannelConfig{{Name: "mail", Type: TypeEmail, SMTP: s.ln.Addr().String(), From: "Rasd <rasd@example.org>",
		To: []string{"duty@example.org", "Lead <lead@example.org>"}, AllowInternal: true}}, Options{})
	n.Routed(context.Background(), []store.Record{urgentRecord("x:threat-mail")})
	if err := n.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	<-s.done
	s.mu.Lock()
	defer s.mu.Unlock()
	if !strings.HasPrefix(s.from, "FROM:<rasd@example.org>") || strings.Join(s.to, " ") != "TO:<duty@example.org> TO:<lead@example.org>" {
		t.Fatalf("envelope %q → %q", s.from, s.to)
	}
	for _, want := range []string{"Subject: URGENT Rasd alert: urgent x:threat-mail", "https://rasd.example.org/items/x:threat-mail", "governorate: basra", "Content-Type: text/plain; charset=utf-8"} {
		if !strings.Contains(s.data, want) {
			t.Errorf("message lacks %q:\n%s", want, s.data)
		}
	}
	for _, leak := range []string{author, permalink, postText} {
		if strings.Contains(s.data, leak) {
			t.Errorf("message contains %q", leak)
		}
	}
}

func TestEmailUpgradesWithSTARTTLSAndAuthenticates(t *testing.T) {
	cert := httptest.NewTLSServer(nil)
	cert.Close()
	s := startSMTP(t)
	s.tls = &tls.Config{Certificates: cert.TLS.Certificates}
	pool := x509.NewCertPool()
	pool.AddCert(cert.Certificate())
	n, err := Open(Config{BaseURL: "https://rasd.example.org", Rules: []Rule{{Name: "all", Channels: []string{"mail"}}},
		Channels: []ChannelConfig{{Name: "mail", Type: TypeEmail, SMTP: s.ln.Addr().String(), From: "rasd@example.org", To: []string{"duty@example.org"},
			UsernameEnv: "SMTP_USER", PasswordEnv: "SMTP_PASS", AllowInternal: true}}},
		Options{Data: t.TempDir(), Getenv: func(k string) string { return map[string]string{"SMTP_USER": "rasd", "SMTP_PASS": "mail-pass"}[k] }})
	if err != nil {
		t.Fatal(err)
	}
	n.senders["mail"].(*email).tlsConfig = &tls.Config{RootCAs: pool, ServerName: "127.0.0.1"}
	n.Routed(context.Background(), []store.Record{urgentRecord("x:threat-tls")})
	n.Close(context.Background())
	<-s.done
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.auth != "\x00rasd\x00mail-pass" {
		t.Fatalf("AUTH PLAIN gave %q", s.auth)
	}
	if !strings.Contains(s.data, "x:threat-tls") {
		t.Fatalf("message over TLS: %q", s.data)
	}
}
