package console

func (c *Console) connectionRoutes() {}
