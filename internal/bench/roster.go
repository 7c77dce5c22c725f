// Package bench holds the performance benchmarks (bench_test.go) and the
// synthetic rosters they import: realistic Chinese names, valid and unique
// citizen ID numbers, plausible dates, posts and phones. The generator is
// deterministic for a given seed, so every run imports the same file.
//
// See docs/performance.md for the figures and how to reproduce them.
package bench

import (
	"bytes"
	"fmt"
	"io"
	"math/rand/v2"

	"chuangzheng/internal/civil"
	"chuangzheng/internal/idcard"
	"chuangzheng/internal/roster"
)

// regions are county-level codes of 湖南 other than the six 株洲 codes the
// demo bureau uses, so generated numbers never collide with demo members.
var regions = []string{
	"430102", "430103", "430104", "430105", "430111", "430112", "430121", "430181", "430182",
	"430302", "430304", "430321", "430381", "430382", "430405", "430406", "430407", "430408",
	"430421", "430422", "430502", "430503", "430511", "430521", "430602", "430603", "430611",
	"430621", "430702", "430703", "430721", "430802", "430811", "430902", "430903", "430921",
	"431002", "431003", "431021", "431102", "431103", "431121", "431202", "431221", "431302",
	"431321", "433101", "433122",
}

// Surnames, the common ones listed several times so that they come up
// about as often as they do in Hunan.
var surnames = []rune("王王王李李李张张张刘刘刘陈陈陈杨杨黄黄赵赵吴吴周周徐孙马朱胡郭何高林罗罗郑梁谢宋唐唐许韩冯邓邓曹彭彭曾曾肖肖田董袁潘蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛阎段雷侯龙史黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤欧阳")

var (
	maleChars   = []rune("建国志强伟军勇平卫东海波湘立新振华德明光辉永红兵文斌家豪晓峰子轩浩然杰长生庆丰民跃进爱铁春松林涛鹏飞宇航俊杰超磊刚毅锋成斌斌辉亮")
	femaleChars = []rune("秀英桂兰丽华玉梅红小燕海娟建湘君翠慧敏雅婷思雨佳怡晓玲春冬美素珍淑芬彩霞艳静芳琳婷娜莉萍颖洁倩雪")
	educations  = []string{"大学本科", "大学本科", "大学本科", "研究生", "大专", "大专", "中专", "高中"}
	posts       = []string{"养殖技术员", "生产科科长", "鱼种场职工", "财务会计", "养殖工", "销售员", "办公室主任", "水产养殖工程师",
		"渔政执法员", "检疫员", "仓库保管员", "质检员", "驾驶员", "后勤科科员", "饲料车间主任", "网箱养殖组组长"}
	minorities = []string{"土家族", "苗族", "瑶族", "侗族", "白族", "回族"}
)

// Records returns n member rows for the branch, deterministic for seed.
// Every row is valid: ID numbers are unique and check, birth dates and
// genders agree with them, members joined at 18 or older and not in the
// future, probationary members have no confirmation date.
func Records(n int, branch string, seed uint64) []roster.Record {
	rng := rand.New(rand.NewPCG(seed, 0x63686e67))
	seen := make(map[string]bool, n)
	phones := make(map[string]bool, n)
	out := make([]roster.Record, 0, n)
	for len(out) < n {
		r := roster.Record{Branch: branch, Ethnicity: "汉族", Category: roster.CategoryFull, Status: roster.StatusNormal}
		if rng.IntN(15) == 0 {
			r.Ethnicity = minorities[rng.IntN(len(minorities))]
		}
		female := rng.IntN(3) == 0
		r.Name = name(rng, female)
		r.Gender = "男"
		if female {
			r.Gender = "女"
		}
		retired := rng.IntN(6) == 0
		year := 1966 + rng.IntN(38) // 1966–2003
		if retired {
			year = 1938 + rng.IntN(28) // 1938–1965
		}
		r.BirthDate = civil.Date{Y: year, M: 1 + rng.IntN(12), D: 1 + rng.IntN(28)}
		for {
			seq := rng.IntN(500) * 2 // even: a woman
			if !female {
				seq++
			}
			id := idcard.Make(regions[rng.IntN(len(regions))], r.BirthDate, seq)
			if !seen[id] {
				seen[id] = true
				r.IDNumber = id
				break
			}
		}
		r.Education = educations[rng.IntN(len(educations))]
		if retired {
			r.Retired, r.NoPost, r.Post = true, true, "退休"
			if year < 1945 {
				r.Oral = true
				r.Remarks = "年老体弱，可口头承诺"
				r.Education = "初中"
			}
		} else {
			r.Post = posts[rng.IntN(len(posts))]
			r.NoPost = rng.IntN(8) == 0
		}
		join := year + 19 + rng.IntN(15)
		if join > 2024 {
			join = 2024
		}
		r.JoinedDate = civil.Date{Y: join, M: 1 + rng.IntN(12), D: 1}
		r.ConfirmedDate = civil.Date{Y: join + 1, M: r.JoinedDate.M, D: 1}
		if !retired && year >= 1990 && rng.IntN(10) == 0 {
			// Probationary: joined this year, not yet confirmed.
			r.Category = roster.CategoryProbation
			r.JoinedDate = civil.Date{Y: 2026, M: 1 + rng.IntN(10), D: 1}
			r.ConfirmedDate = civil.Date{}
		}
		for {
			p := fmt.Sprintf("1%d%09d", 3+rng.IntN(7), rng.IntN(1_000_000_000))
			if !phones[p] {
				phones[p] = true
				r.Phone = p
				break
			}
		}
		out = append(out, r)
	}
	return out
}

func name(rng *rand.Rand, female bool) string {
	chars := maleChars
	if female {
		chars = femaleChars
	}
	s := string(surnames[rng.IntN(len(surnames))])
	if rng.IntN(40) == 0 {
		s = []string{"欧阳", "司马", "诸葛", "上官"}[rng.IntN(4)]
	}
	s += string(chars[rng.IntN(len(chars))])
	if rng.IntN(4) != 0 { // most given names have two characters
		s += string(chars[rng.IntN(len(chars))])
	}
	return s
}

// WriteXLSX writes n generated rows for the branch as an .xlsx roster.
func WriteXLSX(w io.Writer, n int, branch string, seed uint64) error {
	return roster.Write(w, branch+"党员花名册", Records(n, branch, seed))
}

// XLSX returns n generated rows for the branch as .xlsx bytes.
func XLSX(n int, branch string, seed uint64) ([]byte, error) {
	var buf bytes.Buffer
	if err := WriteXLSX(&buf, n, branch, seed); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
