// Package events is the typed catalog of Outflow's lifecycle events: what happened to a
// connection, an API key, an execution or an app. Every event has an id, a type, a time, the
// owner (user or tenant) where there is one, the app, and the connection or execution it is
// about. No event ever carries a secret.
//
// Producers (the token vault, the API-key store, the app registry, the engine) append events with
// Publish to a Redis stream split in store.EventShards shards (Keys.EventStream), each in its own
// Cluster slot, so that no single key or node takes every event. An event goes to the shard of its
// owner (else its app), so one owner's events keep their order. The worker reads every shard with
// one consumer group, so each event is handled once across every instance: it is handed to the
// host's OnEvent callbacks and fanned out to webhook endpoints.
//
// The catalog:
//
//	connection.connected        a user or tenant connected an OAuth app (or connected it again)
//	connection.refreshed        a connection's access token was refreshed
//	connection.refresh_failed   a refresh failed for a reason that may pass (the provider was down)
//	connection.needs_reauth     the provider refused the grant: the owner must consent again
//	connection.recovered        a connection that was failing to refresh works again
//	connection.disconnected     a connection was disconnected (by request, or with its app)
//	apikey.stored               a first API key was stored for an app and owner
//	apikey.rotated              a stored API key was replaced by a new one
//	apikey.invalid              a re-check found that the app no longer accepts a stored key
//	apikey.deleted              an API key was deleted
//	execution.completed         a flow execution finished
//	execution.failed            a flow execution failed
//	execution.expired           a flow execution expired while it waited
//	app.created, app.updated, app.deleted
package events
