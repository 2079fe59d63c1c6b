package alerts

import (
	"context"
	"net"
	"net/textproto"
	"strings"
	"sync"
	"testing"

	"github.com/rasd-iq/rasd/index/store"
)

// smtpServer is a minimal SMTP server (no STARTTLS, no auth) keeping the
// envelopes and messages it receives.
type smtpServer struct {
	ln   net.Listener
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
	defer c.Close()
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
			tp.PrintfLine("250-test\r\n250 8BITMIME")
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
