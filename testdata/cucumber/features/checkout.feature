Feature: Checkout
  Paying for a basket at the till.

  Background:
    Given an empty basket

  Scenario: Two apples and a pear make three items
    When I add 2 apples
    And I add 1 pear
    Then the basket holds 3 items

  Scenario: The total is shown in dollars
    Then 400 cents read "$4.00"

  Scenario: Checkout gets a database connection
    When I check out
    Then the payment is recorded
