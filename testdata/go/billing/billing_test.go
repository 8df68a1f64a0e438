package billing

import "testing"

// Same name as cart's polluter, but it restores what it changed.
func TestSwitchCurrencyToEUR(t *testing.T) {
	previous := currency
	currency = "EUR"
	defer func() { currency = previous }()
	if got := Invoice(1, 500); got != "#0001 5.00 EUR" {
		t.Fatalf("Invoice = %q", got)
	}
}

// Same name as cart's victim; never polluted.
func TestTotalIsInDollars(t *testing.T) {
	if got := Invoice(7, 1999); got != "#0007 19.99 USD" {
		t.Fatalf("Invoice = %q", got)
	}
}

func TestInvoiceNumbering(t *testing.T) {
	if got := Invoice(42, 0); got != "#0042 0.00 USD" {
		t.Fatalf("Invoice = %q", got)
	}
}
