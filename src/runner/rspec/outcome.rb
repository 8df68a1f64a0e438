# repro.sh's check: the status of the example whose id is VICTIM in RSpec's JSON report, as one
# word, then its place in the report, which is the order the examples ran in. An id is a place
# in a file, which names another example once examples are added or moved before it: with
# VICTIM_NAME, an example described otherwise is not the one bleed found.
require 'json'

begin
  examples = JSON.parse(File.read(ARGV[0])).fetch('examples')
rescue StandardError
  puts 'unreadable'
  exit
end
named = ENV.fetch('VICTIM_NAME', nil)
place = examples.index do |each|
  each['id'] == ENV.fetch('VICTIM') && (named.nil? || each['full_description'] == named)
end
word = case place && examples[place]['status']
       when nil then 'missing'
       when 'passed' then 'passed'
       when 'failed' then 'failed'
       else 'skipped'
       end
puts(place ? "#{word} #{place + 1}" : word)
