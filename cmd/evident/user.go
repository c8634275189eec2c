package main

import (
	"bufio"
	"flag"
	"fmt"
	"strings"

	"github.com/evidenthq/evident"
	"github.com/evidenthq/evident/internal/auth"
	"github.com/evidenthq/evident/internal/sqlstore"
)

// userSubs are `evident user`'s subcommands.
var userSubs = []sub{
	{"add", "add a user with a role", userAdd},
	{"role", "change a user's role (and a control owner's controls, an assessor's period)", userRole},
	{"passwd", "set a user's password", userPasswd},
	{"disable", "disable a user: sessions and tokens stop working", func(a *app, args []string) error { return userDisable(a, args, true) }},
	{"enable", "enable a disabled user", func(a *app, args []string) error { return userDisable(a, args, false) }},
	{"list", "list users with their roles", userList},
	{"token", "create, list or revoke a user's API tokens", userToken},
	{"mfa", "reset a user's second factor, or decide which roles must use one", userMFA},
	{"passkey", "list a user's passkeys, or remove one for a lost device", userPasskey},
}

// roleFlags are the flags that shape a role: a control owner's controls
// and an assessor's period.
type roleFlags struct {
	controls, from, to *string
}

func addRoleFlags(fs *flag.FlagSet) roleFlags {
	return roleFlags{
		controls: fs.String("controls", "", "control `ids` a control owner may write evidence for, comma-separated"),
		from:     fs.String("from", "", "start of an assessor's period (RFC 3339 or date)"),
		to:       fs.String("to", "", "end of an assessor's period, exclusive"),
	}
}

// apply fills u's role-dependent fields from the flags.
func (f roleFlags) apply(u *evident.User) error {
	for _, c := range strings.Split(*f.controls, ",") {
		if c = strings.TrimSpace(c); c != "" {
			u.Controls = append(u.Controls, c)
		}
	}
	var err error
	if *f.from != "" {
		if u.PeriodFrom, err = evident.ParseTime(*f.from); err != nil {
			return evident.ErrorAt(evident.EINVALID, "--from", "%s", evident.ErrorMessage(err))
		}
	}
	if *f.to != "" {
		if u.PeriodTo, err = evident.ParseTime(*f.to); err != nil {
			return evident.ErrorAt(evident.EINVALID, "--to", "%s", evident.ErrorMessage(err))
		}
	}
	return nil
}

func oneArg(fs *flag.FlagSet, pos []string, what string) (string, error) {
	if len(pos) != 1 {
		return "", evident.Errorf(evident.EINVALID, "%s: want one %s, got %d arguments", fs.Name(), what, len(pos))
	}
	return pos[0], nil
}

// readPassword reads one line from stdin: a password never goes on the
// command line, where other users of the machine and shell history see it.
func (a *app) readPassword() (string, error) {
	line, err := bufio.NewReader(a.stdin).ReadString('\n')
	if err != nil && line == "" {
		return "", evident.Errorf(evident.EINVALID, "no password on standard input")
	}
	pw := strings.TrimRight(line, "\r\n")
	if err := auth.ValidatePassword(pw); err != nil {
		return "", err
	}
	return pw, nil
}

func userAdd(a *app, args []string) error {
	fs := a.flags("user add")
	role := fs.String("role", "", "role: admin, compliance-manager, control-owner, management-approver or assessor")
	display := fs.String("display-name", "", "name shown in the UI")
	email := fs.String("email", "", "e-mail address")
	pwStdin := fs.Bool("password-stdin", false, "read the password from standard input (otherwise the user signs in only with tokens or OIDC)")
	subject := fs.String("oidc-subject", "", "link an identity provider account: \"ISSUER SUBJECT\" (the ID token's iss and sub)")
	rf := addRoleFlags(fs)
	pos, err := a.parse(fs, args)
	if err != nil {
		return err
	}
	name, err := oneArg(fs, pos, "user name")
	if err != nil {
		return err
	}
	r, err := evident.ParseRole(*role)
	if err != nil {
		return evident.ErrorAt(evident.EINVALID, "--role", "%s", evident.ErrorMessage(err))
	}
	u := evident.User{Name: name, DisplayName: *display, Email: *email, Role: r, OIDCSubject: *subject}
	if err := rf.apply(&u); err != nil {
		return err
	}
	if err := u.Validate(); err != nil {
		return err
	}
	hash := ""
	if *pwStdin {
		pw, err := a.readPassword()
		if err != nil {
			return err
		}
		if hash, err = auth.HashPassword(pw); err != nil {
			return err
		}
	}
	st, err := a.openStore()
	if err != nil {
		return err
	}
	defer st.Close()
	if err := st.CreateUser(a.ctx, u, hash, a.actor); err != nil {
		return err
	}
	return a.showUser(st, name)
}

