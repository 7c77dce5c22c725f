package web

// commitmentEnglish covers the commitment pages: writing, reviewing, versions.
var commitmentEnglish = map[string]string{}
