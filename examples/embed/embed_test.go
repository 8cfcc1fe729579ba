package main

import (
	"context"
	"fmt"

	"github.com/outflowhq/outflow/actions"
	"github.com/outflowhq/outflow/engine"
	"github.com/outflowhq/outflow/store"
)

// Example runs the sign-up flow with the host's risk.score action, as the embedding server would.
func Example() {
	ctx := context.Background()
	st, err := store.Open(ctx, store.Options{Logger: quiet()})
	if err != nil {
		panic(err)
	}
	defer st.Close()
	keyring, err := openKeyring(st, "")
	if err != nil {
		panic(err)
	}
	o, err := build(st, keyring, "http://localhost:8081/outflow", quiet())
	if err != nil {
		panic(err)
	}
	defer o.close()
	if err := o.addFlows(ctx); err != nil {
		panic(err)
	}
	eng := o.engine
	for _, email := range []string{"ada@example.com", "bot@mailinator.com"} {
		r, _ := eng.Start(ctx, "signup", engine.StartRequest{Subject: actions.Subject{UserID: "u1"}})
		r, err = eng.Next(ctx, r.ExecutionID, engine.NextRequest{StepID: r.StepID, Interaction: "continue", Nonce: r.Nonce,
			Input: map[string]any{"email": email}})
		if err != nil {
			panic(err)
		}
		fmt.Println(email, r.Status, r.Output["status"], r.Output["reason"])
	}
	// Output:
	// ada@example.com completed active <nil>
	// bot@mailinator.com completed review disposable email domain
}
