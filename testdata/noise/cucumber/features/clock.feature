Feature: Clock

  Scenario: The clock answers in time
    Then the clock answers in time
