package cart

import "testing"

// Single polluter: switches the currency and never switches it back.
func TestSwitchCurrencyToEUR(t *testing.T) {
	SetCurrency("EUR")
	if got := Total(250); got != "2.50 EUR" {
		t.Fatalf("Total(250) = %q, want 2.50 EUR", got)
	}
}

// Victim of TestSwitchCurrencyToEUR.
func TestTotalIsInDollars(t *testing.T) {
	if got := Total(1999); got != "19.99 USD" {
		t.Fatalf("Total(1999) = %q, want 19.99 USD", got)
	}
}

// One of a pair of polluters: each leaks one of the pool's two connections.
func TestStockCheckOpensConnection(t *testing.T) {
	if err := Acquire(); err != nil {
		t.Fatal(err)
	}
}

// The other of the pair.
func TestPriceLookupOpensConnection(t *testing.T) {
	if err := Acquire(); err != nil {
		t.Fatal(err)
	}
}

// Victim of the pair: fails only after both leaked their connection.
func TestCheckoutGetsAConnection(t *testing.T) {
	if err := Acquire(); err != nil {
		t.Fatalf("checkout: %v", err)
	}
	Release()
}

// Polluter: leaves a stale apple price in the cache.
func TestWarmPriceCache(t *testing.T) {
	WarmCache(map[string]int{"apple": 2})
	if got := Price("apple"); got != 2 {
		t.Fatalf("cached apple = %d, want 2", got)
	}
}

// Cleaner: empties the cache, hiding TestWarmPriceCache's leftover from later tests.
func TestReloadClearsPriceCache(t *testing.T) {
	ReloadPrices()
	if got := Price("pear"); got != 4 {
		t.Fatalf("pear = %d, want 4", got)
	}
}

// Victim of TestWarmPriceCache unless TestReloadClearsPriceCache ran in between.
func TestAppleCostsThree(t *testing.T) {
	if got := Price("apple"); got != 3 {
		t.Fatalf("apple = %d, want 3", got)
	}
}

// State-setter: registers the exporter TestExportInventoryAsCSV needs.
func TestRegisterCSVExporter(t *testing.T) {
	RegisterExporter("csv", CSV)
	if _, err := Export("csv", nil); err != nil {
		t.Fatal(err)
	}
}

// Brittle: passes only after TestRegisterCSVExporter.
func TestExportInventoryAsCSV(t *testing.T) {
	got, err := Export("csv", []string{"apple", "pear"})
	if err != nil {
		t.Fatal(err)
	}
	if got != "apple,pear" {
		t.Fatalf("Export = %q, want apple,pear", got)
	}
}

func TestEmptyCartHasNoItems(t *testing.T) {
	if got := New().Count(); got != 0 {
		t.Fatalf("Count() = %d, want 0", got)
	}
}

func TestAddItemCountsQuantity(t *testing.T) {
	cart := New()
	cart.Add("apple", 2)
	cart.Add("pear", 1)
	if got := cart.Count(); got != 3 {
		t.Fatalf("Count() = %d, want 3", got)
	}
}
