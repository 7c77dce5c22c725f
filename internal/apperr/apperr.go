// Package apperr holds the one domain error type of 创争. Services return
// *Error for anything a user may see; the web layer maps Code to an HTTP
// status and shows Msg (Chinese) or MsgEn, never the text of an internal error.
package apperr

import (
	"errors"
	"fmt"
)

// Code classifies an error for the web layer.
type Code string

// Error codes.
const (
	Invalid      Code = "invalid"      // bad input: 422
	NotFound     Code = "not_found"    // 404
	Conflict     Code = "conflict"     // 409: duplicate, stale version, someone else acted first
	Forbidden    Code = "forbidden"    // 403: outside the actor's scope
	Unauthorized Code = "unauthorized" // 401: not logged in or bad credentials
	TooMany      Code = "too_many"     // 429: throttled
	Internal     Code = "internal"     // 500: never shown in detail
)

// Error is a domain error with a message that is safe to show.
type Error struct {
	Code  Code
	Field string // the form field concerned, if any
	Msg   string // Simplified Chinese
	MsgEn string // English
	Err   error  // wrapped cause, logged, never shown
}

func (e *Error) Error() string {
	if e.Err != nil {
		return e.Msg + ": " + e.Err.Error()
	}
	return e.Msg
}

func (e *Error) Unwrap() error { return e.Err }

// Message returns the message in lang ("en" or anything else for Chinese).
func (e *Error) Message(lang string) string {
	if lang == "en" && e.MsgEn != "" {
		return e.MsgEn
	}
	return e.Msg
}

// New returns an error of the given code with a Chinese and an English message.
func New(code Code, zh, en string) *Error { return &Error{Code: code, Msg: zh, MsgEn: en} }

// Field returns an Invalid error about one form field.
func Field(field, zh, en string) *Error {
	return &Error{Code: Invalid, Field: field, Msg: zh, MsgEn: en}
}

// Newf formats both messages with the same arguments.
func Newf(code Code, zh, en string, args ...any) *Error {
	return &Error{Code: code, Msg: fmt.Sprintf(zh, args...), MsgEn: fmt.Sprintf(en, args...)}
}

// NotFoundf says that a thing (named in both languages) does not exist.
func NotFoundf(zh, en string) *Error {
	return &Error{Code: NotFound, Msg: zh + "不存在或已删除", MsgEn: en + " not found"}
}

// Deny is the standard refusal for actions outside the actor's scope.
func Deny() *Error {
	return &Error{Code: Forbidden, Msg: "您无权查看或修改这项内容", MsgEn: "You are not allowed to see or change this"}
}

// Wrap marks err as internal: it is logged, and the user sees a generic message.
func Wrap(err error, what string) error {
	if err == nil {
		return nil
	}
	var ae *Error
	if errors.As(err, &ae) {
		return err
	}
	return &Error{Code: Internal, Msg: "系统内部错误，请稍后再试", MsgEn: "Internal error, please try again later", Err: fmt.Errorf("%s: %w", what, err)}
}

// CodeOf returns the code of err: Internal for anything that is not an *Error.
func CodeOf(err error) Code {
	var ae *Error
	if errors.As(err, &ae) {
		return ae.Code
	}
	return Internal
}

// As returns err as *Error, wrapping unknown errors as Internal.
func As(err error) *Error {
	var ae *Error
	if errors.As(err, &ae) {
		return ae
	}
	return Wrap(err, "unexpected").(*Error)
}

// FieldErrors collects several field errors for one form.
type FieldErrors map[string]*Error

// Err returns an Invalid error carrying the first message, or nil when empty.
func (fe FieldErrors) Err() error {
	if len(fe) == 0 {
		return nil
	}
	return &Error{Code: Invalid, Msg: "请修正标出的内容后再提交", MsgEn: "Please correct the marked fields", Err: fe}
}

func (fe FieldErrors) Error() string {
	s := ""
	for k, v := range fe {
		s += k + ": " + v.Msg + "; "
	}
	return s
}
