package web

// homeEnglish covers the home page's next steps, counts and standings.
var homeEnglish = map[string]string{
	"下一步":  "Next steps",
	"全部完成": "All done",
	"眼下没有需要您办理的事项。":   "There is nothing for you to do just now.",
	"完成后请告知支部，由支部登记。": "When done, tell your branch; the branch records it.",
	"待处理":      "To handle",
	"支部完成情况":   "Branch progress",
	"按完成率由低到高": "lowest completion first",
	"逾期 %d":    "%d late",
	"待签到会议":    "Meetings to sign in to",
	"我的联系点":    "My liaison units",
	"补充践诺进展":   "Add progress on your commitment",
}