func (a *app) showUser(st *sqlstore.Store, name string) error {
	u, err := st.User(a.ctx, name)
	if err != nil {
		return err
	}
	if a.json {
		return a.printJSON(u)
	}
	a.out("%s\n", describeUser(u))
	return nil
}

func describeUser(u evident.User) string {
	s := fmt.Sprintf("%-20s %s", u.Name, u.Role)
	if len(u.Controls) > 0 {
		s += " controls=" + strings.Join(u.Controls, ",")
	}
	if !u.PeriodFrom.IsZero() {
		s += " period=" + stamp(u.PeriodFrom) + "/" + stamp(u.PeriodTo)
	}
	if u.Disabled {
		s += " (disabled)"
	}
	return s
}

func userRole(a *app, args []string) error {
	fs := a.flags("user role")
	rf := addRoleFlags(fs)
	pos, err := a.parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 2 {
		return evident.Errorf(evident.EINVALID, "user role: want NAME ROLE, got %d arguments", len(pos))
	}
	r, err := evident.ParseRole(pos[1])
	if err != nil {
		return err
	}
	u := evident.User{Name: pos[0], Role: r}
	if err := rf.apply(&u); err != nil {
		return err
	}
	st, err := a.openStore()
	if err != nil {
		return err
	}
	defer st.Close()
	if err := st.SetUserRole(a.ctx, u, a.actor); err != nil {
		return err
	}
	return a.showUser(st, u.Name)
}

func userPasswd(a *app, args []string) error {
	fs := a.flags("user passwd")
	pos, err := a.parse(fs, args)
	if err != nil {
		return err
	}
	name, err := oneArg(fs, pos, "user name")
	if err != nil {
		return err
	}
	pw, err := a.readPassword()
	if err != nil {
		return err
	}
	hash, err := auth.HashPassword(pw)
	if err != nil {
		return err
	}
	st, err := a.openStore()
	if err != nil {
		return err
	}
	defer st.Close()
	if err := st.SetPassword(a.ctx, name, hash, a.actor); err != nil {
		return err
	}
	a.out("password of %s changed; their sessions have ended\n", name)
	return nil
}

func userDisable(a *app, args []string, disable bool) error {
	fs := a.flags("user " + map[bool]string{true: "disable", false: "enable"}[disable])
	pos, err := a.parse(fs, args)
	if err != nil {
		return err
	}
	name, err := oneArg(fs, pos, "user name")
	if err != nil {
		return err
	}
	st, err := a.openStore()
	if err != nil {
		return err
	}
	defer st.Close()
	if err := st.SetUserDisabled(a.ctx, name, disable, a.actor); err != nil {
		return err
	}
	return a.showUser(st, name)
}

func userList(a *app, args []string) error {
	fs := a.flags("user list")
	if _, err := a.parse(fs, args); err != nil {
		return err
	}
	st, err := a.openStore()
	if err != nil {
		return err
	}
	defer st.Close()
	var all []evident.User
	after := ""
	for {
		us, err := st.Users(a.ctx, after, 500)
		if err != nil {
			return err
		}
		all = append(all, us...)
		if len(us) < 500 {
			break
		}
		after = us[len(us)-1].Name
	}
	if a.json {
		if all == nil {
			all = []evident.User{}
		}
		return a.printJSON(all)
	}
	for _, u := range all {
		m, err := st.UserMFA(a.ctx, u.Name)
		if err != nil {
			return err
		}
		a.out("%s%s\n", describeUser(u), describeMFA(m))
	}
	return nil
}

// describeMFA says whether a user signs in with a second factor, and
// flags one whose role requires it and who has none yet.
func describeMFA(m sqlstore.MFA) string {
	switch {
	case m.Enrolled():
		return fmt.Sprintf(" second-factor=%s (%d recovery codes left)", stamp(m.EnrolledAt), m.RecoveryLeft)
	case m.Required:
		return " second-factor=missing (must enrol at next sign-in)"
	}
	return ""
}

