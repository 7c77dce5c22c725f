package web

import (
	"bytes"
	"net/http"
	"net/url"
	"strconv"

	"chuangzheng/internal/apperr"
	"chuangzheng/internal/org"
	"chuangzheng/internal/roster"
)

type importData struct {
	Units   []org.Unit
	UnitID  int64
	Error   string
	Preview *org.ImportPreview
	Result  *org.ImportResult
	Shown   []org.ImportRow
	More    int
	// The page of problem groups shown, and the links to the others.
	Groups     []roster.ProblemGroup
	Page, Last int
	Fields     []string // roster columns an unread column may be mapped to
}

func (s *Server) importUnits(r *http.Request, a *org.Actor) ([]org.Unit, error) {
	t, err := s.Org.Tree(r.Context(), a)
	if err != nil {
		return nil, err
	}
	var out []org.Unit
	for _, u := range t.Writable(a) {
		if u.Type != org.LeadingGroup {
			out = append(out, u)
		}
	}
	return out, nil
}

func (s *Server) importPage(w http.ResponseWriter, r *http.Request) {
	a := s.actor(w, r)
	if a == nil {
		return
	}
	units, err := s.importUnits(r, a)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if len(units) == 0 {
		s.fail(w, r, apperr.Deny())
		return
	}
	unitID, _ := strconv.ParseInt(r.URL.Query().Get("org"), 10, 64)
	s.render(w, r, http.StatusOK, "import", importData{Units: units, UnitID: unitID})
}

// readUpload takes the roster file from a multipart form, refusing an
// oversized body before reading it whole.
func readUpload(w http.ResponseWriter, r *http.Request) (string, []byte, error) {
	r.Body = http.MaxBytesReader(w, r.Body, org.MaxUploadBytes+1<<20)
	if err := r.ParseMultipartForm(8 << 20); err != nil {
		return "", nil, apperr.Newf(apperr.Invalid, "上传失败：文件过大（最大 %d MB）或上传中断", "Upload failed: file too large (max %d MB) or interrupted", org.MaxUploadBytes>>20)
	}
	f, hdr, err := r.FormFile("file")
	if err != nil {
		return "", nil, apperr.Field("file", "请选择要导入的花名册文件（.xlsx 或 .csv）", "Choose a roster file (.xlsx or .csv)")
	}
	defer f.Close()
	var buf bytes.Buffer
	if _, err := buf.ReadFrom(f); err != nil {
		return "", nil, apperr.Wrap(err, "read upload")
	}
	return hdr.Filename, buf.Bytes(), nil
}

func (s *Server) importUpload(w http.ResponseWriter, r *http.Request) {
	a := s.actor(w, r)
	if a == nil {
		return
	}
	name, data, err := readUpload(w, r)
	var p *org.ImportPreview
	if err == nil {
		p, err = s.Org.PreviewImport(r.Context(), a, formInt(r, "org"), name, bytes.NewReader(data))
	}
	if err != nil {
		e := apperr.As(err)
		if e.Code != apperr.Invalid {
			s.fail(w, r, err)
			return
		}
		units, uerr := s.importUnits(r, a)
		if uerr != nil {
			s.fail(w, r, uerr)
			return
		}
		s.render(w, r, http.StatusUnprocessableEntity, "import", importData{Units: units, UnitID: formInt(r, "org"), Error: e.Message(langOf(r))})
		return
	}
	http.Redirect(w, r, "/import/"+itoa(p.UploadID), http.StatusSeeOther)
}

const (
	previewRows   = 200
	problemsPage  = 50
	importMaxCols = 200
)

