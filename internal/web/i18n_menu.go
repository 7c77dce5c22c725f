package web

// menuEnglish covers the grouped main menu (layout.html).
var menuEnglish = map[string]string{
	"菜单":    "Menu",
	"活动与会议": "Campaigns & meetings",
	"点评与评议": "Reviews & evaluations",
	"组织与报告": "Units & reports",
}
