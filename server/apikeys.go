package server

// apikeyRoutes registers the routes of this area.
func (s *Server) apikeyRoutes() {}
