# repro.sh's check: the outcome of the scenario at VICTIM (path.feature:LINE) in cucumber's JSON
# report, as one word, then its place among the scenarios, which the report lists in the order
# they ran. A background element belongs to the scenario after it, and a retried scenario comes
# once per attempt: any failed step fails it. A line names another scenario once lines are added
# above it: with VICTIM_NAME (the feature's name and the scenario's, as bleed joins them), a
# scenario named otherwise is not the one bleed found.
require 'json'

begin
  features = JSON.parse(File.read(ARGV[0]))
  raise 'not a list of features' unless features.is_a?(Array)
rescue StandardError
  puts 'unreadable'
  exit
end
uri, _, line = ENV.fetch('VICTIM').rpartition(':')
named = ENV.fetch('VICTIM_NAME', nil)
statuses = nil
first = nil
place = 0
features.each do |feature|
  background = []
  (feature['elements'] || []).each do |element|
    steps = %w[before steps after around].flat_map { |part| element[part] || [] }
    steps += (element['steps'] || []).flat_map { |step| step['after'] || [] }
    if element['type'] == 'background'
      background = steps
      next
    end
    steps = background + steps
    background = []
    place += 1
    next unless feature['uri'] == uri && element['line'].to_s == line
    name = [feature['name'], element['name']].map { |part| part.to_s.strip }.reject(&:empty?).join(': ')
    next unless named.nil? || name == named
    first ||= place
    statuses = (statuses || []) + steps.map { |step| (step['result'] || {})['status'] }
  end
end
puts(if statuses.nil? then 'missing'
     elsif statuses.any? { |status| %w[failed ambiguous].include?(status) } then "failed #{first}"
     elsif statuses.all? { |status| status == 'passed' } then "passed #{first}"
     else "skipped #{first}"
     end)
