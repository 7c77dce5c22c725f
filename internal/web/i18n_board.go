package web

// boardEnglish covers the public board (公开栏) of published commitments.
var boardEnglish = map[string]string{
	"%s 公开栏":       "%s public board",
	"%d 年创先争优公开承诺": "Public commitments of the %d strive-for-excellence campaign",
	"创先争优公开承诺":     "Public commitments of the strive-for-excellence campaign",
	"本单位公示":        "This unit's public notices",
	"活动：":          "Campaign: ",
	"查看本单位当前的公开栏":  "See the unit's current board",
	"各年度公开栏":       "Boards of each year",
	"各年度公开栏：":      "Boards of each year: ",
	"下载打印版（PDF）":   "Download the print version (PDF)",
	"暂无公开的承诺":      "No commitments have been published yet",
	"%s公布":         "Published %s",
	"监督电话":         "Supervision phone",
	"措施":           "Measures",
	"时限":           "Deadline",
	"标准":           "Standard",
	"落实责任人":        "Responsible",
	"党员公开承诺":       "Members' public commitments",
	"共 %d 人":       "%d in all",
	"口头":           "Oral",
	"（%s前）":        "(by %s)",
	"%s在党员大会上宣读":   "Read out at the members' meeting on %s",
	"尚未在党员大会上宣读":   "Not yet read out at a members' meeting",
	"欢迎党员群众监督。承诺内容如有变更，以本页最新公布的为准。": "Members and the public are welcome to hold us to these commitments. If a commitment changes, the version last published on this page applies.",
}
