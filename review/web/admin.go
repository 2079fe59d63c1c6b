package web

import (
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/rasd-iq/rasd/review"
	"github.com/rasd-iq/rasd/review/accounts"
)

// The admin's account routes: users are added, disabled and enabled, given
// another role, a new password or a fresh two-factor enrolment while the
// engine runs. Every change goes through accounts.Manager, which records it
// in the audit log in the admin's name and ends the account's sessions.

// userAction is one change an admin makes to an account.
type userAction struct {
	// Action is disable, enable, role, password or totp_reset.
	Action string `json:"action"`
	// Role is the new role for "role".
	Role string `json:"role,omitempty"`
}

// adminManager changes accounts in the calling admin's name.
func (s *Server) adminManager(r *http.Request) *accounts.Manager {
	return &accounts.Manager{Store: s.cfg.Store, Audit: s.cfg.Audit, Actor: "admin:" + from(r.Context()).User.Name, Now: s.cfg.Now}
}

// errSelf refuses an admin locking themselves out.
var errSelf = errors.New("an admin cannot disable their own account or take away their own admin role")

// userErrorKey names the catalogue message of an account error.
func userErrorKey(err error) string {
	switch {
	case errors.Is(err, accounts.ErrExists):
		return "err_user_exists"
	case errors.Is(err, review.ErrNotFound):
		return "err_user_missing"
	case errors.Is(err, errSelf):
		return "err_user_self"
	case strings.Contains(err.Error(), "invalid account name"):
		return "err_user_name"
	case strings.Contains(err.Error(), "unknown role"):
		return "err_user_role"
	}
	return ""
}

// addUser creates an account; an empty password gets a generated one,
// returned so that it can be shown once.
func (s *Server) addUser(r *http.Request, name, role, password string) (string, error) {
	if password == "" {
		password = accounts.GeneratePassword()
	} else if len(password) < 12 || len(password) > 200 {
		return "", errors.New("password: between 12 and 200 characters")
	}
	if err := s.adminManager(r).Add(r.Context(), name, review.Role(role), password); err != nil {
		return "", err
	}
	return password, nil
}

// changeUser applies a to account name and returns the new password when
// the action made one.
func (s *Server) changeUser(r *http.Request, name string, a userAction) (string, error) {
	m, ctx := s.adminManager(r), r.Context()
	self := name == from(ctx).User.Name
	switch a.Action {
	case "disable":
		if self {
			return "", errSelf
		}
		return "", m.Disable(ctx, name)
	case "enable":
		return "", m.Enable(ctx, name)
	case "role":
		if self && a.Role != string(review.RoleAdmin) {
			return "", errSelf
		}
		return "", m.SetRole(ctx, name, review.Role(a.Role))
	case "password":
		pw := accounts.GeneratePassword()
		return pw, m.Passwd(ctx, name, pw)
	case "totp_reset":
		return "", m.ResetTOTP(ctx, name)
	}
	return "", errors.New("action must be disable, enable, role, password or totp_reset, not " + strings.TrimSpace(a.Action))
}

// userRow is one account on the admin page.
type userRow struct {
	Name, Role, TOTP string
	Disabled         bool
	Changed          time.Time
}

// adminUsersView is the admin users page's data.
type adminUsersView struct {
	Users []userRow
	Roles []review.Role
	// Shown is the account whose new password is shown once; Password it.
	Shown, Password string
	Error           string
}

func (s *Server) pageAdminUsers(w http.ResponseWriter, r *http.Request) {
	s.renderAdminUsers(w, r, http.StatusOK, &adminUsersView{})
}

