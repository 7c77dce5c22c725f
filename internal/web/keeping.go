package web

import (
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"chuangzheng/internal/apperr"
	"chuangzheng/internal/civil"
	"chuangzheng/internal/commitment"
	"chuangzheng/internal/org"
)

// Keeping pages (践诺): the plan, progress entries with photos, checks by
// the level above, the self-check and the year-end assessment of one
// published commitment, each form shown only to who may use it.

// maxProgressBody bounds a progress upload (three 5 MB files and the text):
// a bigger body is refused while it is read, never read whole.
const maxProgressBody = commitment.MaxProgressFiles*commitment.MaxKeepingFile + 1<<20

type keepingData struct {
	K          commitment.Keeping
	Plan       []commitment.Milestone // the milestones and blank rows
	Self       map[int]commitment.ItemCheck
	Verdicts   map[int]commitment.ItemVerdict
	Ratings    []string
	VerdictOps []commitment.Verdict
	Error      string
	Year       int
}

func (s *Server) keepingPage(w http.ResponseWriter, r *http.Request) {
	s.showKeeping(w, r, http.StatusOK, "")
}

func (s *Server) showKeeping(w http.ResponseWriter, r *http.Request, code int, msg string) {
	a, id := s.actorID(w, r, "id")
	if a == nil {
		return
	}
	k, err := s.Commitment.Keeping(r.Context(), a, id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d := keepingData{K: k, Plan: append([]commitment.Milestone{}, k.Milestones...), Self: map[int]commitment.ItemCheck{}, Verdicts: map[int]commitment.ItemVerdict{},
		Ratings: commitment.Ratings, VerdictOps: []commitment.Verdict{commitment.Kept, commitment.Partly, commitment.NotKept}, Error: msg, Year: k.Commitment.Year}
	for range 3 {
		d.Plan = append(d.Plan, commitment.Milestone{})
	}
	for _, c := range k.SelfChecks {
		d.Self[c.ItemKey] = c
	}
	for _, v := range k.Verdicts {
		d.Verdicts[v.ItemKey] = v
	}
	s.render(w, r, code, "keeping", d)
}

// keepingAct runs one keeping form: back to the page with a message, or
// the page again with the message for bad input.
func (s *Server) keepingAct(w http.ResponseWriter, r *http.Request, done string, f func(a *org.Actor, id int64) error) {
	a, id := s.actorID(w, r, "id")
	if a == nil {
		return
	}
	if err := f(a, id); err != nil {
		e := apperr.As(err)
		if e.Code == apperr.Invalid || e.Code == apperr.Conflict {
			s.showKeeping(w, r, status(e.Code), errorText(err, langOf(r)))
			return
		}
		s.fail(w, r, err)
		return
	}
	flash(w, translate(langOf(r), done))
	http.Redirect(w, r, "/commitments/"+itoa(id)+"/keeping", http.StatusSeeOther)
}

func formDate(r *http.Request, name string) (civil.Date, error) {
	v := strings.TrimSpace(r.PostFormValue(name))
	d, err := civil.ParseStorage(v)
	if err != nil {
		return d, apperr.Field(name, "日期格式不对（应为 年-月-日）", "Invalid date (want YYYY-MM-DD)")
	}
	return d, nil
}

func (s *Server) keepingPlanPost(w http.ResponseWriter, r *http.Request) {
	s.keepingAct(w, r, "践诺计划已保存", func(a *org.Actor, id int64) error {
		if err := r.ParseForm(); err != nil {
			return apperr.New(apperr.Invalid, "表单有误", "Bad form")
		}
		titles, dues := r.PostForm["title"], r.PostForm["due"]
		done := map[string]bool{}
		for _, v := range r.PostForm["done"] {
			done[v] = true
		}
		var ms []commitment.Milestone
		for i, t := range titles {
			if strings.TrimSpace(t) == "" {
				continue
			}
			m := commitment.Milestone{Title: t, Done: done[strconv.Itoa(i)]}
			if i < len(dues) {
				d, err := civil.ParseStorage(strings.TrimSpace(dues[i]))
				if err != nil {
					return apperr.Newf(apperr.Invalid, "第 %d 个节点的日期格式不对", "Milestone %d: invalid date", i+1)
				}
				m.Due = d
			}
			ms = append(ms, m)
		}
		_, err := s.Commitment.SavePlan(r.Context(), a, id, ms)
		return err
	})
}

// readUploads reads up to MaxProgressFiles files of the field "file" from a
// multipart form whose body is already bounded.
func readUploads(r *http.Request) ([]commitment.Upload, error) {
	if r.MultipartForm == nil {
		return nil, nil
	}
	hdrs := r.MultipartForm.File["file"]
	var out []commitment.Upload
	for _, h := range hdrs {
		if h.Filename == "" && h.Size == 0 {
			continue
		}
		if len(out) == commitment.MaxProgressFiles {
			return nil, apperr.Newf(apperr.Invalid, "每条记录最多 %d 个附件", "At most %d files per entry", commitment.MaxProgressFiles)
		}
		f, err := h.Open()
		if err != nil {
			return nil, apperr.Wrap(err, "open upload")
		}
		data, err := io.ReadAll(io.LimitReader(f, commitment.MaxKeepingFile+1))
		f.Close()
		if err != nil {
			return nil, apperr.Wrap(err, "read upload")
		}
		out = append(out, commitment.Upload{Name: h.Filename, Data: data})
	}
	return out, nil
}

func (s *Server) keepingProgressPost(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxProgressBody)
	s.keepingAct(w, r, "践诺记录已添加", func(a *org.Actor, id int64) error {
		if err := r.ParseMultipartForm(4 << 20); err != nil {
			return apperr.New(apperr.Invalid, "上传失败：文件过大（每个最大 5 MB，最多 3 个）或上传中断", "Upload failed: too large (max 5 MB each, 3 files) or interrupted")
		}
		defer r.MultipartForm.RemoveAll()
		files, err := readUploads(r)
		if err != nil {
			return err
		}
		_, err = s.Commitment.AddProgress(r.Context(), a, id, r.PostFormValue("text"), files)
		return err
	})
}

