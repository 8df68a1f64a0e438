Feature: Settings

  Scenario: Switch the currency to euros
    When the currency is set to euros

  Scenario: Settings can be read
    Then nothing happens
