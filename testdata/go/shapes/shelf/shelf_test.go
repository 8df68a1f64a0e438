// Package shelf holds the shapes of test names real Go suites have (see ../PLANTED.md): table
// rows with identical names, names that differ only in case, trailing spaces, quotes and $(…).
// One order dependency is planted through the package-level shelf.
package shelf

import "testing"

var shelf []string

// The polluter: its third row, named like a shell injection, leaves its item on the shelf.
func TestStockShelf(t *testing.T) {
	for _, row := range []struct {
		name  string
		count int
	}{
		{"pear", 0},
		{"pear", 0},
		{`it's "quoted" $(touch bleed-pwned) `, 1},
		{"Pear", 0},
	} {
		row := row
		t.Run(row.name, func(t *testing.T) {
			for i := 0; i < row.count; i++ {
				shelf = append(shelf, row.name)
			}
		})
	}
}

// The victim: both of its identically named subtests fail once the shelf holds anything.
func TestShelfIsEmpty(t *testing.T) {
	for _, name := range []string{"empty", "empty"} {
		t.Run(name, func(t *testing.T) {
			if len(shelf) != 0 {
				t.Fatalf("the shelf holds %q", shelf)
			}
		})
	}
}

// The victim's name but for case: innocent.
func TestShelfISEmpty(t *testing.T) {
	t.Log("not the victim")
}

func TestCountTheShelf(t *testing.T) {
	for _, name := range []string{"count", "count ", "Count", "count"} {
		t.Run(name, func(t *testing.T) {
			if len(shelf) < 0 {
				t.Fatal("a negative count")
			}
		})
	}
}
