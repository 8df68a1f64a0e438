package labels

import "testing"

// The subtest names are shell-hostile on purpose: bleed must treat them as data.
const hostile = `it's "quoted" $(touch bleed-pwned)`

// Polluter: its hostile-named subtest sets a sale banner and never restores it.
func TestCustomBanners(t *testing.T) {
	t.Run("plain", func(t *testing.T) {
		previous := Banner()
		SetBanner("Hello")
		defer SetBanner(previous)
		if got := Banner(); got != "Hello" {
			t.Fatalf("Banner() = %q, want Hello", got)
		}
	})
	t.Run(hostile, func(t *testing.T) {
		SetBanner("Sale!")
		if got := Banner(); got != "Sale!" {
			t.Fatalf("Banner() = %q, want Sale!", got)
		}
	})
}

// Victim of TestCustomBanners; it fails inside a hostile-named subtest, so the name reaches
// bleed's records through the failure message.
func TestBannerDefaultsToWelcome(t *testing.T) {
	t.Run(hostile, func(t *testing.T) {
		if got := Banner(); got != "Welcome" {
			t.Fatalf("Banner() = %q, want Welcome", got)
		}
	})
}

func TestLabelWidth(t *testing.T) {
	if got := Width("Grüße"); got != 5 {
		t.Fatalf("Width = %d, want 5", got)
	}
}
