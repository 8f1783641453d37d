package scenarios

// The shapes bugs_test.go gives specs, for the property tests of package
// scenarios_test (property_test.go), which draw their specs from scenarios/specgen:
// that package imports this one, so tests that use it live outside it.
var (
	OKCopyShape  = okCopyShape
	HasRule      = hasRule
	DetourShape  = detourShape
	CrashForGood = crashForGood
)
