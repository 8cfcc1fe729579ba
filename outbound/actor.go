package outbound

import "context"

// ActorField is the field of an event on the event stream that names who made the change
// ("api", "console:3f9a…", an embedder's principal). Changes a person or a backend did not ask
// for (a refresh, a consent a user completed) carry none.
const ActorField = "actor"

type actorKey struct{}

// WithActor returns a context under which the changes the outbound services make are recorded
// as made by actor: the REST API and the console set it for every request they serve. An empty
// actor leaves ctx as it is.
func WithActor(ctx context.Context, actor string) context.Context {
	if actor == "" {
		return ctx
	}
	return context.WithValue(ctx, actorKey{}, actor)
}

// ActorOf returns the actor of ctx (see WithActor), or "".
func ActorOf(ctx context.Context) string {
	a, _ := ctx.Value(actorKey{}).(string)
	return a
}
