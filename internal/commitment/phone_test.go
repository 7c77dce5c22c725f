package commitment

import (
	"errors"
	"testing"

	"chuangzheng/internal/apperr"
)

// TestSupervisionPhoneShape: the branch's 监督电话 is printed on the public
// board and its PDF, so it must look like a phone; it is normalised as a
// roster's phone is.
func TestSupervisionPhoneShape(t *testing.T) {
	for in, want := range map[string]string{
		"javascript:alert(3)": "",
		"请拨打书记电话":             "",
		"12345":               "",
		"１３８０７３３００００":         "13807330000",
		"0731-2888 8888":      "0731-28888888",
		"+86 138 0733 0000":   "13807330000",
	} {
		c := &Input{Phone: in}
		err := check(c, BranchKind, 2025, Categories{})
		var fe apperr.FieldErrors
		bad := errors.As(err, &fe) && fe["phone"] != nil
		switch {
		case want == "" && !bad:
			t.Errorf("%q accepted as a supervision phone", in)
		case want != "" && (bad || c.Phone != want):
			t.Errorf("%q: phone %q, refused %v; want %q", in, c.Phone, bad, want)
		}
	}
}
