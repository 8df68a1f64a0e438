Feature: Shelf
  Names real suites have, which a tool that names scenarios by their names would merge, mistake
  or run as code (see ../PLANTED.md). One order dependency is planted through the shelf.

  Scenario: Count the shelf
    Then the shelf holds some items

  Scenario: Count the shelf
    Then the shelf holds some items

  Scenario: count the shelf
    Then the shelf holds some items

  Scenario: Count the shelf 
    Then the shelf holds some items

  Scenario Outline: Stock the shelf with "<item>"
    When I put <count> "<item>" on the shelf

    Examples: pears, twice alike
      | count | item |
      | 0     | pear |
      | 0     | pear |

    Examples: it's "quoted" $(touch bleed-pwned)
      | count | item                               |
      | 1     | it's "quoted" $(touch bleed-pwned) |

  Scenario: The shelf is empty
    Then the shelf is empty

  Scenario: The shelf is empty
    Then the shelf holds some items
