package web

import (
	"net/http"

	"github.com/evidenthq/evident/internal/auth"
)

// Route is one browser route. The server mounts each behind its
// permission; the table is data so the server can list, describe and test
// every route (the authorisation matrix walks it).
type Route struct {
	Pattern string // http.ServeMux pattern with method, e.g. "GET /audit"
	Perm    auth.Permission
	Handler http.Handler
}

// Routes returns every browser route with the permission it needs.
// Reading pages need auth.Read; forms that change state need the
// permission of the change, on the form page as well as on its POST, so
// a user is refused before filling a form in rather than after.
func (w *Web) Routes() []Route {
	routes := []Route{
		{"GET /static/", auth.Public, w.Static()},
		{"GET /login", auth.Public, w.LoginForm()},
		{"POST /login", auth.Public, w.Login()},
		{"POST /login/passkey/options", auth.Public, w.PasskeyLoginOptions()},
		{"POST /login/passkey", auth.Public, w.PasskeyLogin()},
		{"GET /setup", auth.Public, w.SetupForm()},
		{"POST /setup", auth.Public, w.Setup()},
		{"POST /logout", auth.Self, w.Logout()},
		{"GET " + auth.AccountPath, auth.Self, w.Account()},
		{"POST " + auth.AccountPath + "/mfa", auth.Self, w.BeginMFA()},
		{"POST " + auth.AccountPath + "/mfa/confirm", auth.Self, w.ConfirmMFA()},
		{"POST " + auth.AccountPath + "/passkeys/options", auth.Self, w.PasskeyOptions()},
		{"POST " + auth.AccountPath + "/passkeys", auth.Self, w.AddPasskey()},
		{"POST " + auth.AccountPath + "/passkeys/remove", auth.Self, w.RemovePasskey()},
		{"GET /settings/notifications", auth.Self, w.Notifications()},
		{"POST /settings/notifications", auth.Self, w.SavePreferences()},
		{"POST /settings/notifications/endpoints", auth.ManageUsers, w.AddEndpoint()},
		{"POST /settings/notifications/endpoints/{id}/enable", auth.ManageUsers, w.EnableEndpoint()},
		{"GET /{$}", auth.Read, w.Dashboard()},
		{"GET /catalog", auth.Read, w.Catalog()},
		{"GET /catalog/{id}", auth.Read, w.Requirement()},
		{"GET /audit", auth.Read, w.Audit()},
		{"GET /scope", auth.Read, w.Scope()},
		{"GET /risks", auth.Read, w.Risks()},
		{"GET /policies", auth.Read, w.Policies()},
		{"GET /policies/{id}", auth.Read, w.Policy()},
		{"GET /controls", auth.Read, w.Controls()},
		{"GET /controls/{id}", auth.Read, w.Control()},
		{"GET /tasks", auth.Read, w.Tasks()},
		{"GET /mine", auth.Read, w.MyWork()},
		{"GET /gaps", auth.Read, w.Gaps()},
		{"GET /changes", auth.Read, w.Changes()},
		{"POST /changes", auth.Operate, w.AddChange()},
		{"GET /revocations", auth.Read, w.Revocations()},
		{"POST /revocations", auth.Operate, w.AddRevocation()},
		{"POST /issuance-stops", auth.Operate, w.AddIssuanceStop()},
		{"GET /incidents", auth.Read, w.Incidents()},
		{"POST /incidents", auth.Operate, w.OpenIncident()},
		{"GET /incidents/{id}", auth.Read, w.Incident()},
		{"POST /incidents/{id}/steps", auth.Operate, w.AddIncidentStep()},
		{"POST /incidents/{id}/classification", auth.Operate, w.ClassifyIncident()},
		{"POST /incidents/{id}/affected", auth.Operate, w.SetAffected()},
		{"GET /engagements", auth.Read, w.Engagements()},
		{"POST /engagements", auth.ManageProgram, w.AddEngagement()},
		{"GET /engagements/{id}", auth.Read, w.Engagement()},
		{"POST /engagements/{id}/requests", auth.Assess, w.AddRequest()},
		{"POST /engagements/{id}/findings", auth.Assess, w.AddFinding()},
		{"POST /requests/{id}/steps", auth.Assess, w.RequestStep()},
		{"POST /findings/{id}/steps", auth.Assess, w.FindingStep()},
	}
	if w.cfg.Ledger != nil {
		routes = append(routes,
			Route{"GET /evidence", auth.Read, w.EvidenceList()},
			Route{"GET /evidence/new", auth.WriteEvidence, w.UploadForm()},
			Route{"POST /evidence", auth.WriteEvidence, w.Upload()},
			Route{"GET /evidence/{id}", auth.Read, w.Evidence()},
			Route{"GET /evidence/{id}/content", auth.Read, w.EvidenceContent()},
			Route{"POST /incidents/{id}/notifications", auth.Operate, w.NotifyIncident()},
			Route{"GET /reviews", auth.Read, w.Reviews()},
			Route{"POST /reviews/{id}", auth.WriteEvidence, w.Decide()},
			Route{"GET /approvals", auth.Approve, w.Approvals()},
			Route{"POST /approvals", auth.Approve, w.Approve()},
		)
	}
	if w.cfg.Pack != nil {
		routes = append(routes,
			Route{"GET /packs", auth.ExportPack, w.Packs()},
			Route{"POST /packs", auth.ExportPack, w.ExportPack()},
		)
	}
	return routes
}
