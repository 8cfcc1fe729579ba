package outbound

// Apps is the app registry: outbound apps kept in Redis with their client secrets sealed.
type Apps struct{}
