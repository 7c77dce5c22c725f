// Package notify delivers notifications: the in-app inbox, e-mail over SMTP
// and webhooks for group-chat robots, with per-user preferences.
package notify

import "chuangzheng/internal/db"

// Service holds the notification use cases.
type Service struct {
	DB *db.DB
}
