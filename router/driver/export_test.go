package driver

// SetAfterClockRead has every call run f between its read of the clock and its read
// of the context's deadline, until the function it returns is called.
func SetAfterClockRead(f func()) (restore func()) {
	afterClockRead = f
	return func() { afterClockRead = nil }
}
