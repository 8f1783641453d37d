package duration_test

import (
	"errors"
	"fmt"

	"github.com/ensroute/ensroute/internal/duration"
)

// A whole number of nanoseconds is read as written, however many digits its
// fraction has; anything finer is refused, with what time.ParseDuration would have
// read.
func Example() {
	d, err := duration.Parse("401.47400000000000us")
	fmt.Println(int64(d), err)

	_, err = duration.Parse("0.5ns")
	fmt.Println(errors.Is(err, duration.ErrNotWhole), err)

	_, err = duration.Parse("5")
	fmt.Println(err)
	// Output:
	// 401474 <nil>
	// true not a whole number of nanoseconds, the finest a duration holds (0s would be read)
	// duration: want a number with a unit, like 250us or 1.5s
}
