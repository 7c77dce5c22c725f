package web

// notifyEnglish covers the inbox, notification preferences and webhooks.
var notifyEnglish = map[string]string{}
