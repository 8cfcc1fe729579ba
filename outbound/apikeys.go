package outbound

// APIKeys stores, validates, fetches and rotates API keys of API-key apps.
type APIKeys struct{}
