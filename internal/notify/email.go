package notify

import (
	"context"
	"crypto/tls"
	"encoding/base64"
	"errors"
	"fmt"
	"mime"
	"net"
	"net/mail"
	"net/smtp"
	"net/textproto"
	"strconv"
	"strings"
	"time"
)

// SMTP is the outgoing mail server. With neither StartTLS nor TLS the
// conversation is in clear text (a relay on the same host or network);
// net/smtp then refuses to send a password except to localhost.
type SMTP struct {
	Host     string
	Port     int // 0: 465 with TLS, 587 with StartTLS, else 25
	Username string
	Password string
	From     string // "创争 <noreply@example.cn>" or a bare address
	StartTLS bool   // upgrade with STARTTLS (port 587); refuse a server without it
	TLS      bool   // implicit TLS from the first byte (port 465, common with Chinese providers)
	Hello    string // the name sent in EHLO ("" means localhost)
}

// Validate checks the configuration at start-up.
func (c *SMTP) Validate() error {
	if c.Host == "" {
		return errors.New("smtp: no host")
	}
	if c.Port < 0 || c.Port > 65535 {
		return fmt.Errorf("smtp: bad port %d", c.Port)
	}
	if _, err := mail.ParseAddress(c.From); err != nil {
		return fmt.Errorf("smtp: from address %q: %w", c.From, err)
	}
	if c.StartTLS && c.TLS {
		return errors.New("smtp: choose STARTTLS or implicit TLS, not both")
	}
	return nil
}

func (c *SMTP) addr() string {
	p := c.Port
	if p == 0 {
		switch {
		case c.TLS:
			p = 465
		case c.StartTLS:
			p = 587
		default:
			p = 25
		}
	}
	return net.JoinHostPort(c.Host, strconv.Itoa(p))
}

// Email is one plain-text message.
type Email struct {
	To      string
	Subject string
	Body    string
}

// buildEmail renders the message: UTF-8, the subject Q-encoded, the body
// base64 (safe for any line length and for Chinese text).
func buildEmail(from *mail.Address, e Email, now time.Time, host string) []byte {
	var b strings.Builder
	h := func(k, v string) { b.WriteString(k + ": " + v + "\r\n") }
	h("From", from.String())
	h("To", (&mail.Address{Address: e.To}).String())
	// Encoded words are at most 75 characters; fold between them so that
	// a long Chinese subject keeps lines short (RFC 2047, RFC 5322 2.2.3).
	h("Subject", strings.ReplaceAll(mime.QEncoding.Encode("utf-8", e.Subject), "?= =?", "?=\r\n =?"))
	h("Date", now.Format(time.RFC1123Z))
	h("Message-ID", "<"+randomHex(12)+"@"+host+">")
	h("MIME-Version", "1.0")
	h("Content-Type", "text/plain; charset=UTF-8")
	h("Content-Transfer-Encoding", "base64")
	b.WriteString("\r\n")
	body := strings.ReplaceAll(strings.ReplaceAll(e.Body, "\r\n", "\n"), "\n", "\r\n")
	enc := base64.StdEncoding.EncodeToString([]byte(body))
	for len(enc) > 76 {
		b.WriteString(enc[:76] + "\r\n")
		enc = enc[76:]
	}
	b.WriteString(enc + "\r\n")
	return []byte(b.String())
}

// errAccepted wraps errors after the server accepted the message (DATA):
// the mail is on its way, so the job must not send it again.
var errAccepted = errors.New("accepted")

// Send delivers one e-mail. A 5xx answer is permanent (jobs.Permanent is
// applied by the caller); anything before DATA is accepted may be retried.
func (c *SMTP) Send(ctx context.Context, e Email, now time.Time) error {
	from, err := mail.ParseAddress(c.From)
	if err != nil {
		return fmt.Errorf("smtp from: %w", err)
	}
	if _, ok := ValidEmail(e.To); !ok {
		return fmt.Errorf("smtp: bad recipient %q", e.To)
	}
	// A whole conversation gets at most a minute (the context's deadline
	// bounds the I/O; a wall-clock limit, not the application's clock).
	ctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	d := net.Dialer{Timeout: 10 * time.Second}
	conn, err := d.DialContext(ctx, "tcp", c.addr())
	if err != nil {
		return fmt.Errorf("smtp connect: %w", err)
	}
	defer conn.Close()
	deadline, _ := ctx.Deadline()
	_ = conn.SetDeadline(deadline)
	tlsConf := &tls.Config{ServerName: c.Host, MinVersion: tls.VersionTLS12}
	if c.TLS {
		tc := tls.Client(conn, tlsConf)
		if err := tc.HandshakeContext(ctx); err != nil {
			return fmt.Errorf("smtp tls: %w", err)
		}
		conn = tc
	}
	cl, err := smtp.NewClient(conn, c.Host)
	if err != nil {
		return fmt.Errorf("smtp greeting: %w", err)
	}
	defer cl.Close()
	hello := c.Hello
	if hello == "" {
		hello = "localhost"
	}
	if err := cl.Hello(hello); err != nil {
		return fmt.Errorf("smtp hello: %w", err)
	}
	if c.StartTLS {
		if ok, _ := cl.Extension("STARTTLS"); !ok {
			return errors.New("smtp: the server does not offer STARTTLS")
		}
		if err := cl.StartTLS(tlsConf); err != nil {
			return fmt.Errorf("smtp starttls: %w", err)
		}
	}
	if c.Username != "" {
		if err := cl.Auth(smtp.PlainAuth("", c.Username, c.Password, c.Host)); err != nil {
			return fmt.Errorf("smtp auth: %w", err)
		}
	}
	if err := cl.Mail(from.Address); err != nil {
		return fmt.Errorf("smtp mail from: %w", err)
	}
	if err := cl.Rcpt(e.To); err != nil {
		return fmt.Errorf("smtp rcpt to: %w", err)
	}
	w, err := cl.Data()
	if err != nil {
		return fmt.Errorf("smtp data: %w", err)
	}
	host := "chuangzheng"
	if i := strings.LastIndexByte(from.Address, '@'); i >= 0 {
		host = from.Address[i+1:]
	}
	if _, err := w.Write(buildEmail(from, e, now, host)); err != nil {
		return fmt.Errorf("smtp write: %w", err)
	}
	if err := w.Close(); err != nil { // the server's answer to the end of DATA
		return fmt.Errorf("smtp end of data: %w", err)
	}
	if err := cl.Quit(); err != nil {
		return fmt.Errorf("%w; smtp quit: %v", errAccepted, err)
	}
	return nil
}

// permanentSMTP reports whether err is a 5xx answer: retrying will not help.
func permanentSMTP(err error) bool {
	var te *textproto.Error
	return errors.As(err, &te) && te.Code >= 500
}
