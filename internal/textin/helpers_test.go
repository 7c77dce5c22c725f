package textin

import (
	"errors"

	"chuangzheng/internal/apperr"
)

func asFE(err error, fe *apperr.FieldErrors) bool { return errors.As(err, fe) }
