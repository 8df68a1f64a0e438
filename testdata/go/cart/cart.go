// Package cart keeps its settings, connection pool, price cache and exporter registry in
// package-level variables, which is how state leaks from one test into the next.
package cart

import (
	"errors"
	"fmt"
	"strings"
)

var currency = "USD"

// SetCurrency changes the currency for every later caller, tests included.
func SetCurrency(code string) { currency = code }

// Total formats an amount in cents in the current currency.
func Total(cents int) string { return fmt.Sprintf("%d.%02d %s", cents/100, cents%100, currency) }

const poolSize = 2

var openConnections int

var errPoolExhausted = errors.New("connection pool exhausted")

// Acquire takes a connection from the pool; the caller must Release it.
func Acquire() error {
	if openConnections >= poolSize {
		return errPoolExhausted
	}
	openConnections++
	return nil
}

// Release returns a connection to the pool.
func Release() { openConnections-- }

var priceCache = map[string]int{}

var listPrices = map[string]int{"apple": 3, "pear": 4}

// WarmCache copies prices into the cache, which then wins over the list prices.
func WarmCache(prices map[string]int) {
	for item, price := range prices {
		priceCache[item] = price
	}
}

// ReloadPrices empties the cache.
func ReloadPrices() { priceCache = map[string]int{} }

// Price is the cached price of an item, else its list price.
func Price(item string) int {
	if price, ok := priceCache[item]; ok {
		return price
	}
	return listPrices[item]
}

var exporters = map[string]func([]string) string{}

// RegisterExporter makes a format available to Export.
func RegisterExporter(format string, export func([]string) string) { exporters[format] = export }

// Export writes items in a registered format.
func Export(format string, items []string) (string, error) {
	export, ok := exporters[format]
	if !ok {
		return "", fmt.Errorf("no exporter registered for %q", format)
	}
	return export(items), nil
}

// Cart is a list of items with quantities.
type Cart struct{ quantities map[string]int }

// New returns an empty cart.
func New() *Cart { return &Cart{quantities: map[string]int{}} }

// Add puts quantity more of an item in the cart.
func (c *Cart) Add(item string, quantity int) { c.quantities[item] += quantity }

// Count is the number of items in the cart.
func (c *Cart) Count() int {
	count := 0
	for _, quantity := range c.quantities {
		count += quantity
	}
	return count
}

// CSV joins items with commas.
func CSV(items []string) string { return strings.Join(items, ",") }
