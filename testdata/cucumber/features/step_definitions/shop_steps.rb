# Steps of the planted cases touch Shop's process-wide state; the others only the scenario's
# own instance variables.

Given('an empty basket') do
  @basket = []
end

When(/^I add (\d+) (apple|pear)s?$/) do |count, fruit|
  count.to_i.times { @basket << fruit }
end

Then(/^the basket holds (\d+) items?$/) do |count|
  raise "the basket holds #{@basket.size} items" unless @basket.size == count.to_i
end

# Case 1
When('the shop currency is set to euros') do
  Shop.currency = 'EUR'
end

Then(/^(\d+) cents read "([^"]*)"$/) do |cents, expected|
  shown = Shop.format_cents(cents.to_i)
  raise "expected #{expected}, got #{shown}" unless shown == expected
end

# Case 2: the stock check and the price lookup leak their connections.
When('I check the stock of apples') do
  Shop.open_connection
  @stock = 12
end

When('I look up the price list') do
  Shop.open_connection
  @price_list = Shop::CATALOGUE_PRICES
end

When('I check out') do
  Shop.open_connection
  @payment_recorded = true
  Shop.close_connection
end

Then('the payment is recorded') do
  raise 'no payment was recorded' unless @payment_recorded
end

Then(/^there are (\d+) apples in stock$/) do |count|
  raise "#{@stock} apples in stock" unless @stock == count.to_i
end

Then(/^the price list has (\d+) fruits$/) do |count|
  raise "#{@price_list.size} fruits" unless @price_list.size == count.to_i
end

# Case 3
When(/^the price cache holds (\w+) at (\d+)$/) do |fruit, price|
  Shop.price_cache[fruit] = price.to_i
end

When('the price plugin is reloaded') do
  Shop.price_cache.clear
end

Then(/^an? (\w+) costs (\d+)$/) do |fruit, price|
  actual = Shop.price_of(fruit)
  raise "expected a #{fruit} to cost #{price}, it costs #{actual}" unless actual == price.to_i
end

# Case 4
When('the CSV exporter plugin is registered') do
  Shop.exporters << 'csv' unless Shop.exporters.include?('csv')
end

When('I export the inventory as CSV') do
  raise "no exporter for csv (registered: #{Shop.exporters.inspect})" unless Shop.exporters.include?('csv')
  @export = "fruit,count\napple,12\n"
end

Then(/^the export has (\d+) lines$/) do |count|
  raise "the export has #{@export.lines.size} lines" unless @export.lines.size == count.to_i
end

# Case 5
When(/^the banner is set to "([^"]*)"$/) do |text|
  Shop.banner = text
end

Then(/^the banner reads "([^"]*)"$/) do |expected|
  raise "expected the banner #{expected.inspect}, got #{Shop.banner.inspect}" unless Shop.banner == expected
end

# Bystanders
Given(/^the shop opens at (\d+) and closes at (\d+)$/) do |opens, closes|
  @hours = [opens.to_i, closes.to_i]
end

Then(/^it is open for (\d+) hours$/) do |hours|
  raise "open for #{@hours[1] - @hours[0]} hours" unless @hours[1] - @hours[0] == hours.to_i
end

When(/^I restock (\d+) (\w+)s$/) do |count, fruit|
  @restocked = { fruit => count.to_i }
end

Then(/^the delivery note lists (\d+) (\w+)s$/) do |count, fruit|
  raise "the note lists #{@restocked.inspect}" unless @restocked[fruit] == count.to_i
end

Given(/^the plugins "([^"]*)"$/) do |names|
  @plugins = names.split(', ')
end

Then(/^(\d+) plugins are listed$/) do |count|
  raise "#{@plugins.size} plugins" unless @plugins.size == count.to_i
end

Then(/^the banner "([^"]*)" is shown as "([^"]*)"$/) do |text, shown|
  raise "shown as #{text.strip.inspect}" unless text.strip == shown
end
