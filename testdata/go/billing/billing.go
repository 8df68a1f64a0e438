// Package billing has tests named like cart's polluter and victim but keeps its state tidy:
// the same names in another package must neither run nor be reported in place of cart's.
package billing

import "fmt"

var currency = "USD"

// Invoice formats an invoice line in the current currency.
func Invoice(number int, cents int) string {
	return fmt.Sprintf("#%04d %d.%02d %s", number, cents/100, cents%100, currency)
}
