// Package layers holds, in its test, the direction of imports between the packages of Outflow:
//
//	cmd/outflow → examples → server → engine → flows → actions
//	server → worker → engine, outbound/webhooks → outbound/oauth, outbound/apikeys → outbound/apps → outbound/events → outbound → store
//	actions/* → outbound/oauth, outbound/apikeys; engine → outbound/events
//	internal/* and clock below everything
//
// Each package has a layer and imports only packages of lower layers (or, within a family such
// as internal/*, its siblings). An import against the direction fails the test, naming the edge.
// A new package must be given its layer in the table before the test passes.
//
// A second test holds the house size: no package of the library above 3,000 lines or 120
// exported identifiers (exported methods included) unless its package doc says why, in those words.
//
// A third holds the cost of naming a dependency's types: a probe package that names go-redis
// types the way Outflow's packages do must compile to a small object. go-redis v9.23 broke this
// (each such package compiled 9.5 MB of instantiated wrappers, 1.3 s, again), so go.mod keeps
// v9.22 until a release fixes it. It compiles beside the build, so it runs when
// OUTFLOW_TEST_BUILD_COST=1 (as in CI).
package layers
