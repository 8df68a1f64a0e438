Feature: Scratch space

  Scenario: The scratch directory is ours
    Then the scratch directory is ours
