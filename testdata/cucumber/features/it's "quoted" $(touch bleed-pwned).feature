Feature: Storefront banner, in a file whose name is hostile to shells

  Scenario: Show a sale banner
    When the banner is set to "SALE"
    Then the banner reads "SALE"

  Scenario: Banner text is trimmed
    Then the banner " SALE " is shown as "SALE"