func userToken(a *app, args []string) error {
	if len(args) > 0 && (args[0] == "list" || args[0] == "revoke") {
		return userTokenManage(a, args[0], args[1:])
	}
	fs := a.flags("user token")
	label := fs.String("name", "", "what the token is for, e.g. ci-nmap (required)")
	expires := fs.String("expires", "", "expiry time (RFC 3339 or date); default: until revoked")
	pos, err := a.parse(fs, args)
	if err != nil {
		return err
	}
	name, err := oneArg(fs, pos, "user name")
	if err != nil {
		return err
	}
	t := sqlstore.APIToken{User: name, Name: *label}
	if *expires != "" {
		if t.ExpiresAt, err = evident.ParseTime(*expires); err != nil {
			return evident.ErrorAt(evident.EINVALID, "--expires", "%s", evident.ErrorMessage(err))
		}
		if !t.ExpiresAt.After(a.now()) {
			return evident.ErrorAt(evident.EINVALID, "--expires", "expiry %s is in the past", stamp(t.ExpiresAt))
		}
	}
	st, err := a.openStore()
	if err != nil {
		return err
	}
	defer st.Close()
	plain, hash := auth.NewToken()
	t, err = st.CreateToken(a.ctx, t, hash, a.actor)
	if err != nil {
		return err
	}
	if a.json {
		return a.printJSON(struct {
			sqlstore.APIToken
			Token string `json:"token"`
		}{t, plain})
	}
	a.out("%s\n", plain)
	fmt.Fprintf(a.stderr, "token %s (%s) for %s: shown once, store it now; revoke with `evident user token revoke %s`\n", t.Name, t.ID, t.User, t.ID)
	return nil
}

func userTokenManage(a *app, sub string, args []string) error {
	fs := a.flags("user token " + sub)
	pos, err := a.parse(fs, args)
	if err != nil {
		return err
	}
	arg, err := oneArg(fs, pos, map[string]string{"list": "user name", "revoke": "token id"}[sub])
	if err != nil {
		return err
	}
	st, err := a.openStore()
	if err != nil {
		return err
	}
	defer st.Close()
	if sub == "revoke" {
		if err := st.RevokeToken(a.ctx, arg, a.actor); err != nil {
			return err
		}
		a.out("revoked %s\n", arg)
		return nil
	}
	if _, err := st.User(a.ctx, arg); err != nil {
		return err
	}
	ts, err := st.Tokens(a.ctx, arg)
	if err != nil {
		return err
	}
	if a.json {
		if ts == nil {
			ts = []sqlstore.APIToken{}
		}
		return a.printJSON(ts)
	}
	for _, t := range ts {
		state := "live"
		switch {
		case !t.RevokedAt.IsZero():
			state = "revoked " + stamp(t.RevokedAt)
		case !t.ExpiresAt.IsZero() && !t.ExpiresAt.After(a.now()):
			state = "expired " + stamp(t.ExpiresAt)
		case !t.ExpiresAt.IsZero():
			state = "expires " + stamp(t.ExpiresAt)
		}
		by := ""
		if t.CreatedBy != "" {
			by = " by " + evident.Display(t.CreatedBy)
		}
		a.out("%s  %-20s created %s%s  %s\n", t.ID, evident.Display(t.Name), stamp(t.CreatedAt), by, state)
	}
	return nil
}

// userMFA dispatches `evident user mfa`: reset USER, require --role ROLE,
// roles.
func userMFA(a *app, args []string) error {
	return a.nested("user mfa", args, "reset LOGIN, require --role ROLE [--off], or roles",
		sub{name: "reset", run: userMFAReset}, sub{name: "require", run: userMFARequire}, sub{name: "roles", run: userMFARoles})
}

// nested dispatches a group inside a group (user mfa, user passkey). A
// known first argument runs its subcommand; anything else is parsed as
// the group's own flags, so -h prints its synopsis, and is a usage error
// saying what is wanted.
func (a *app) nested(name string, args []string, want string, subs ...sub) error {
	if len(args) > 0 {
		for _, s := range subs {
			if s.name == args[0] {
				return s.run(a, args[1:])
			}
		}
	}
	fs := a.flags(name)
	pos, err := a.parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) == 0 {
		return evident.Errorf(evident.EINVALID, "%s: want %s", name, want)
	}
	return evident.Errorf(evident.EINVALID, "%s: unknown subcommand %q: want %s", name, pos[0], subNames(subs))
}

