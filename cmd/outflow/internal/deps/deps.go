//go:build deps

// Package deps pins the module's dependencies while the packages that use them are written.
package deps

import (
	_ "github.com/chromedp/chromedp"
	_ "github.com/ory/fosite"
	_ "github.com/ory/fosite/compose"
	_ "github.com/ory/fosite/storage"
	_ "github.com/outflowhq/outflow/clock"
	_ "github.com/pb33f/libopenapi"
	_ "github.com/santhosh-tekuri/jsonschema/v6"
)
