Feature: Pricing

  Scenario: Price lookup opens a database connection
    When I look up the price list
    Then the price list has 2 fruits

  Scenario Outline: Warm the price cache with <fruit> at <price>
    When the price cache holds <fruit> at <price>
    Then a <fruit> costs <price>

    Examples:
      | fruit | price |
      | apple | 5     |
      | pear  | 2     |

  Scenario: An apple costs three
    Then an apple costs 3
