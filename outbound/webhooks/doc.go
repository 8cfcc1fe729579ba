// Package webhooks delivers Outflow's events (package events) to the host's HTTP endpoints,
// signed per the Standard Webhooks specification, durably and at least once across every
// instance sharing one Redis.
//
// Endpoints are managed with Webhooks (create, list, get, update, delete, rotate the signing
// secret). Each has a signing secret "whsec_<base64>" shown once, at creation and at rotation;
// during a rotation's overlap both secrets sign every delivery. Endpoints may also be declared in
// the apps file (ParseAppsFile, ApplyAppsFile), which then owns them and their secret.
//
// A delivery is one event for one endpoint. Its id ("msg_...", the webhook-id header) is derived
// from the event and endpoint ids, so an event handled twice makes one delivery: receivers use
// webhook-id as the idempotency key. Deliveries due now are entries of a Redis stream read by a
// consumer group that every worker joins; a worker that dies mid-delivery leaves its entries
// pending, and another claims them after the visibility timeout (XAUTOCLAIM). A failed attempt
// is retried with exponential back-off and jitter for about 24 hours (RetrySchedule), then the
// delivery is dead (a dead letter kept with its attempts, which may be retried by hand).
// Ordering per endpoint is not promised.
//
// Egress: only https:// URLs (http:// to a loopback address with Egress.AllowHTTPLoopback, for
// development); the address is checked when the connection is dialled, after name resolution,
// so a name that resolves to a private, link-local or loopback address is refused even if it
// changed since the endpoint was saved; redirects are not followed; each attempt is bounded by
// 10 seconds; at most 1 KiB of the answer is kept.
package webhooks
