package server

// connectionRoutes registers the routes of this area.
func (s *Server) connectionRoutes() {}
