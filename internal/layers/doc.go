// Package layers holds, in its test, the direction of imports between the packages of Outflow:
//
//	cmd/outflow → examples → server → engine → flows → actions
//	server, actions/* → outbound/oauth, outbound/apikeys → outbound/apps → outbound → store
//	internal/* and clock below everything
//
// Each package has a layer and imports only packages of lower layers (or, within a family such
// as internal/*, its siblings). An import against the direction fails the test, naming the edge.
// A new package must be given its layer in the table before the test passes.
package layers
