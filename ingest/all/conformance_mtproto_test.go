package all

// Conformance fixture for telegram-mtproto: Telegram's answers replayed in
// TL form by mtprototest, no network.

import (
	"path/filepath"
	"testing"

	"github.com/gotd/td/tg"

	"github.com/rasd-iq/rasd/ingest"
	"github.com/rasd-iq/rasd/ingest/mtproto"
	"github.com/rasd-iq/rasd/ingest/mtproto/mtprototest"
)

func init() {
	fixtures[mtproto.Name] = fixture{
		limits: ingest.Limits{RatePerSec: 1000, MaxPages: 2},
		settings: func(t *testing.T, dir string) map[string]any {
			t.Setenv("RASD_CONF_TG_API_HASH", "conformance-api-hash")
			return map[string]any{"peer": "@iraq_talk_group", "api_id": 1234567, "api_hash_env": "RASD_CONF_TG_API_HASH",
				"session": filepath.Join(dir, "telegram.session"), "page_size": 3}
		},
		prepare: func(t *testing.T, c ingest.Connector) {
			srv := mtprototest.NewServer("iraq_talk_group", 1800000001, "نقاشات عراقية", true)
			srv.Users = []tg.UserClass{&tg.User{ID: 77, Username: "abu_ali", FirstName: "أبو علي"}}
			texts := []string{"السلام عليكم يا جماعة", "شنو صار بالبصرة اليوم؟", "الكهرباء طافية من الصبح", "", "الله يحفظ العراق", "تظاهرة سلمية باچر بساحة التحرير", "منو يعرف موعد الامتحانات؟"}
			for i, text := range texts {
				m := &tg.Message{ID: i + 1, Date: 1764000000 + i*600, Message: text, FromID: &tg.PeerUser{UserID: 77}}
				if text == "" {
					m.SetMedia(&tg.MessageMediaDocument{Document: &tg.Document{ID: 5, Attributes: []tg.DocumentAttributeClass{&tg.DocumentAttributeFilename{FileName: "بيان.pdf"}}}})
				}
				srv.Add(m)
			}
			c.(*mtproto.Connector).SetDialer(srv)
		},
	}
}
