package campaign

import (
	"context"

	"chuangzheng/internal/db"
)

// folder.go: the reviewer's folder (点评材料) for a unit — its written
// reports, its commitments and their progress, last round's open problems,
// the inspection findings — is assembled from the features that hold them,
// each a FolderSource registered in app, so no feature reads another's
// tables. The review feature decides who may open a folder; sources only
// gather what they hold for the unit.

// FolderItem is one line of a folder section.
type FolderItem struct {
	Label  string `json:"label"`            // e.g. the report's title, the member's name
	Text   string `json:"text,omitempty"`   // the body, a summary
	Date   string `json:"date,omitempty"`   // as Chinese offices write it
	Status string `json:"status,omitempty"` // e.g. 已签收, 逾期
	Link   string `json:"link,omitempty"`   // the record's page
	Late   bool   `json:"late,omitempty"`   // marked in red
}

// FolderSection is one part of the folder, in Order.
type FolderSection struct {
	Order   int          `json:"order"`
	Title   string       `json:"title"`
	TitleEn string       `json:"title_en"`
	Items   []FolderItem `json:"items"`
}

// FolderSource gives its sections of a unit's folder for a campaign. round
// is the review round being prepared (1, 2, 3…), 0 for none.
type FolderSource interface {
	Folder(ctx context.Context, tx *db.Tx, campaignID, unitID int64, round int) ([]FolderSection, error)
}
