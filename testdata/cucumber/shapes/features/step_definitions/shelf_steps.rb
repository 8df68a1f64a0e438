# The shelf outlives a scenario: cucumber-ruby runs every scenario in one process.
$shelf = []

When(/^I put (\d+) "(.*)" on the shelf$/) do |count, item|
  count.to_i.times { $shelf << item }
end

Then('the shelf holds some items') do
  raise 'the shelf is gone' unless $shelf.is_a?(Array)
end

Then('the shelf is empty') do
  raise "the shelf holds #{$shelf.inspect}" unless $shelf.empty?
end
