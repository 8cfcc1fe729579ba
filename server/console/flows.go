package console

func (c *Console) flowRoutes() {}
