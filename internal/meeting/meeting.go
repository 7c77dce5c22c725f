// Package meeting holds meetings (动员会, 领导小组会议, branch meetings,
// 党员大会): who was expected and attended, minutes, decisions and action items.
package meeting

import "chuangzheng/internal/db"

// Service holds the meeting use cases.
type Service struct {
	DB *db.DB
}
