package web

// a11yEnglish covers issue 10's finishing strings: the home page's folded
// to-dos, bulk 公布 on the review queue, and accessibility labels.
var a11yEnglish = map[string]string{
	"其他待办":  "Other to-dos",
	"待办 %d": "%d to do",
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
