Feature: Checkout

  Scenario: The total is in dollars
    Then the total is in dollars

  Scenario: The cart starts empty
    Then nothing happens
