// Package instancetest runs `outflow serve` as several real processes on one Redis (the one
// OUTFLOW_TEST_REDIS_URL names: a single node, a Sentinel group or a Cluster) behind a small
// load balancer, with the sandbox OAuth provider in the test process. It checks that every step
// of a flow and of a consent may land on a different instance, that an instance killed with
// SIGKILL mid-consent leaves nothing another cannot finish, and that SIGTERM lets a request in
// flight finish before the process exits.
package instancetest
