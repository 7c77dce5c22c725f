package web

import "net/http"

// route is one entry of the site's single route list.
type route struct {
	Pattern string
	Handler http.Handler
}

// routes lists every route of the site. API routes are also described in
// openapi.json; a test keeps the two in step.
func (s *Server) routes() []route {
	h := func(pattern string, f http.HandlerFunc) route { return route{pattern, f} }
	return []route{
		// Pages.
		h("GET /{$}", s.home),
		h("GET /login", s.loginPage),
		h("POST /login", s.loginSubmit),
		h("POST /logout", s.logout),
		h("GET /lang/{lang}", s.switchLang),
		h("GET /account", s.accountPage),
		h("POST /account/password", s.passwordSubmit),
		h("POST /account/tokens", s.tokenCreate),
		h("POST /account/tokens/{id}/revoke", s.tokenRevoke),
		h("GET /orgs", s.treePage),
		h("POST /orgs", s.unitCreate),
		h("GET /orgs/{id}", s.unitPage),
		h("POST /orgs/{id}/rename", s.unitRename),
		h("POST /orgs/{id}/move", s.unitMove),
		h("POST /orgs/{id}/close", s.unitClose),
		h("POST /orgs/{id}/roles", s.roleGrant),
		h("POST /orgs/{id}/roles/{grant}/revoke", s.roleRevoke),
		h("POST /orgs/{id}/liaisons", s.liaisonAssign),
		h("POST /orgs/{id}/liaisons/{liaison}/end", s.liaisonEnd),
		h("GET /members", s.rosterPage),
		h("GET /members/new", s.memberNewPage),
		h("POST /members", s.memberCreate),
		h("GET /members/{id}", s.memberPage),
		h("GET /members/{id}/edit", s.memberEditPage),
		h("POST /members/{id}", s.memberUpdate),
		h("POST /members/{id}/reset-password", s.memberResetPassword),
		h("GET /members/export", s.rosterExport),
		h("GET /members/print", s.rosterPrint),
		h("GET /import", s.importPage),
		h("POST /import", s.importUpload),
		h("GET /import/{id}", s.importPreview),
		h("POST /import/{id}/commit", s.importCommit),
		h("POST /import/{id}/options", s.importOptions),
		h("GET /import/{id}/problems.xlsx", s.importProblemsFile),
		h("GET /import/template.xlsx", s.importTemplate),

		// Campaign year (campaign:begin).
		h("GET /campaigns", s.campaignList),
		h("POST /campaigns", s.campaignCreate),
		h("GET /campaigns/{id}", s.campaignPage),
		h("GET /campaigns/{id}/plan", s.planPage),
		h("POST /campaigns/{id}/plan", s.planSubmit),
		h("POST /campaigns/{id}/publish-step", s.publishStepPost),
		h("POST /campaigns/{id}/phases/{phase}", s.phaseUpdate),
		h("POST /campaigns/{id}/actions", s.actionAdd),
		h("POST /campaigns/{id}/actions/{action}", s.actionUpdate),
		h("POST /campaigns/{id}/actions/{action}/delete", s.actionDelete),
		h("POST /campaigns/{id}/template", s.campaignTemplate),
		h("POST /campaigns/{id}/status", s.campaignStatus),
		h("GET /campaigns/{id}/cell", s.cellPage),
		h("POST /campaigns/{id}/complete", s.completeSubmit),
		h("POST /campaigns/{id}/completions/{completion}/undo", s.completionUndo),
		h("GET /campaigns/{id}/export.xlsx", s.campaignExport),
		h("GET /files/{id}", s.fileDownload),
		h("GET /reports", s.reportList),
		h("POST /reports", s.reportCreate),
		h("GET /reports/{id}", s.reportPage),
		h("POST /reports/{id}/send", s.reportSend),
		h("POST /reports/{id}/ack", s.reportAck),
		h("GET /calendar", s.calendarPage),
		h("POST /calendar/feed", s.feedCreate),
		h("GET /calendar/{token}", s.icsFeed),
		h("GET /api/v1/campaigns", s.apiCampaigns),
		h("POST /api/v1/campaigns", s.apiCampaignCreate),
		h("GET /api/v1/campaigns/{id}", s.apiCampaign),
		h("GET /api/v1/campaigns/{id}/progress", s.apiProgress),
		h("PUT /api/v1/campaigns/{id}/phases/{phase}", s.apiPhaseUpdate),
		h("POST /api/v1/campaigns/{id}/actions", s.apiActionAdd),
		h("PUT /api/v1/campaigns/{id}/actions/{action}", s.apiActionUpdate),
		h("DELETE /api/v1/campaigns/{id}/actions/{action}", s.apiActionDelete),
		h("POST /api/v1/campaigns/{id}/completions", s.apiComplete),
		h("DELETE /api/v1/campaigns/{id}/completions/{completion}", s.apiUndo),
		h("GET /api/v1/me/due", s.apiDue),
		h("GET /api/v1/calendar", s.apiCalendar),
		h("GET /api/v1/reports", s.apiReports),
		h("POST /api/v1/reports", s.apiReportCreate),
		h("GET /api/v1/reports/{id}", s.apiReport),
		h("POST /api/v1/reports/{id}/send", s.apiReportSend),
		h("POST /api/v1/reports/{id}/acknowledge", s.apiReportAck),
		// (campaign:end)

		// Notifications (notify:begin).
		h("GET /inbox", s.inboxPage),
		h("POST /inbox/{id}/read", s.inboxRead),
		h("POST /inbox/read-all", s.inboxReadAll),
		h("GET /account/notifications", s.notifyPrefsPage),
		h("POST /account/notifications", s.notifyPrefsSubmit),
		h("GET /orgs/{id}/webhooks", s.webhooksPage),
		h("POST /orgs/{id}/webhooks", s.webhookCreate),
		h("POST /orgs/{id}/webhooks/{hook}/delete", s.webhookDelete),
		h("POST /orgs/{id}/webhooks/{hook}/test", s.webhookTest),
		h("GET /api/v1/notifications", s.apiNotifications),
		h("POST /api/v1/notifications/{id}/read", s.apiNotificationRead),
		// (notify:end)

		// Meetings (meeting:begin).
		h("GET /meetings", s.meetingList),
		h("GET /meetings/new", s.meetingNew),
		h("POST /meetings", s.meetingCreate),
		h("GET /meetings/{id}", s.meetingPage),
		h("GET /meetings/{id}/edit", s.meetingEdit),
		h("POST /meetings/{id}", s.meetingUpdate),
		h("POST /meetings/{id}/attendance", s.meetingAttendance),
		h("POST /meetings/{id}/held", s.meetingHeld),
		h("POST /meetings/{id}/cancel", s.meetingCancel),
		h("POST /meetings/{id}/delete", s.meetingDelete),
		h("POST /meetings/{id}/actions", s.meetingActionAdd),
		h("POST /meetings/{id}/actions/{aid}/done", s.meetingActionDone),
		h("GET /meetings/{id}/qr.png", s.meetingQR),
		h("POST /meetings/{id}/qr", s.meetingRotate),
		h("GET /meetings/{id}/sheet", s.meetingSheet),
		h("GET /m/{token}", s.signInPage),
		h("POST /m/{token}", s.signInSubmit),
		h("GET /api/v1/meetings", s.apiMeetings),
		h("POST /api/v1/meetings", s.apiMeetingCreate),
		h("GET /api/v1/meetings/{id}", s.apiMeeting),
		h("POST /api/v1/meetings/{id}/attendance", s.apiMeetingAttendance),
		h("POST /api/v1/meetings/{id}/held", s.apiMeetingHeld),
		// (meeting:end)

		// Notices and public board (notice:begin).
		h("GET /public/notices/{id}", s.publicNotice), // also {id}.pdf: the A4 sheet
		h("POST /public/notices/{id}/objections", s.objectionSubmit),
		h("GET /public/units/{id}/notices", s.publicUnitNotices),
		h("GET /notices", s.noticeList),
		h("GET /notices/new", s.noticeNew),
		h("POST /notices", s.noticeCreate),
		h("GET /notices/{id}", s.noticePage),
		h("POST /notices/{id}/withdraw", s.noticeWithdraw),
		h("POST /notices/{id}/objections/{oid}/answer", s.noticeAnswer),
		// (notice:end)

		// Commitments (commitment:begin).
		h("GET /api/v1/commitments", s.apiCommitments),
		h("POST /api/v1/commitments", s.apiCommitmentCreate),
		h("GET /api/v1/commitments/queue", s.apiCommitmentQueue),
		h("POST /api/v1/commitments/approve", s.apiCommitmentsApprove),
		h("GET /api/v1/commitments/categories", s.apiCommitmentCategories),
		h("PUT /api/v1/commitments/categories", s.apiCommitmentCategoriesSet),
		h("GET /api/v1/commitments/{id}", s.apiCommitment),
		h("PUT /api/v1/commitments/{id}", s.apiCommitmentSave),
		h("GET /api/v1/commitments/{id}/versions/{version}", s.apiCommitmentVersion),
		h("GET /api/v1/commitments/{id}/diff", s.apiCommitmentDiff),
		h("POST /api/v1/commitments/{id}/submit", s.apiCommitmentSubmit),
		h("POST /api/v1/commitments/{id}/return", s.apiCommitmentReturn),
		h("POST /api/v1/commitments/{id}/approve", s.apiCommitmentApprove),
		h("POST /api/v1/commitments/{id}/publish", s.apiCommitmentPublish),
		h("POST /api/v1/commitments/{id}/read-out", s.apiCommitmentReadOut),
		h("POST /api/v1/commitments/{id}/confirm", s.apiCommitmentConfirm),
		h("GET /api/v1/public/units/{id}/commitments", s.apiPublicCommitments),
		// (commitment:end)

		// Commitment pages (commitment-pages:begin).
		h("GET /commitments", s.commitmentsPage),
		h("GET /commitments/new", s.commitmentNew),
		h("POST /commitments", s.commitmentCreate),
		h("GET /commitments/queue", s.commitmentQueue),
		h("POST /commitments/approve", s.commitmentApproveMany),
		h("GET /commitments/{id}", s.commitmentPage),
		h("GET /commitments/{id}/edit", s.commitmentEdit),
		h("POST /commitments/{id}", s.commitmentUpdate),
		h("GET /commitments/{id}/diff", s.commitmentDiffPage),
		h("POST /commitments/{id}/submit", s.commitmentSubmitPost),
		h("POST /commitments/{id}/approve", s.commitmentApprovePost),
		h("POST /commitments/{id}/approve-publish", s.commitmentApprovePublishPost),
		h("POST /commitments/{id}/return", s.commitmentReturnPost),
		h("POST /commitments/{id}/publish", s.commitmentPublishPost),
		h("POST /commitments/{id}/read-out", s.commitmentReadOutPost),
		h("POST /commitments/{id}/confirm", s.commitmentConfirmPost),
		// (commitment-pages:end)

		// Public board (board:begin).
		h("GET /public/units/{id}", s.publicBoard),
		h("GET /public/units/{id}/board.pdf", s.publicBoardPDF),
		// (board:end)

		// Keeping (keeping:begin).
		h("GET /commitments/{id}/keeping", s.keepingPage),
		h("POST /commitments/{id}/keeping/plan", s.keepingPlanPost),
		h("POST /commitments/{id}/keeping/progress", s.keepingProgressPost),
		h("POST /commitments/{id}/keeping/check", s.keepingCheckPost),
		h("POST /commitments/{id}/keeping/selfcheck", s.keepingSelfCheckPost),
		h("POST /commitments/{id}/keeping/assess", s.keepingAssessPost),
		h("GET /keeping/files/{id}", s.keepingFile),
		h("GET /commitments/rollup", s.rollupPage),
		h("GET /api/v1/commitments/rollup", s.apiRollup),
		h("GET /api/v1/commitments/fulfilment", s.apiFulfilment),
		h("GET /api/v1/commitments/{id}/keeping", s.apiKeeping),
		h("POST /api/v1/commitments/{id}/keeping/plan", s.apiKeepingPlan),
		h("POST /api/v1/commitments/{id}/keeping/progress", s.apiKeepingProgress),
		h("POST /api/v1/commitments/{id}/keeping/check", s.apiKeepingCheck),
		h("POST /api/v1/commitments/{id}/keeping/selfcheck", s.apiKeepingSelfCheck),
		h("POST /api/v1/commitments/{id}/keeping/assess", s.apiKeepingAssess),
		// (keeping:end)

		// Duties (duty:begin).
		h("GET /duties", s.dutyList),
		h("POST /duties", s.dutyCreate),
		h("GET /duties/{id}", s.dutyPage),
		h("POST /duties/{id}/discuss", s.dutyDiscuss),
		h("POST /duties/{id}/confirm", s.dutyConfirm),
		h("POST /duties/{id}/notice", s.dutyNotice),
		h("GET /api/v1/duties", s.apiDuties),
		h("POST /api/v1/duties", s.apiDutyDeclare),
		h("GET /api/v1/duties/{id}", s.apiDuty),
		h("POST /api/v1/duties/{id}/discuss", s.apiDutyDiscuss),
		h("POST /api/v1/duties/{id}/confirm", s.apiDutyConfirm),
		h("POST /api/v1/duties/{id}/notice", s.apiDutyNotice),
		// (duty:end)

		// Evaluations (evaluate:begin).
		h("GET /evaluations", s.evaluationList),
		h("POST /evaluations", s.evaluationOpen),
		h("GET /evaluations/{id}", s.evaluationPage),
		h("GET /evaluations/{id}/vote", s.evaluationVotePage),
		h("POST /evaluations/{id}/vote", s.evaluationVoteSubmit),
		h("GET /evaluations/{id}/slips", s.evaluationSlips),
		h("GET /evaluations/{id}/paper-ballots", s.paperPage),
		h("POST /evaluations/{id}/paper-ballots", s.paperSubmit),
		h("GET /evaluations/{id}/sheet", s.evaluationSheet),
		h("GET /evaluations/{id}/results.xlsx", s.evaluationExport),
		h("POST /evaluations/{id}/close", s.evaluationClose),
		h("POST /evaluations/{id}/publish", s.evaluationPublish),
		h("POST /evaluations/{id}/exemptions", s.evaluationExempt),
		h("POST /evaluations/{id}/representatives", s.evaluationRepresentatives),
		h("POST /evaluations/{id}/remind", s.evaluationRemind),
		h("POST /evaluations/{id}/tellers", s.evaluationTellers),
		h("POST /evaluations/{id}/problems", s.evaluationProblem),
		h("GET /vote", s.voteLookup),
		h("GET /vote/{code}", s.votePage),
		h("POST /vote/{code}", s.voteSubmit),
		h("GET /public/units/{id}/evaluations", s.publicEvaluations),
		h("GET /api/v1/evaluations", s.apiEvaluations),
		h("POST /api/v1/evaluations", s.apiEvaluationOpen),
		h("GET /api/v1/evaluations/{id}", s.apiEvaluation),
		h("GET /api/v1/evaluations/{id}/slips", s.apiEvaluationSlips),
		h("POST /api/v1/evaluations/{id}/ballots", s.apiBallot),
		h("POST /api/v1/evaluations/{id}/paper-ballots", s.apiPaperBallot),
		h("POST /api/v1/evaluations/{id}/close", s.apiEvaluationClose),
		h("GET /api/v1/evaluations/{id}/results", s.apiEvaluationResults),
		h("POST /api/v1/evaluations/{id}/publish", s.apiEvaluationPublish),
		h("POST /api/v1/evaluations/{id}/exemptions", s.apiEvaluationExempt),
		h("POST /api/v1/evaluations/{id}/representatives", s.apiEvaluationRepresentatives),
		h("PUT /api/v1/evaluations/{id}/tellers", s.apiEvaluationTellers),
		h("POST /api/v1/evaluations/{id}/remind", s.apiEvaluationRemind),
		h("POST /api/v1/evaluations/{id}/problems", s.apiEvaluationProblem),
		// (evaluate:end)

		// JSON API.
		h("POST /api/v1/session", s.apiLogin),
		h("DELETE /api/v1/session", s.apiLogout),
		h("GET /api/v1/me", s.apiMe),
		h("PUT /api/v1/me/password", s.apiPassword),
		h("GET /api/v1/orgs", s.apiOrgs),
		h("POST /api/v1/orgs", s.apiOrgCreate),
		h("GET /api/v1/orgs/{id}", s.apiOrg),
		h("PATCH /api/v1/orgs/{id}", s.apiOrgUpdate),
		h("POST /api/v1/orgs/{id}/close", s.apiOrgClose),
		h("GET /api/v1/orgs/{id}/history", s.apiOrgHistory),
		h("GET /api/v1/orgs/{id}/roles", s.apiRoles),
		h("POST /api/v1/orgs/{id}/roles", s.apiRoleGrant),
		h("DELETE /api/v1/roles/{id}", s.apiRoleRevoke),
		h("GET /api/v1/members", s.apiMembers),
		h("POST /api/v1/members", s.apiMemberCreate),
		h("GET /api/v1/members/{id}", s.apiMember),
		h("PUT /api/v1/members/{id}", s.apiMemberUpdate),
		h("GET /api/v1/members/export", s.rosterExport),
		h("POST /api/v1/imports", s.apiImportPreview),
		h("GET /api/v1/imports/{id}", s.apiImport),
		h("POST /api/v1/imports/{id}/commit", s.apiImportCommit),
		h("POST /api/v1/imports/{id}/options", s.apiImportOptions),
		h("POST /orgs/{id}/aliases", s.unitAliasAdd),
		h("POST /orgs/{id}/aliases/{alias}/remove", s.unitAliasRemove),
		h("GET /api/v1/liaisons", s.apiLiaisons),
		h("POST /api/v1/liaisons", s.apiLiaisonAssign),
		h("POST /api/v1/liaisons/{id}/end", s.apiLiaisonEnd),
		h("GET /api/v1/tokens", s.apiTokens),
		h("POST /api/v1/tokens", s.apiTokenCreate),
		h("DELETE /api/v1/tokens/{id}", s.apiTokenRevoke),
		h("GET /api/v1/openapi.json", s.openAPI),

		// Operations.
		h("GET /healthz", s.healthz),        // liveness: no database
		h("GET /readyz", s.readyz),          // readiness: a reader and the migrations
		{"GET /metrics", s.metricsOnMain()}, // with the bearer token only; see ops.go
		h("GET /favicon.ico", s.favicon),
		{"GET /static/", s.static()},
	}
}

// routesForDocs lists the patterns of every route (for the OpenAPI test).
func (s *Server) routesForDocs() []string {
	s.metrics = &metrics{}
	var out []string
	for _, r := range s.routes() {
		out = append(out, r.Pattern)
	}
	return out
}
