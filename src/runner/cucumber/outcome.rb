# repro.sh's check: the outcome of the scenario at VICTIM (path.feature:LINE) in cucumber's JSON
# report, as one word. A background element belongs to the scenario after it, and a retried
# scenario comes once per attempt: any failed step fails it.
require 'json'

begin
  features = JSON.parse(File.read(ARGV[0]))
  raise 'not a list of features' unless features.is_a?(Array)
rescue StandardError
  puts 'unreadable'
  exit
end
uri, _, line = ENV.fetch('VICTIM').rpartition(':')
statuses = nil
features.each do |feature|
  next unless feature['uri'] == uri
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
    next unless element['line'].to_s == line
    statuses = (statuses || []) + steps.map { |step| (step['result'] || {})['status'] }
  end
end
puts(if statuses.nil? then 'missing'
     elsif statuses.any? { |status| %w[failed ambiguous].include?(status) } then 'failed'
     elsif statuses.all? { |status| status == 'passed' } then 'passed'
     else 'skipped'
     end)
