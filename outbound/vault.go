package outbound

// Vault is the OAuth token vault: connections, consent, fetch with safe refresh, revocation.
type Vault struct{}
