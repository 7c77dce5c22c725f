package web

// campaignEnglish covers the campaign year: plan, phases, progress, reports, calendar.
var campaignEnglish = map[string]string{}