func (s *Server) keepingCheckPost(w http.ResponseWriter, r *http.Request) {
	s.keepingAct(w, r, "检查意见已记录", func(a *org.Actor, id int64) error {
		fu, err := formDate(r, "follow_up")
		if err != nil {
			return err
		}
		_, err = s.Commitment.AddCheck(r.Context(), a, id, commitment.Check{Comment: r.PostFormValue("comment"), Rating: r.PostFormValue("rating"), FollowUp: fu})
		return err
	})
}

func (s *Server) keepingSelfCheckPost(w http.ResponseWriter, r *http.Request) {
	s.keepingAct(w, r, "自查已保存", func(a *org.Actor, id int64) error {
		if err := r.ParseForm(); err != nil {
			return apperr.New(apperr.Invalid, "表单有误", "Bad form")
		}
		var cs []commitment.ItemCheck
		for _, k := range r.PostForm["key"] {
			key, _ := strconv.Atoi(k)
			c := commitment.ItemCheck{ItemKey: key, Progress: r.PostFormValue("progress_" + k), Gap: r.PostFormValue("gap_" + k),
				Problem: r.PostFormValue("problem_" + k), Measures: r.PostFormValue("measures_" + k)}
			if strings.TrimSpace(c.Progress+c.Gap+c.Problem+c.Measures) == "" {
				continue
			}
			cs = append(cs, c)
		}
		_, err := s.Commitment.SelfCheck(r.Context(), a, id, cs)
		return err
	})
}

func (s *Server) keepingAssessPost(w http.ResponseWriter, r *http.Request) {
	s.keepingAct(w, r, "年终评定已保存", func(a *org.Actor, id int64) error {
		if err := r.ParseForm(); err != nil {
			return apperr.New(apperr.Invalid, "表单有误", "Bad form")
		}
		var vs []commitment.ItemVerdict
		for _, k := range r.PostForm["key"] {
			key, _ := strconv.Atoi(k)
			v := commitment.Verdict(r.PostFormValue("verdict_" + k))
			if v == "" {
				continue
			}
			vs = append(vs, commitment.ItemVerdict{ItemKey: key, Verdict: v, Reason: r.PostFormValue("reason_" + k), Objective: r.PostFormValue("objective_"+k) != ""})
		}
		_, err := s.Commitment.Assess(r.Context(), a, id, vs)
		return err
	})
}

// keepingFile serves a progress photo or file to whoever may read its
// commitment (the /files route serves only campaign files).
func (s *Server) keepingFile(w http.ResponseWriter, r *http.Request) {
	a, id := s.actorID(w, r, "id")
	if a == nil {
		return
	}
	f, data, err := s.Commitment.KeepingFile(r.Context(), a, id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	disp := "attachment"
	if f.Image() {
		disp = "inline"
	}
	w.Header().Set("Content-Type", f.ContentType)
	w.Header().Set("Content-Disposition", fmt.Sprintf("%s; filename=\"file\"; filename*=UTF-8''%s", disp, url.PathEscape(f.Name)))
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Cache-Control", "private, max-age=3600")
	_, _ = w.Write(data)
}
