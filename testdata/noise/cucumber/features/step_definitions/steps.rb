When('the currency is set to euros') do
  Settings.currency = 'EUR'
end

Then('the total is in dollars') do
  raise "expected USD, got #{Settings.currency}" unless Settings.currency == 'USD'
end

Then('nothing happens') do
end

# Interference: while another copy of the suite runs, its marker is in the shared directory.
Then('the scratch directory is ours') do
  sleep 0.4
  # Markers of copies that were killed stay behind: only live processes count, and a killed
  # copy may stay a zombie until init reaps it.
  others = (Dir.glob(File.join(SCRATCH, 'running-*')) - [MARKER]).select do |marker|
    stat = File.read("/proc/#{Integer(marker[/\d+\z/])}/stat")
    stat.rpartition(')').last.split.first != 'Z'
  rescue Errno::ENOENT
    false
  end
  raise "another copy of the suite is using #{SCRATCH}" unless others.empty?
end

# A failure that follows no order: every third call, counted across runs in a file
# (BLEED_NOISE_RANDOM=1: 30 % of the time at random instead).
Then('the clock answers in time') do
  late = if ENV['BLEED_NOISE_RANDOM'] == '1'
           Random.new.rand < 0.3
         else
           counter = File.join(SCRATCH, 'random-calls')
           calls = (File.exist?(counter) ? File.read(counter).to_i : 0) + 1
           File.write(counter, calls.to_s)
           (calls % 3).zero?
         end
  raise 'the clock answered late' if late
end
