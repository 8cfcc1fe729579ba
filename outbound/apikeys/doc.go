// Package apikeys stores the API keys of the apikey apps of an apps.Apps registry (APIKeys),
// per user or tenant: sealed keys bound to their app, owner and version, rotation with an overlap
// window for the previous key, and the probe that checks a key against the service before it is
// stored.
package apikeys
