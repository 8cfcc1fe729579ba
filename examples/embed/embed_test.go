package main

import (
	"context"
	"fmt"
	"os"

	"github.com/outflowhq/outflow/actions"
	"github.com/outflowhq/outflow/engine"
	"github.com/outflowhq/outflow/flows"
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
	eng, reg, err := newEngine(st)
	if err != nil {
		panic(err)
	}
	src, _ := os.ReadFile("flows/signup.yaml")
	f, err := flows.NewLoader(reg).Load("signup.yaml", src)
	if err != nil {
		panic(err)
	}
	if err := eng.AddFlow(ctx, f); err != nil {
		panic(err)
	}
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
