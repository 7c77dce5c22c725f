package web

// boardEnglish covers the public board (公开栏) of published commitments.
var boardEnglish = map[string]string{}
