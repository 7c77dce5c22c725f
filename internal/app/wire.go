package app

import (
	"context"
	"fmt"
	"log/slog"

	"chuangzheng/internal/campaign"
	"chuangzheng/internal/commitment"
	"chuangzheng/internal/db"
	"chuangzheng/internal/demo"
	"chuangzheng/internal/duty"
	"chuangzheng/internal/evaluate"
	"chuangzheng/internal/inspect"
	"chuangzheng/internal/meeting"
	"chuangzheng/internal/nominate"
	"chuangzheng/internal/notice"
	"chuangzheng/internal/notify"
	"chuangzheng/internal/org"
	"chuangzheng/internal/rectify"
	"chuangzheng/internal/report"
	"chuangzheng/internal/review"
	"chuangzheng/internal/web"
)

// Services is every feature service `serve` builds, wired to each other
// (record kinds, to-do and calendar sources, the reviewer's folder
// sources). The browser tests build the same with NewServices.
type Services struct {
	Org        *org.Service
	Meeting    *meeting.Service
	Commitment *commitment.Service
	Notice     *notice.Service
	Duty       *duty.Service
	Rectify    *rectify.Service
	Campaign   *campaign.Service
	Report     *report.Service
	Inspect    *inspect.Service
	Review     *review.Service
	Nominate   *nominate.Service
	Evaluate   *evaluate.Service
	Notify     *notify.Service
}

// Wiring is what NewServices is told from the configuration.
type Wiring struct {
	Log *slog.Logger
	// ImageMemory is the MB spent decoding pictures at once (at least 16).
	ImageMemory int
	// SMTP is the mail server (nil: no e-mail); Validate it first.
	SMTP                *notify.SMTP
	BaseURL             string
	WebhookAllowPrivate bool
}

// NewServices builds the services as `serve` does.
func NewServices(d *db.DB, w Wiring) *Services {
	log := w.Log
	if log == nil {
		log = slog.Default()
	}
	orgs := &org.Service{DB: d}
	meetings := &meeting.Service{DB: d}
	commitments := &commitment.Service{DB: d, Images: commitment.NewImages(int64(max(w.ImageMemory, 16)) << 20)}
	notices := &notice.Service{DB: d}
	duties := &duty.Service{DB: d, Notice: notices}
	rectifications := &rectify.Service{DB: d}
	// Each feature's record kinds (campaign.Kind) and to-do sources, one per line.
	var kinds []campaign.Kind
	kinds = append(kinds, meeting.Kinds()...)
	kinds = append(kinds, commitment.Kinds()...)
	kinds = append(kinds, commitment.KeepingKinds()...)
	kinds = append(kinds, duty.Kinds()...)
	kinds = append(kinds, rectify.Kinds()...)
	kinds = append(kinds, report.Kinds()...)
	kinds = append(kinds, inspect.Kinds()...)
	kinds = append(kinds, nominate.Kinds()...)
	kinds = append(kinds, review.Kinds()...)
	kinds = append(kinds, evaluate.Kinds()...)
	evaluations := &evaluate.Service{DB: d}
	todos := []campaign.TodoSource{
		meetings,
		commitment.ProgressTodos{},
		rectify.Todos{},
		report.Todos{},
		review.Todos{},
		evaluations,
	}
	campaigns := &campaign.Service{DB: d, Cache: campaign.NewGridCache(), Kinds: kinds, Sources: todos, Calendars: []campaign.EventSource{meetings}}
	reports := &report.Service{DB: d, Campaign: campaigns}
	inspections := &inspect.Service{DB: d, Campaign: campaigns} // its folder section: inspect.Folder{} (campaign.FolderSource)
	// The reviewer's folder (点评材料) is assembled from each feature's section.
	reviews := &review.Service{DB: d, Folders: []campaign.FolderSource{report.Folder{}, commitment.Folder{}, inspect.Folder{}, rectify.Folder{}}}
	nominations := &nominate.Service{DB: d, Ratings: reviewRatings{}}
	notes := &notify.Service{DB: d, Org: orgs, SMTP: w.SMTP, BaseURL: w.BaseURL, Log: log, HTTP: notify.GuardedClient(w.WebhookAllowPrivate)}
	evaluations.Notify = notes
	return &Services{Org: orgs, Meeting: meetings, Commitment: commitments, Notice: notices, Duty: duties, Rectify: rectifications,
		Campaign: campaigns, Report: reports, Inspect: inspections, Review: reviews, Nominate: nominations, Evaluate: evaluations, Notify: notes}
}

// Server is the web server over the services (the caller sets Account,
// Log, Version and the listener's options).
func (s *Services) Server(d *db.DB) *web.Server {
	return &web.Server{DB: d, Org: s.Org, Campaign: s.Campaign, Notify: s.Notify, Meeting: s.Meeting, Notice: s.Notice, Commitment: s.Commitment, Duty: s.Duty,
		Rectify: s.Rectify, Report: s.Report, Inspect: s.Inspect, Nominate: s.Nominate, Review: s.Review, Evaluate: s.Evaluate}
}

// LoadDemo loads the demo campaign and every feature's demo records into a
// database holding the demo bureau (demo.Load), as `serve --demo` does;
// made tells whether the campaign (with its meetings) was created now.
func LoadDemo(ctx context.Context, d *db.DB, s *Services) (made bool, err error) {
	orgs, campaigns := s.Org, s.Campaign
	if made, err = demo.LoadCampaign(ctx, d, orgs, campaigns); err != nil {
		return false, fmt.Errorf("load demo campaign: %w", err)
	} else if made {
		if err := demo.LoadMeetings(ctx, d, orgs, campaigns, s.Meeting); err != nil {
			return made, fmt.Errorf("load demo meetings: %w", err)
		}
	}
	if err := demo.LoadCommitments(ctx, d, orgs, campaigns, s.Commitment); err != nil {
		return made, fmt.Errorf("load demo commitments: %w", err)
	}
	if err := demo.LoadDuties(ctx, d, orgs, campaigns, s.Duty); err != nil {
		return made, fmt.Errorf("load demo duties: %w", err)
	}
	if err := demo.LoadKeeping(ctx, d, orgs, campaigns, s.Commitment); err != nil {
		return made, fmt.Errorf("load demo keeping: %w", err)
	}
	if err := demo.LoadRectify(ctx, d, orgs, campaigns); err != nil {
		return made, fmt.Errorf("load demo rectification ledger: %w", err)
	}
	if err := demo.LoadReports(ctx, d, orgs, campaigns, s.Report); err != nil {
		return made, fmt.Errorf("load demo reports: %w", err)
	}
	if err := demo.LoadInspections(ctx, d, orgs, campaigns, s.Inspect); err != nil {
		return made, fmt.Errorf("load demo inspections: %w", err)
	}
	if err := demo.LoadNominations(ctx, d, orgs, campaigns, s.Nominate); err != nil {
		return made, fmt.Errorf("load demo nominations: %w", err)
	}
	if err := demo.LoadReviews(ctx, d, orgs, campaigns); err != nil {
		return made, fmt.Errorf("load demo reviews: %w", err)
	}
	if err := demo.LoadEvaluations(ctx, d, orgs, campaigns); err != nil {
		return made, fmt.Errorf("load demo evaluations: %w", err)
	}
	return made, nil
}
