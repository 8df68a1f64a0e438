// Package labels lives in a directory with a dot in its name, so its import path
// (example.com/bleedsuite/labels.v2) has one too: test ids must still split at the right dot.
package labels

var banner = "Welcome"

// SetBanner changes the banner every later caller sees.
func SetBanner(text string) { banner = text }

// Banner is the current banner.
func Banner() string { return banner }

// Width is the printed width of a label, in characters.
func Width(text string) int { return len([]rune(text)) }
