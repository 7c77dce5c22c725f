package web

// printEnglish covers the print views (the roster's print version) and
// the site-wide page description.
var printEnglish = map[string]string{
	"党员花名册打印版":   "Members' roster, print version",
	"返回花名册":      "Back to the roster",
	"筛选：":        "Filters: ",
	"有职党员":       "Members with a post",
	"打印日期：%s":    "Printed %s",
	"打印全部（%d 人）": "Print all (%d)",
	"本页只列出第 %d 页（共 %d 页）。打印全部 %d 人，请在花名册页面点“打印全部”。": "This page lists page %d of %d only. To print all %d members, use \"Print all\" on the roster page.",
}
