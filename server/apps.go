package server

// appRoutes registers the routes of this area.
func (s *Server) appRoutes() {}