// userMFAReset removes a user's second factor, for a lost device; if
// their role requires one they enrol again at their next sign-in.
func userMFAReset(a *app, args []string) error {
	fs := a.flags("user mfa reset")
	pos, err := a.parse(fs, args)
	if err != nil {
		return err
	}
	name, err := oneArg(fs, pos, "user name")
	if err != nil {
		return err
	}
	st, err := a.openStore()
	if err != nil {
		return err
	}
	defer st.Close()
	if err := st.ResetMFA(a.ctx, name, a.actor); err != nil {
		return err
	}
	a.out("second factor of %s removed; their sessions have ended\n", name)
	return nil
}

// userMFARequire decides whether a role's members must use a second
// factor at password sign-in.
func userMFARequire(a *app, args []string) error {
	fs := a.flags("user mfa require")
	role := fs.String("role", "", "role whose members must use a second factor (required)")
	off := fs.Bool("off", false, "no longer require it of the role")
	if _, err := a.parse(fs, args); err != nil {
		return err
	}
	r, err := evident.ParseRole(*role)
	if err != nil {
		return evident.ErrorAt(evident.EINVALID, "--role", "%s", evident.ErrorMessage(err))
	}
	st, err := a.openStore()
	if err != nil {
		return err
	}
	defer st.Close()
	if err := st.SetMFARequired(a.ctx, r, !*off, a.actor); err != nil {
		return err
	}
	return a.printMFARoles(st)
}

func userMFARoles(a *app, args []string) error {
	fs := a.flags("user mfa roles")
	if _, err := a.parse(fs, args); err != nil {
		return err
	}
	st, err := a.openStore()
	if err != nil {
		return err
	}
	defer st.Close()
	return a.printMFARoles(st)
}

// printMFARoles prints, per role, whether it must use a second factor.
func (a *app) printMFARoles(st *sqlstore.Store) error {
	roles, err := st.MFARoles(a.ctx)
	if err != nil {
		return err
	}
	if a.json {
		return a.printJSON(roles)
	}
	for _, r := range evident.UserRoles {
		state := "optional"
		if roles[r] {
			state = "required"
		}
		a.out("%-20s second factor %s\n", r, state)
	}
	return nil
}

// userPasskey dispatches `evident user passkey`: list LOGIN, remove LOGIN
// ID. Passkeys are added in the browser, on the user's own device.
func userPasskey(a *app, args []string) error {
	return a.nested("user passkey", args, "list LOGIN or remove LOGIN ID",
		sub{name: "list", run: userPasskeyList}, sub{name: "remove", run: userPasskeyRemove})
}

func userPasskeyList(a *app, args []string) error {
	fs := a.flags("user passkey list")
	pos, err := a.parse(fs, args)
	if err != nil {
		return err
	}
	name, err := oneArg(fs, pos, "user name")
	if err != nil {
		return err
	}
	st, err := a.openStore()
	if err != nil {
		return err
	}
	defer st.Close()
	if _, _, err := st.UserCredentials(a.ctx, name); err != nil {
		return err
	}
	keys, err := st.Passkeys(a.ctx, name)
	if err != nil {
		return err
	}
	if a.json {
		return a.printJSON(keys)
	}
	if len(keys) == 0 {
		a.out("%s has no passkey\n", name)
		return nil
	}
	for _, k := range keys {
		used := "never used"
		if !k.LastUsedAt.IsZero() {
			used = "last used " + stamp(k.LastUsedAt)
		}
		a.out("%s  %-20s added %s, %s\n", k.ID, evident.Display(k.Label), stamp(k.CreatedAt), used)
	}
	return nil
}

// userPasskeyRemove removes a passkey, for a lost or stolen device; the
// user's passkey sessions end.
func userPasskeyRemove(a *app, args []string) error {
	fs := a.flags("user passkey remove")
	pos, err := a.parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 2 {
		return evident.Errorf(evident.EINVALID, "user passkey remove: want LOGIN ID (evident user passkey list LOGIN shows the ids)")
	}
	st, err := a.openStore()
	if err != nil {
		return err
	}
	defer st.Close()
	if err := st.RemovePasskey(a.ctx, pos[0], pos[1], a.actor); err != nil {
		return err
	}
	a.out("passkey %s of %s removed; their passkey sessions have ended\n", pos[1], pos[0])
	return nil
}