func (s *Server) renderAdminUsers(w http.ResponseWriter, r *http.Request, status int, v *adminUsersView) {
	us, err := s.cfg.Store.Users(r.Context())
	if err != nil {
		s.fail(w, r, err, "/queue")
		return
	}
	v.Roles = review.Roles
	for _, u := range us {
		tf := "totp_none"
		switch {
		case u.HasTOTP():
			tf = "totp_is_on"
		case u.Role.NeedsTOTP():
			tf = "totp_pending"
		}
		v.Users = append(v.Users, userRow{Name: u.Name, Role: string(u.Role), TOTP: tf, Disabled: u.Disabled, Changed: u.Changed})
	}
	s.render(w, status, "admin_users.html", s.newPage(r, "admin_users", v))
}

// userFailure shows err on the admin page in the reader's language.
func (s *Server) userFailure(w http.ResponseWriter, r *http.Request, err error) {
	msg := err.Error()
	if k := userErrorKey(err); k != "" {
		msg = lang(r).T(k)
	} else if strings.HasPrefix(msg, "password:") {
		msg = lang(r).T("err_user_password")
	} else if strings.HasPrefix(msg, "action must be") {
		msg = lang(r).T("err_user_action")
	}
	s.renderAdminUsers(w, r, http.StatusBadRequest, &adminUsersView{Error: msg})
}

func (s *Server) postAdminUsers(w http.ResponseWriter, r *http.Request) {
	name := strings.TrimSpace(r.PostFormValue("name"))
	pw, err := s.addUser(r, name, r.PostFormValue("role"), "")
	if err != nil {
		s.userFailure(w, r, err)
		return
	}
	s.renderAdminUsers(w, r, http.StatusOK, &adminUsersView{Shown: name, Password: pw})
}

func (s *Server) postAdminUser(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	pw, err := s.changeUser(r, name, userAction{Action: r.PostFormValue("action"), Role: r.PostFormValue("role")})
	if err != nil {
		s.userFailure(w, r, err)
		return
	}
	if pw != "" {
		s.renderAdminUsers(w, r, http.StatusOK, &adminUsersView{Shown: name, Password: pw})
		return
	}
	http.Redirect(w, r, "/admin/users?msg=user_changed&user="+url.QueryEscape(name), http.StatusSeeOther)
}

// apiAddUser adds an account: {"name", "role", "password" (optional: a
// generated one is returned)}.
func (s *Server) apiAddUser(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Name     string `json:"name"`
		Role     string `json:"role"`
		Password string `json:"password"`
	}
	if err := readJSON(w, r, &in); err != nil {
		WriteError(w, http.StatusBadRequest, err)
		return
	}
	gave := in.Password != ""
	pw, err := s.addUser(r, in.Name, in.Role, in.Password)
	if err != nil {
		WriteError(w, userStatus(err), err)
		return
	}
	out := map[string]string{"name": in.Name, "role": in.Role}
	if !gave {
		out["password"] = pw
	}
	WriteJSON(w, http.StatusCreated, out)
}

// apiChangeUser applies {"action", "role"} to an account.
func (s *Server) apiChangeUser(w http.ResponseWriter, r *http.Request) {
	var in userAction
	if err := readJSON(w, r, &in); err != nil {
		WriteError(w, http.StatusBadRequest, err)
		return
	}
	name := r.PathValue("name")
	pw, err := s.changeUser(r, name, in)
	if err != nil {
		WriteError(w, userStatus(err), err)
		return
	}
	out := map[string]string{"name": name, "action": in.Action}
	if pw != "" {
		out["password"] = pw
	}
	WriteJSON(w, http.StatusOK, out)
}

// userStatus is the HTTP status of an account error.
func userStatus(err error) int {
	switch {
	case errors.Is(err, review.ErrNotFound):
		return http.StatusNotFound
	case errors.Is(err, accounts.ErrExists):
		return http.StatusConflict
	case errors.Is(err, errSelf):
		return http.StatusForbidden
	case userErrorKey(err) != "" || strings.HasPrefix(err.Error(), "password:") || strings.HasPrefix(err.Error(), "action must be"):
		return http.StatusBadRequest
	}
	return http.StatusInternalServerError
}
