package web

// meetingEnglish covers meetings, attendance and action items.
var meetingEnglish = map[string]string{}
