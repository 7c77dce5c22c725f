package e2e_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/go-rod/rod/lib/devices"
	"github.com/go-rod/rod/lib/proto"

	"chuangzheng/internal/db"
	"chuangzheng/internal/db/dbtest"
	"chuangzheng/internal/demo"
)

// TestNominationPrintForm: the demo's confirmed nomination, its page on a
// desk, and its 推荐审批表 printed on A4 — every field, no name or date
// broken over two lines, the table within the page; and the public page
// on a phone without private data.
func TestNominationPrintForm(t *testing.T) {
	requireBrowser(t)
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		a := startFullApp(t, d)
		id := a.id(t, `SELECT id FROM nominations WHERE status = 'confirmed' ORDER BY id LIMIT 1`)
		name := a.id(t, `SELECT m.name FROM nominations n JOIN members m ON m.id = n.member_id WHERE n.id = ?`, id)

		s := newSession(t, a.app, desktop)
		s.login("office", "demo")
		s.open("/nominations")
		if txt := s.text(); !strings.Contains(txt, "各支部名额") || !strings.Contains(txt, "市果木园党支部") || !strings.Contains(txt, "未报送") {
			t.Fatalf("office list: %s", txt)
		}
		s.capture(fmt.Sprintf("nominations-office-%s.png", d.Engine), true)
		s.open("/nominations/" + id)
		if txt := s.text(); !strings.Contains(txt, name) || !strings.Contains(txt, "已确认为典型") || !strings.Contains(txt, "答复") {
			t.Fatalf("nomination page: %s", txt)
		}
		s.capture(fmt.Sprintf("nomination-%s.png", d.Engine), true)

		// A4 portrait at 96 dpi less the 12 mm margins: 718 px of width.
		a4 := devices.Device{Title: "A4", Capabilities: []string{}, UserAgent: desktop.UserAgent, AcceptLanguage: "zh-CN",
			Screen: devices.Screen{DevicePixelRatio: 1, Horizontal: devices.ScreenSize{Width: 1123, Height: 718}, Vertical: devices.ScreenSize{Width: 718, Height: 1123}}}
		p := newSession(t, a.app, a4)
		p.login("office", "demo")
		p.open("/nominations/" + id + "/form")
		if err := (proto.EmulationSetEmulatedMedia{Media: "print"}).Call(p.p()); err != nil {
			t.Fatal(err)
		}
		txt := p.text()
		for _, want := range []string{"推荐优秀共产党员审批表", "姓名", "性别", "出生年月", "入党时间", "单位及职务", "主要事迹", "支部意见", "机关党委意见", name} {
			if !strings.Contains(txt, want) {
				t.Errorf("print form lacks %q", want)
			}
		}
		// Each text of a name, date or label cell stays on one line.
		broken := p.p().MustEval(`() => Array.from(document.querySelectorAll("table.nom-form .nowrap, table.nom-form th")).filter(e => {
			const w = document.createTreeWalker(e, NodeFilter.SHOW_TEXT);
			for (let n = w.nextNode(); n; n = w.nextNode()) {
				if (!n.textContent.trim()) continue;
				const r = document.createRange(); r.selectNodeContents(n);
				if (new Set(Array.from(r.getClientRects()).map(x => Math.round(x.top))).size > 1) return true;
			}
			return e.scrollWidth > e.clientWidth + 1;
		}).map(e => e.textContent.trim()).join(" | ")`).Str()
		if broken != "" {
			t.Errorf("names or dates broken over lines: %s", broken)
		}
		if w := p.p().MustEval(`() => document.querySelector("table.nom-form").getBoundingClientRect().right`).Num(); w > 718 {
			t.Errorf("the form is %.0f px wide, more than A4's 718", w)
		}
		p.capture(fmt.Sprintf("nomination-form-%s.png", d.Engine), true)

		m := newSession(t, a.app, phone360)
		m.open(fmt.Sprintf("/public/units/%d/examples", a.unitID(t, demo.RootName)))
		pub := m.text()
		if !strings.Contains(pub, name) || strings.Contains(pub, "出生") {
			t.Fatalf("public examples: %s", pub)
		}
		if sw := m.p().MustEval(`() => document.documentElement.scrollWidth`).Int(); sw > 361 {
			t.Errorf("public examples %d px wide at 360", sw)
		}
		m.capture(fmt.Sprintf("nomination-examples-%s.png", d.Engine), false)
	})
}
