Feature: Inventory

  Scenario: Stock check opens a database connection
    When I check the stock of apples
    Then there are 12 apples in stock

  Scenario: Export the inventory as CSV
    When I export the inventory as CSV
    Then the export has 2 lines

  Scenario Outline: Restock <fruit>
    When I restock <count> <fruit>s
    Then the delivery note lists <count> <fruit>s

    Examples:
      | fruit | count |
      | apple | 40    |
      | pear  | 25    |
