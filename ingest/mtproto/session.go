package mtproto

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/cenkalti/backoff/v4"
	"github.com/gotd/td/session"
	"github.com/gotd/td/telegram"
	"github.com/gotd/td/telegram/auth"
	"github.com/gotd/td/telegram/dcs"
	"github.com/gotd/td/tg"
	"go.uber.org/zap"

	"github.com/rasd-iq/rasd/ingest"
	"github.com/rasd-iq/rasd/ingest/httpx"
)

// sessionDialer connects with the operator's session file.
type sessionDialer struct {
	appID         int
	appHash       ingest.Secret
	path          string
	allowInternal bool
	// options, when set, adjusts the client's options (tests point it at
	// an in-process Telegram).
	options func(*telegram.Options)
}

// CheckSession reports whether path holds a usable session: ErrNoSession
// when it is missing or empty, ErrBadSession when it cannot be decoded.
func CheckSession(ctx context.Context, path string) error {
	st := &session.FileStorage{Path: path}
	_, err := (&session.Loader{Storage: st}).Load(ctx)
	switch {
	case err == nil:
		return nil
	case errors.Is(err, session.ErrNotFound) && !strings.Contains(err.Error(), "version mismatch"):
		return fmt.Errorf("%w (%s)", ErrNoSession, path)
	default:
		return fmt.Errorf("%w (%s): %v", ErrBadSession, path, err)
	}
}

// Dial implements Dialer: it checks the session file, connects, checks
// that the session is still authorised, and runs fn.
func (d *sessionDialer) Dial(ctx context.Context, fn func(ctx context.Context, api tg.Invoker) error) error {
	if err := CheckSession(ctx, d.path); err != nil {
		return err
	}
	client := d.client(d.path)
	return client.Run(ctx, func(ctx context.Context) error {
		st, err := client.Auth().Status(ctx)
		if err != nil {
			return fmt.Errorf("checking the session: %w", err)
		}
		if !st.Authorized {
			return fmt.Errorf("%w (%s)", ErrNotAuthorized, d.path)
		}
		return fn(ctx, client)
	})
}

// client builds a gotd client that keeps its session in path and dials
// only public addresses unless the source allows internal ones.
func (d *sessionDialer) client(path string) *telegram.Client {
	guard := httpx.GuardedDialer(30*time.Second, d.allowInternal)
	opts := telegram.Options{
		SessionStorage: &session.FileStorage{Path: path},
		NoUpdates:      true,
		Logger:         zap.NewNop(),
		Resolver: dcs.Plain(dcs.PlainOptions{Dial: func(ctx context.Context, network, addr string) (net.Conn, error) {
			return guard.DialContext(ctx, network, addr)
		}}),
		// A few reconnection attempts, then the fetch fails and the
		// crawler's own back-off takes over (gotd would retry forever).
		ReconnectionBackoff: func() backoff.BackOff {
			b := backoff.NewExponentialBackOff()
			b.InitialInterval, b.MaxInterval = 500*time.Millisecond, 5*time.Second
			return backoff.WithMaxRetries(b, 3)
		},
	}
	if d.options != nil {
		d.options(&opts)
	}
	return telegram.NewClient(d.appID, d.appHash.Reveal(), opts)
}

// LoginOptions are what Login needs.
type LoginOptions struct {
	// APIID and APIHash are the operator's application's, from my.telegram.org.
	APIID   int
	APIHash ingest.Secret
	// Session is the session file to write (mode 0600).
	Session string
	// Phone is the account's phone number in international form.
	Phone string
	// In is where the login code and, if the account has one, the
	// two-step verification password are read from, one a line.
	In io.Reader
	// Out is where the prompts go.
	Out io.Writer

	// clientOptions, when set, adjusts the client's options (tests).
	clientOptions func(*telegram.Options)
}

// Login signs the operator's account in once and writes the session file
// the connector uses. Telegram sends a login code to the account's other
// devices (or by SMS); it and the two-step password are read from In.
// It returns the signed-in account's user id.
func Login(ctx context.Context, o LoginOptions) (int64, error) {
	if o.APIID <= 0 || o.APIHash.Reveal() == "" || o.Session == "" || !strings.HasPrefix(o.Phone, "+") {
		return 0, errors.New("telegram login: api id, api hash, session path and a phone number starting with + are required")
	}
	if err := os.MkdirAll(filepath.Dir(o.Session), 0o700); err != nil {
		return 0, fmt.Errorf("telegram login: creating the session's folder: %w", err)
	}
	var userID int64
	in := bufio.NewReader(o.In)
	ask := func(prompt string) (string, error) {
		fmt.Fprint(o.Out, prompt)
		line, err := in.ReadString('\n')
		if err != nil && line == "" {
			return "", fmt.Errorf("reading %s: %w", strings.TrimSuffix(prompt, ": "), err)
		}
		return strings.TrimSpace(line), nil
	}
	d := &sessionDialer{appID: o.APIID, appHash: o.APIHash, path: o.Session, options: o.clientOptions}
	client := d.client(o.Session)
	err := client.Run(ctx, func(ctx context.Context) error {
		flow := auth.NewFlow(terminalAuth{phone: o.Phone, ask: ask}, auth.SendCodeOptions{})
		if err := client.Auth().IfNecessary(ctx, flow); err != nil {
			return fmt.Errorf("signing in: %w", err)
		}
		self, err := client.Self(ctx)
		if err != nil {
			return fmt.Errorf("reading the signed-in account: %w", err)
		}
		userID = self.ID
		fmt.Fprintf(o.Out, "signed in as %s (id %d); session saved to %s\n", strings.TrimSpace(self.FirstName+" "+self.LastName), self.ID, o.Session)
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("telegram login: %w", err)
	}
	if err := os.Chmod(o.Session, 0o600); err != nil {
		return 0, fmt.Errorf("telegram login: %w", err)
	}
	return userID, nil
}

// terminalAuth answers gotd's sign-in flow from the operator's terminal.
type terminalAuth struct {
	phone string
	ask   func(prompt string) (string, error)
}

func (a terminalAuth) Phone(context.Context) (string, error) { return a.phone, nil }

func (a terminalAuth) Password(context.Context) (string, error) {
	return a.ask("two-step verification password: ")
}

func (a terminalAuth) Code(context.Context, *tg.AuthSentCode) (string, error) {
	return a.ask("login code Telegram sent: ")
}

func (a terminalAuth) AcceptTermsOfService(_ context.Context, tos tg.HelpTermsOfService) error {
	return &auth.SignUpRequired{TermsOfService: tos}
}

func (a terminalAuth) SignUp(context.Context) (auth.UserInfo, error) {
	return auth.UserInfo{}, errors.New("the account does not exist: sign it up in a Telegram app first")
}
