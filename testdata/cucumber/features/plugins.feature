Feature: Plugins

  Scenario: Reloading the price plugin clears the price cache
    When the price plugin is reloaded
    Then a pear costs 2

  Scenario: Register the CSV exporter
    When the CSV exporter plugin is registered

  Scenario: List the installed plugins
    Given the plugins "prices, exporters, banners"
    Then 3 plugins are listed
