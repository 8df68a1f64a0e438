# Marks this copy of the suite as running, for the race scenario, and holds the app's settings.
require 'fileutils'

SCRATCH = File.expand_path('../../scratch', __dir__)
FileUtils.mkdir_p(SCRATCH)
MARKER = File.join(SCRATCH, "running-#{Process.pid}")
FileUtils.touch(MARKER)
at_exit { FileUtils.rm_f(MARKER) }

module Settings
  class << self
    attr_accessor :currency
  end
  self.currency = 'USD'
end
