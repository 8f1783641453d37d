package router

// ResetEvent exposes Event.reset to the package's external tests.
func ResetEvent(e *Event, k EventKind) { e.reset(k) }

// ResetMessage exposes Message.reset to the package's external tests.
func ResetMessage(m *Message, k Kind) { m.reset(k) }

// DirectoryGet exposes Directory.get, the node's remembering lookup, to the package's
// external tests.
func DirectoryGet(d *Directory, e EnsembleID) (Entry, bool) {
	p := d.get(e)
	if p == nil {
		return Entry{}, false
	}
	return *p, true
}
