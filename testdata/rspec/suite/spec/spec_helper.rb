require_relative "../lib/shop"

RSpec.configure do |config|
  config.disable_monkey_patching!
  # What `rspec --init` suggests: bleed's --seed decides the order of a hunt's runs.
  config.order = :random
  Kernel.srand config.seed
end
