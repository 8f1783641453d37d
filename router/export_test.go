package router

// ResetEvent exposes Event.reset to the package's external tests.
func ResetEvent(e *Event, k EventKind) { e.reset(k) }
