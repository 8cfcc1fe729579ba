package cli

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
	"go.opentelemetry.io/otel/trace"

	"github.com/outflowhq/outflow/cmd/outflow/internal/otlpjson"
)

// tracingVars are the standard OpenTelemetry variables that turn tracing on.
var tracingVars = []string{"OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"}

// openTracing reads the standard OTEL_* variables and returns the tracer provider serve and
// worker pass to the store, the apps, the engine and the server, or nil when tracing is off
// (the default). It is on when OTEL_TRACES_EXPORTER is "otlp", or unset while an OTLP endpoint is
// set; spans then go by OTLP over HTTP in its JSON encoding (http/json) in batches. The exporter
// reads the other OTEL_EXPORTER_OTLP_* variables (endpoint, headers, timeout, compression), the SDK
// reads OTEL_TRACES_SAMPLER and OTEL_TRACES_SAMPLER_ARG, and the resource takes
// OTEL_SERVICE_NAME (default "outflow") and OTEL_RESOURCE_ATTRIBUTES. shutdown flushes the
// spans still queued.
func openTracing(ctx context.Context, env Env) (tp trace.TracerProvider, shutdown func(context.Context) error, err error) {
	none := func(context.Context) error { return nil }
	get := func(name string) string { return strings.TrimSpace(env.Getenv(name)) }
	if strings.EqualFold(get("OTEL_SDK_DISABLED"), "true") {
		return nil, none, nil
	}
	switch exporter := strings.ToLower(get("OTEL_TRACES_EXPORTER")); exporter {
	case "none":
		return nil, none, nil
	case "":
		if get(tracingVars[0]) == "" && get(tracingVars[1]) == "" {
			return nil, none, nil
		}
	case "otlp":
	default:
		return nil, none, fmt.Errorf("OTEL_TRACES_EXPORTER=%q: outflow exports traces by otlp only (or none)", exporter)
	}
	cfg, err := otlpjson.FromEnv(env.Getenv)
	if err != nil {
		return nil, none, err
	}
	exp := otlpjson.New(cfg)
	res, err := resource.Merge(
		resource.NewSchemaless(semconv.ServiceName("outflow")),
		resource.Environment(),
	)
	if err != nil && !errors.Is(err, resource.ErrPartialResource) {
		return nil, none, fmt.Errorf("OTEL_RESOURCE_ATTRIBUTES: %w", err)
	}
	provider := sdktrace.NewTracerProvider(sdktrace.WithBatcher(exp), sdktrace.WithResource(res))
	return provider, func(ctx context.Context) error {
		ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		return provider.Shutdown(ctx)
	}, nil
}