// previewData is the preview page's data: the rows, a page of problem
// groups, and the columns offered for mapping.
func previewData(r *http.Request, p *org.ImportPreview, errMsg string) importData {
	d := importData{Preview: p, Shown: p.Rows, Error: errMsg, Fields: roster.ColumnNames()}
	if len(d.Shown) > previewRows {
		d.Shown, d.More = d.Shown[:previewRows], len(p.Rows)-previewRows
	}
	d.Last = (len(p.Groups) + problemsPage - 1) / problemsPage
	d.Page = min(pageParam(r), max(d.Last, 1))
	from := (d.Page - 1) * problemsPage
	d.Groups = p.Groups[from:min(from+problemsPage, len(p.Groups))]
	return d
}

func (s *Server) importPreview(w http.ResponseWriter, r *http.Request) {
	a, id := s.actorID(w, r, "id")
	if a == nil {
		return
	}
	p, err := s.Org.Upload(r.Context(), a, id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "import_preview", previewData(r, p, ""))
}

// importOptions stores the office's column mapping and whether blank cells
// clear stored values, then shows the preview again.
func (s *Server) importOptions(w http.ResponseWriter, r *http.Request) {
	a, id := s.actorID(w, r, "id")
	if a == nil {
		return
	}
	if err := r.ParseForm(); err != nil {
		s.fail(w, r, apperr.New(apperr.Invalid, "表单无法读取", "Cannot read the form"))
		return
	}
	in := org.ImportOptions{ClearBlanks: r.PostFormValue("clear_blanks") == "1", ColumnMap: map[string]string{}}
	heads, cols := r.PostForm["header"], r.PostForm["column"]
	for i := 0; i < len(heads) && i < len(cols) && i < importMaxCols; i++ {
		if cols[i] != "-" { // "-": as the importer recognises it
			in.ColumnMap[heads[i]] = cols[i]
		}
	}
	p, err := s.Org.SetImportOptions(r.Context(), a, id, in)
	if err != nil {
		if e := apperr.As(err); e.Code == apperr.Invalid {
			if p, perr := s.Org.Upload(r.Context(), a, id); perr == nil {
				s.render(w, r, http.StatusUnprocessableEntity, "import_preview", previewData(r, p, e.Message(langOf(r))))
				return
			}
		}
		s.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/import/"+itoa(p.UploadID), http.StatusSeeOther)
}

// importProblemsFile serves the office's file with a 问题 column.
func (s *Server) importProblemsFile(w http.ResponseWriter, r *http.Request) {
	a, id := s.actorID(w, r, "id")
	if a == nil {
		return
	}
	var buf bytes.Buffer
	name, err := s.Org.AnnotatedUpload(r.Context(), a, id, &buf)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	w.Header().Set("Content-Disposition", "attachment; filename=\"roster-problems.xlsx\"; filename*=UTF-8''"+url.PathEscape(name))
	_, _ = w.Write(buf.Bytes())
}

func (s *Server) importCommit(w http.ResponseWriter, r *http.Request) {
	a, id := s.actorID(w, r, "id")
	if a == nil {
		return
	}
	res, p, err := s.Org.CommitImport(r.Context(), a, s.Account, id)
	if err != nil {
		e := apperr.As(err)
		if p == nil || (e.Code != apperr.Invalid && e.Code != apperr.Conflict) {
			s.fail(w, r, err)
			return
		}
		s.render(w, r, status(e.Code), "import_preview", previewData(r, p, e.Message(langOf(r))))
		return
	}
	s.render(w, r, http.StatusOK, "import_done", importData{Preview: p, Result: &res})
}

// importTemplate serves an empty roster with the expected columns.
func (s *Server) importTemplate(w http.ResponseWriter, r *http.Request) {
	var buf bytes.Buffer
	if err := roster.Write(&buf, "党员花名册", nil); err != nil {
		s.fail(w, r, apperr.Wrap(err, "template"))
		return
	}
	w.Header().Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	w.Header().Set("Content-Disposition", "attachment; filename=\"roster-template.xlsx\"; filename*=UTF-8''%E5%85%9A%E5%91%98%E8%8A%B1%E5%90%8D%E5%86%8C%E6%A8%A1%E6%9D%BF.xlsx")
	_, _ = w.Write(buf.Bytes())
}
