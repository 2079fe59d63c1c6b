package eval

import (
	"math"
	"strconv"
)

// Float is a float64 that encodes NaN and ±Inf as JSON null, so that an
// undefined metric (an AUC without negatives, a precision with nothing flagged)
// survives the JSON report as "no value" instead of failing it.
type Float float64

// MarshalJSON writes null for NaN and ±Inf and the shortest decimal otherwise.
func (f Float) MarshalJSON() ([]byte, error) {
	v := float64(f)
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return []byte("null"), nil
	}
	return strconv.AppendFloat(nil, v, 'g', -1, 64), nil
}

// UnmarshalJSON reads null as NaN.
func (f *Float) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		*f = Float(math.NaN())
		return nil
	}
	v, err := strconv.ParseFloat(string(b), 64)
	if err != nil {
		return err
	}
	*f = Float(v)
	return nil
}

// Valid reports whether f is a number (not NaN or infinite).
func (f Float) Valid() bool {
	return !math.IsNaN(float64(f)) && !math.IsInf(float64(f), 0)
}
