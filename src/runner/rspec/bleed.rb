# Written by bleed's rspec adapter and loaded through RUBYOPT by its warm server for RSpec, before
# anything of the suite, so that spec_helper.rb can say what each probe's child must redo after
# the fork, where the booted process's database connections and threads are not its own:
#
#   Bleed.after_fork { ActiveRecord::Base.establish_connection } if defined?(Bleed)
#
# A cold run never loads this file, so there Bleed is not defined and nothing is registered.
module Bleed
  @after_fork = []

  def self.after_fork(&hook)
    raise ArgumentError, "Bleed.after_fork needs a block" unless hook

    @after_fork << hook
  end

  def self.after_fork_hooks
    @after_fork
  end
end

# The suite's own subprocesses (a test that runs `ruby`) see the RUBYOPT a cold run has.
rubyopt = ENV.fetch("RUBYOPT", "").split(" ").reject do |option|
  option.start_with?("-r") && File.basename(option) == File.basename(__FILE__)
end
if rubyopt.empty?
  ENV.delete("RUBYOPT")
else
  ENV["RUBYOPT"] = rubyopt.join(" ")
end
