//go:build deps

// Package deps pins the module's dependencies while the packages that use them are written.
package deps

import (
	_ "github.com/alicebob/miniredis/v2"
	_ "github.com/expr-lang/expr"
	_ "github.com/prometheus/client_golang/prometheus"
	_ "github.com/redis/go-redis/v9"
	_ "go.yaml.in/yaml/v3"
	_ "golang.org/x/oauth2"
	_ "golang.org/x/sync/singleflight"
)
