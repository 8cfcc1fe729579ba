// Package outbound holds what the outbound packages share: who a credential belongs to (Owner),
// the rules for the ids a request names, the library's field errors (FieldError, one problem
// with one field, and InvalidError, input rejected for its fields), the Secret that never
// prints, logs or marshals, and the error of a stored secret the keyring cannot open.
//
// The outbound domain itself lives in its sub-packages, each importing this one and store:
//
//   - apps: the app model, its validation, the provider catalog and templates, the apps file,
//     and the registry that keeps apps in Redis (Apps, and the Options every service shares);
//   - oauth: the token vault (Vault): connect, callback, fetch, refresh, revoke, import, events;
//   - apikeys: the API-key store (APIKeys): sealed keys, versions, rotation, the probe.
//
// oauth and apikeys import apps, never each other.
package outbound
