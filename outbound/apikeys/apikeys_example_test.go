package apikeys_test

import (
	"context"
	"fmt"
	"log"
	"log/slog"
	"time"

	"github.com/outflowhq/outflow/clock"
	"github.com/outflowhq/outflow/outbound"
	"github.com/outflowhq/outflow/outbound/apikeys"
	"github.com/outflowhq/outflow/outbound/apps"
	"github.com/outflowhq/outflow/store"
)

// A tenant stores its Stripe key, then rotates it: during the overlap window a backend fetch
// gets the new key as active and the old one as previous, so requests signed with either keep
// working while the switch rolls out.
func ExampleAPIKeys() {
	ctx := context.Background()
	quiet := slog.New(slog.DiscardHandler)
	s, err := store.Open(ctx, store.Options{Logger: quiet}) // embedded Redis, for the example
	if err != nil {
		log.Fatal(err)
	}
	defer s.Close()
	ring, _ := store.EphemeralKeyring()
	clk := clock.NewFake(time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC))
	registry, err := apps.NewApps(apps.Options{Store: s, Keyring: ring, Clock: clk, Logger: quiet})
	if err != nil {
		log.Fatal(err)
	}
	keys := apikeys.NewAPIKeys(registry)
	registry.OnDelete(keys.DeleteApp) // deleting an app deletes its keys

	// The catalog's Stripe app, keeping a rotated-out key for one hour. Put checks every key
	// against the template's format hint (sk_live_, rk_live_, ...).
	if _, err := registry.CreateFromTemplate(ctx, "stripe", apps.TemplateInput{
		Overrides: apps.AppPatch{APIKey: &apps.APIKeyPatch{OverlapSeconds: ptrInt(3600)}},
	}); err != nil {
		log.Fatal(err)
	}

	acme := outbound.Owner{TenantID: "acme"}
	first, err := keys.Put(ctx, apikeys.PutRequest{AppID: "stripe", Owner: acme, APIKey: outbound.NewSecret("rk_live_51Hxxxxxxxxxxxxxx0001")})
	if err != nil {
		log.Fatal(err)
	}
	clk.Advance(24 * time.Hour)
	second, _ := keys.Put(ctx, apikeys.PutRequest{AppID: "stripe", Owner: acme, APIKey: outbound.NewSecret("rk_live_51Hxxxxxxxxxxxxxx0002")})
	fmt.Println("stored version", first.Version, "then", second.Version, "ending in", second.Last4)

	k, _ := keys.Fetch(ctx, acme, "stripe")
	fmt.Println("active:", k.Version, "previous:", k.Previous.Version, "until", k.Previous.ExpiresAt.Format(time.Kitchen))
	fmt.Println("printed:", k.APIKey)

	clk.Advance(time.Hour)
	k, _ = keys.Fetch(ctx, acme, "stripe")
	fmt.Println("an hour later, previous kept:", k.Previous != nil)
	// Output:
	// stored version 1 then 2 ending in 0002
	// active: 2 previous: 1 until 10:00AM
	// printed: REDACTED
	// an hour later, previous kept: false
}

func ptrInt(n int) *int { return &n }
