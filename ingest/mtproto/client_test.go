package mtproto

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gotd/td/bin"
	"github.com/gotd/td/telegram"
	"github.com/gotd/td/tg"
	"github.com/gotd/td/tgerr"
	"github.com/gotd/td/tgtest"
	"github.com/gotd/td/tgtest/cluster"
	"golang.org/x/sync/errgroup"

	"github.com/rasd-iq/rasd/ingest"
	"github.com/rasd-iq/rasd/ingest/httpx"
)

// rawTL is a request or answer passed on as its TL bytes.
type rawTL struct{ b []byte }

func (r *rawTL) Encode(b *bin.Buffer) error { b.Put(r.b); return nil }

func (r *rawTL) Decode(b *bin.Buffer) error {
	r.b = slices.Clone(b.Buf)
	b.Skip(len(b.Buf))
	return nil
}

// TestSessionFileAgainstInProcessTelegram runs the connector's own dialer —
// gotd's client, MTProto's key exchange and encryption, the session file —
// against gotd's in-process Telegram (tgtest), whose DC answers from an
// mtprototest channel: the operator logs in with Login, the connector reads
// with the session file it wrote, then Telegram revokes the session.
func TestSessionFileAgainstInProcessTelegram(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	srv := channel(60)
	var signedIn, revoked atomic.Bool
	operator := &tg.User{ID: 42, Self: true, FirstName: "مشغل", AccessHash: 1}
	c := cluster.NewCluster(cluster.Options{})
	dc := c.Dispatch(2, "dc2")
	dc.Handle(tg.UsersGetUsersRequestTypeID, tgtest.HandlerFunc(func(s *tgtest.Server, req *tgtest.Request) error {
		if !signedIn.Load() || revoked.Load() {
			return s.SendErr(req, tgerr.New(401, "AUTH_KEY_UNREGISTERED"))
		}
		return s.SendVector(req, operator)
	}))
	dc.Handle(tg.AuthSendCodeRequestTypeID, tgtest.HandlerFunc(func(s *tgtest.Server, req *tgtest.Request) error {
		var r tg.AuthSendCodeRequest
		if err := r.Decode(req.Buf); err != nil {
			return err
		}
		if r.PhoneNumber != "+9647700000000" || r.APIID != 1 {
			return s.SendErr(req, tgerr.New(400, "PHONE_NUMBER_INVALID"))
		}
		return s.SendResult(req, &tg.AuthSentCode{Type: &tg.AuthSentCodeTypeApp{Length: 5}, PhoneCodeHash: "code-hash"})
	}))
	dc.Handle(tg.AuthSignInRequestTypeID, tgtest.HandlerFunc(func(s *tgtest.Server, req *tgtest.Request) error {
		var r tg.AuthSignInRequest
		if err := r.Decode(req.Buf); err != nil {
			return err
		}
		if r.PhoneCodeHash != "code-hash" || r.PhoneCode != "24680" {
			return s.SendErr(req, tgerr.New(400, "PHONE_CODE_INVALID"))
		}
		signedIn.Store(true)
		return s.SendResult(req, &tg.AuthAuthorization{User: operator})
	}))
	relay := tgtest.HandlerFunc(func(s *tgtest.Server, req *tgtest.Request) error {
		var out rawTL
		if err := srv.Invoke(req.RequestCtx, &rawTL{b: slices.Clone(req.Buf.Buf)}, &out); err != nil {
			var rpc *tgerr.Error
			if errors.As(err, &rpc) {
				return s.SendErr(req, rpc)
			}
			return err
		}
		return s.SendResult(req, &out)
	})
	dc.Handle(tg.ContactsResolveUsernameRequestTypeID, relay)
	dc.Handle(tg.MessagesGetHistoryRequestTypeID, relay)

	g, gctx := errgroup.WithContext(ctx)
	upCtx, stopCluster := context.WithCancel(gctx)
	g.Go(func() error { return c.Up(upCtx) })
	defer func() {
		stopCluster()
		if err := g.Wait(); err != nil && !errors.Is(err, context.Canceled) {
			t.Errorf("cluster: %v", err)
		}
	}()
	select {
	case <-c.Ready():
	case <-ctx.Done():
		t.Fatal("cluster did not start")
	}
	local := func(o *telegram.Options) {
		o.PublicKeys, o.Resolver, o.DCList = c.Keys(), c.Resolver(), c.List()
	}

	// The operator signs in once: the code Telegram sent is typed in.
	path := filepath.Join(t.TempDir(), "sessions", "telegram.session")
	var out strings.Builder
	id, err := Login(ctx, LoginOptions{APIID: 1, APIHash: "hash", Session: path, Phone: "+9647700000000",
		In: strings.NewReader("24680\n"), Out: &out, clientOptions: local})
	if err != nil || id != 42 || !strings.Contains(out.String(), "signed in as مشغل (id 42)") {
		t.Fatalf("login: id %d, err %v, output %q", id, err, out.String())
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("session file: %v %v", fi, err)
	}
	if err := CheckSession(ctx, path); err != nil {
		t.Fatalf("session written by the login: %v", err)
	}

	conn, _ := newConnector(t, srv, "", ingest.Limits{RatePerSec: 1000})
	conn.SetDialer(&sessionDialer{appID: 1, appHash: "hash", path: path, options: local})
	posts, cur, err := conn.Fetch(ctx, "")
	if err != nil || cur != "60" || !slices.Equal(ids(posts), readable(srv)) {
		t.Fatalf("through the session: %d posts, cursor %q, err %v", len(posts), cur, err)
	}
	if m, err := DecodeCapture(posts[0].Capture); err != nil || m.Message != posts[0].Text {
		t.Errorf("capture after the wire: %v", err)
	}

	// Without allow_internal the guard refuses the (local) data centre,
	// and the fetch fails after a few attempts instead of retrying forever.
	guarded, _ := newConnector(t, srv, "", ingest.Limits{RatePerSec: 1000})
	guarded.SetDialer(&sessionDialer{appID: 1, appHash: "hash", path: path, options: func(o *telegram.Options) {
		o.PublicKeys, o.DCList = c.Keys(), c.List()
	}})
	if _, _, err := guarded.Fetch(ctx, ""); !errors.Is(err, httpx.ErrInternalAddress) {
		t.Errorf("internal data centre without allow_internal: %v", err)
	}

	revoked.Store(true)
	for id := 61; id <= 62; id++ {
		addMessage(srv, id)
	}
	if _, cur2, err := conn.Fetch(ctx, cur); !errors.Is(err, ErrNotAuthorized) || cur2 != cur || !errors.Is(conn.Health(), ErrNotAuthorized) {
		t.Errorf("revoked session: cursor %q, err %v, health %v", cur2, err, conn.Health())
	}
}
