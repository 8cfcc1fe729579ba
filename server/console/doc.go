// Package console serves the Outflow console: server-rendered pages where product and platform
// engineers configure outbound apps (from the template library or custom), watch connections and
// API keys per app and per user or tenant, disconnect them, send one-time connect links, and
// read flows (description, inputs, diagram, scenario coverage) and their executions with the
// "why did it branch" explanation.
//
// The console is one http.Handler (New). `outflow serve` mounts it under /console; a host embeds
// it with http.StripPrefix at a path of its choosing (Options.Base names that path). Pages work
// without JavaScript, on a phone and in dark mode; assets are embedded in the binary.
//
// Sign-in takes a management key, compared in constant time, or a host's Authorizer. A session
// is a random id in an HttpOnly, SameSite=Strict cookie (Secure over TLS); Redis keeps it, under
// the SHA-256 of the id, with a TTL, so every instance serves it. Every form carries the
// session's CSRF token and every POST from another origin is refused. Failed sign-ins are counted
// per client address in Redis, so all instances share the limit.
//
// Every change is the same call the REST API makes (apps.Apps, oauth.Vault, apikeys.APIKeys,
// and Options.ConnectLink for consent links), made under outbound.WithActor, so the event
// stream names the console session (or the host's principal) that made it.
package console
