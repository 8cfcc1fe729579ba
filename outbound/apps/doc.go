// Package apps is the domain of outbound apps: the third-party services (OAuth 2.0 providers and
// API-key services) that end users and tenants connect to. It holds the app model, its
// validation (one set of URL rules for every URL, whatever its source), the catalog of provider
// templates, the apps file, and the registry (Apps) that keeps apps in Redis with their client
// secrets sealed. Options, shared by the registry, the OAuth vault and the API-key store, live
// here because every one of them is built from the registry's.
//
// The package is above 3,000 lines (about 5,500) and needs more than 120 exported identifiers
// (about 160, methods included) for a reason; its exported names are the app model's fields and
// types, the catalog's, and the registry's operations with their options, which the vault, the
// API-key store, the server and hosts all read. As for its size: the apps file is applied through
// the registry's own versioned, compare-and-set record writes, and an app's fields, their
// validation and their merge patch are declared side by side; parting them would export that
// record machinery and the validation helpers they share. The catalog's metadata (categories,
// keywords, sources, logos: template_meta.go) and the API fields a request proxy relies on
// (apiBaseUrls, apiBaseUrlFrom, apiHeaders, apiAuth: app_api.go) follow the same rule.
package apps
