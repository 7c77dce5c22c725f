package web

import (
	"fmt"
	"strconv"
	"time"

	"chuangzheng/internal/commitment"
	"chuangzheng/internal/pdf"
)

// boardDoc is the PDF sheet of a board. It carries the text the page
// (public_board.html) shows, in the same order and words — the heading
// with the campaign, every commitment with its items, measures, deadlines,
// standards, responsible people, tags and verdicts, the dates published
// and read out (or 尚未在党员大会上宣读), the closing note — leaving out
// only what is for the screen (links, the table of contents). A test
// compares the two texts character by character (board_print_test.go); a
// change to the page must be made here too. The sheet adds its own
// furniture: the QR code and its caption, the signature and date, the
// header on later pages and the page numbers.
func boardDoc(b commitment.Board, pageURL string, now time.Time) pdf.BoardDoc {
	v := newBoardView(b, "zh", now.Location(), 0)
	sub := "创先争优公开承诺"
	if v.Year != 0 {
		sub = fmt.Sprintf("%d 年创先争优公开承诺", v.Year)
	}
	if c := b.Campaign; c != nil {
		sub += "\n活动：" + c.Title
		if c.Finished() {
			sub += " 已结束"
		}
	}
	doc := pdf.BoardDoc{
		Title:    b.UnitName + " 公开栏",
		Subtitle: sub,
		Unit:     b.UnitName,
		QRURL:    pageURL,
		Date:     fmt.Sprintf("%d年%d月%d日", now.Year(), now.Month(), now.Day()),
		Footer:   "欢迎党员群众监督。承诺内容如有变更，以本页最新公布的为准。",
	}
	if len(v.Branches)+len(v.Members) == 0 {
		doc.Sections = []pdf.Section{{Items: []pdf.Item{{Text: "暂无公开的承诺"}}}}
		return doc
	}
	for _, c := range v.Branches {
		when := c.Published + "公布"
		if c.Below {
			when = c.UnitName + " · " + when
		}
		if c.Phone != "" {
			when += " · 监督电话 " + c.Phone
		}
		doc.Sections = append(doc.Sections, pdf.Section{Heading: c.Title, Items: []pdf.Item{{Runs: []pdf.Run{{Text: when}}, Small: true}}})
		for _, g := range c.Groups {
			sec := pdf.Section{Heading: g.Category, Level: 1}
			for i, it := range g.Items {
				item := pdf.Item{Number: strconv.Itoa(i+1) + ".", Runs: []pdf.Run{{Text: it.Content}}}
				if it.Tag != "" {
					item.Runs = append(item.Runs, pdf.Run{Text: " " + it.Tag, Style: pdf.Tag})
				}
				meta := func(label, text string) {
					if text != "" {
						item.Lines = append(item.Lines, []pdf.Run{{Text: label, Style: pdf.Lead}, {Text: " " + text}})
					}
				}
				meta("措施", it.Measures)
				if !it.Deadline.IsZero() {
					meta("时限", it.Deadline.Chinese())
				}
				meta("标准", it.Standard)
				meta("落实责任人", it.Responsible)
				if vd := c.VerdictOf(it.Key); vd != nil {
					item.Lines = append(item.Lines, verdictRuns(vd))
				}
				sec.Items = append(sec.Items, item)
			}
			doc.Sections = append(doc.Sections, sec)
		}
	}
	if len(v.Members) > 0 {
		doc.Sections = append(doc.Sections, pdf.Section{HeadingRuns: []pdf.Run{{Text: "党员公开承诺"}, {Text: fmt.Sprintf(" 共 %d 人", len(v.Members)), Style: pdf.Muted}}})
		for _, c := range v.Members {
			head := []pdf.Run{{Text: c.MemberName}}
			if c.Oral {
				head = append(head, pdf.Run{Text: " 口头", Style: pdf.Tag})
			}
			if c.Below {
				head = append(head, pdf.Run{Text: " " + c.UnitName, Style: pdf.Muted})
			}
			sec := pdf.Section{HeadingRuns: head, Level: 1, Keep: true}
			for i, it := range c.Items {
				runs := []pdf.Run{{Text: it.Category + "：", Style: pdf.Lead}, {Text: " " + it.Content}}
				if it.Measures != "" {
					runs = append(runs, pdf.Run{Text: " 措施：" + it.Measures, Style: pdf.Muted})
				}
				if !it.Deadline.IsZero() {
					runs = append(runs, pdf.Run{Text: " （" + it.Deadline.Chinese() + "前）", Style: pdf.Muted})
				}
				if it.Standard != "" {
					runs = append(runs, pdf.Run{Text: " 标准：" + it.Standard, Style: pdf.Muted})
				}
				if it.Tag != "" {
					runs = append(runs, pdf.Run{Text: " " + it.Tag, Style: pdf.Tag})
				}
				if vd := c.VerdictOf(it.Key); vd != nil {
					runs = append(append(runs, pdf.Run{Text: " "}), verdictRuns(vd)...)
				}
				sec.Items = append(sec.Items, pdf.Item{Number: strconv.Itoa(i+1) + ".", Runs: runs})
			}
			when := []pdf.Run{{Text: c.Published + "公布 · "}}
			if c.ReadOut != "" {
				when = append(when, pdf.Run{Text: c.ReadOut + "在党员大会上宣读", Style: pdf.OK})
			} else {
				when = append(when, pdf.Run{Text: "尚未在党员大会上宣读", Style: pdf.Tag})
			}
			sec.Items = append(sec.Items, pdf.Item{Runs: when, Small: true})
			doc.Sections = append(doc.Sections, sec)
		}
	}
	return doc
}

// verdictRuns is an item's year-end verdict as the page shows it.
func verdictRuns(v *commitment.PublicVerdict) []pdf.Run {
	st := pdf.Tag
	if v.Verdict == commitment.Kept {
		st = pdf.OK
	}
	out := []pdf.Run{{Text: v.Label, Style: st}}
	if v.Cause != "" {
		out = append(out, pdf.Run{Text: " 客观原因：" + v.Cause, Style: pdf.Muted})
	}
	return out
}
