Feature: Settings

  Scenario: Switch the shop currency to euros
    When the shop currency is set to euros
    Then 250 cents read "€2.50"

  Scenario: The banner says welcome
    Then the banner reads "Welcome"

  Scenario: Opening hours
    Given the shop opens at 9 and closes at 17
    Then it is open for 8 hours
