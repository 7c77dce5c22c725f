package web

// a11yEnglish covers issue 10's finishing strings: the home page's folded
// to-dos, bulk 公布 on the review queue, and accessibility labels.
var a11yEnglish = map[string]string{
	"其他待办":       "Other to-dos",
	"待办 %d":      "%d to do",
	"待公布":        "To publish",
	"公布":         "Publish",
	"批量公布":       "Publish selected",
	"没有待公布的承诺":   "No commitments waiting to be published",
	"已公布 %d 份承诺": "%d commitments published",
	"确定公布勾选的承诺吗？公布后任何人都可以在公开栏看到。": "Publish the selected commitments? Once published anyone can read them on the public board.",
}

// The catalogue joins english here, so that this file is the only one the
// feature touches.
func init() {
	for zh, en := range a11yEnglish {
		if _, dup := english[zh]; !dup {
			english[zh] = en
		}
	}
}
