// Package apps is the domain of outbound apps: the third-party services (OAuth 2.0 providers and
// API-key services) that end users and tenants connect to. It holds the app model, its
// validation (one set of URL rules for every URL, whatever its source), the catalog of provider
// templates, the apps file, and the registry (Apps) that keeps apps in Redis with their client
// secrets sealed. Options, shared by the registry, the OAuth vault and the API-key store, live
// here because every one of them is built from the registry's.
//
// The package is above 3,000 lines because the app model and its validation are one concept:
// every field of App has its rule, its patch and its catalog entry side by side, and splitting
// them would only export the validation helpers they share.
package apps
