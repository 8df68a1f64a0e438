# Written by bleed's rspec adapter: its warm server (the protocol is bleed's docs/warm.md).
#
# bleed starts the replay command with this file as its last --require, where a cold probe loads
# bleed's ordering helper, so by then RSpec has applied the command's options and loaded .rspec's
# requires (spec_helper) and the command line's. That is the boot `rspec --bisect` pays once. The
# server takes over when RSpec goes on to load the spec files: it serves probes over
# $BLEED_WARM_SOCKET and forks a child for each, which loads the spec files the probe names and
# runs them with RSpec's own runner, as a cold probe would.
#
# Needs Ruby 2.5 or later (rescue in do/end blocks); an older one stops at this file's syntax, and
# bleed, seeing the server end before it is ready, probes cold.
#
# Spec files load in the children only, never here: a spec file's top-level code runs when a
# probe names one of its examples, as in a cold probe, so state a file sets up as it loads still
# shows up as that file's examples' doing.
require "json"
require "socket"
require "tmpdir"
require "fileutils"

module Bleed
  module Warm
    ID = /\A(.+)\[(\d+(?::\d+)*)\]\z/
    # Carried by the command bleed starts this server with, and dropped from the environment at
    # once so that the children's is a cold probe's.
    SOCKET = ENV.delete("BLEED_WARM_SOCKET")
    ORDER_HELPER = ENV.delete("BLEED_RSPEC_ORDER_HELPER")
    HUNT_ARGS = JSON.parse(ENV.delete("BLEED_RSPEC_HUNT_ARGS") || "[]")
    # Whether spec_helper seeded Ruby's random numbers with RSpec's seed (`Kernel.srand
    # config.seed`, as `rspec --init` suggests): Ruby reseeds a forked child at random, so a warm
    # hunt's child seeds them again with its run's seed, as `rspec --seed` would have at boot.
    SEEDS_RUBY = (Random.respond_to?(:seed) ? Random.seed : Random::DEFAULT.seed) == RSpec.configuration.seed

    class << self
      # Whether bleed has heard how the boot went (ready, or an error).
      attr_reader :told

      # Runs in place of the configuration's load_spec_files; `load_spec_files` calls the real one,
      # in a child. Returns only by exiting.
      def serve(config, &load_spec_files)
        @config = config
        @load_spec_files = load_spec_files
        @children = {}
        @buffer = +""
        problem = unsupported
        return fail_to_boot(problem) if problem

        @tests = inventory or return fail_to_boot("no examples were found in #{suite_paths.join(' ')} (the log says why)")
        @scratch = Dir.mktmpdir("bleed-rspec-warm-")
        connect
        @told = true
        say("event" => "ready", "tests" => @tests.size, "version" => "rspec-core #{RSpec::Core::Version::STRING}")
        supervise
      end

      def unsupported
        version = Gem::Version.new(RSpec::Core::Version::STRING)
        unless version >= Gem::Version.new("3.6") && version < Gem::Version.new("4")
          return "the warm server knows rspec-core 3.6 to 3.x, not #{version}"
        end
        return "this Ruby cannot fork" unless Process.respond_to?(:fork)
        return "no ordering helper: $BLEED_RSPEC_ORDER_HELPER is not set" unless ORDER_HELPER
        return "RUBYOPT did not reach the ruby that runs rspec, so spec_helper had no Bleed" unless defined?(Bleed.after_fork_hooks)
        "no socket to serve: $BLEED_WARM_SOCKET is not set" unless SOCKET
      end

      # Booting stopped short of serving: bleed hears why, and probes cold.
      def fail_to_boot(message)
        @told = true
        $stderr.puts "bleed: the warm server cannot serve probes: #{message}"
        connect if SOCKET && !@socket
        say("event" => "error", "message" => message) if @socket
        exit 1
      rescue SystemCallError
        exit 1
      end

      def connect
        @socket = UNIXSocket.new(SOCKET)
      end

      def say(event)
        @socket.write("#{JSON.generate(event)}\n")
      rescue SystemCallError, IOError
        shut_down
      end

      # The paths the hunt runs (RSpec's default path when it names none).
      def suite_paths
        paths = RSpec::Core::ConfigurationOptions.new(HUNT_ARGS.map { |word| word.gsub(/<(seed|report)>/, "0") })
                                                  .options[:files_or_directories_to_run]
        paths.nil? || paths.empty? ? [@config.default_path] : paths
      end

      # The ids of the examples the hunt's paths hold, collected by a child that loads every spec
      # file and is then thrown away, so that the parent stays as booted. Nil when there are none.
      def inventory
        reader, writer = IO.pipe
        pid = fork do
          reader.close
          adopt_process_group
          @config.files_or_directories_to_run = suite_paths
          @load_spec_files.call
          ids = RSpec.world.example_groups.flat_map(&:descendant_filtered_examples).map(&:id)
          writer.write(JSON.generate(ids))
          finish(0)
        rescue Exception => e # rubocop:disable Lint/RescueException
          $stderr.puts e.full_message
          finish(1)
        end
        writer.close
        listed = reader.read
        reader.close
        Process.wait(pid)
        ids = listed.empty? ? [] : JSON.parse(listed)
        ids.empty? ? nil : ids.each_with_object({}) { |id, keys| keys[key(id)] = true }
      end

      # An example id as the file it names and the example's place in it, whichever way the
      # file's path is spelled (./spec/a_spec.rb, spec/a_spec.rb).
      def key(id)
        match = ID.match(id)
        match && [File.expand_path(match[1]), match[2]]
      end

      # Serves probes until bleed closes the socket, reaping children as they end: SIGCHLD wakes
      # the select through a pipe.
      def supervise
        @wake, @waker = IO.pipe
        trap("CHLD") { @waker.write_nonblock(".", exception: false) }
        %w[TERM HUP INT].each { |signal| trap(signal) { shut_down } }
        loop do
          reap
          ready, = IO.select([@socket, @wake])
          @wake.read_nonblock(4096, exception: false) if ready.include?(@wake)
          read_probes if ready.include?(@socket)
        end
      end

      def read_probes
        chunk = @socket.read_nonblock(65_536, exception: false)
        return if chunk == :wait_readable
        return shut_down if chunk.nil?

        @buffer << chunk
        while (line = @buffer.slice!(/\A[^\n]*\n/))
          start(line)
        end
      rescue SystemCallError, IOError
        shut_down
      end

      def start(line)
        probe = JSON.parse(line)
        reason = refusal(probe)
        return say("event" => "refused", "probe" => probe["probe"], "message" => reason) if reason

        pid = fork { run_child(probe) }
        # Set here too, so that the group exists before bleed hears of it and may signal it.
        begin
          Process.setpgid(pid, pid)
        rescue SystemCallError
          nil # the child set it first, or has already ended
        end
        @children[pid] = probe["probe"]
        say("event" => "forked", "probe" => probe["probe"], "pid" => pid)
      rescue JSON::ParserError => e
        $stderr.puts "bleed: a probe bleed sent is not JSON (#{e.message}): #{line}"
      end

      def refusal(probe)
        order = probe["order"]
        return "the probe gives neither an order nor a seed" if order.nil? && probe["seed"].nil?
        return nil if order.nil?

        unknown = order.find { |id| !@tests.key?(key(id)) }
        unknown && "no example #{unknown} was collected from #{suite_paths.join(' ')}"
      end

      def reap
        loop do
          pid, status = Process.wait2(-1, Process::WNOHANG)
          break unless pid

          probe = @children.delete(pid)
          code = status.exitstatus || 128 + status.termsig
          say("event" => "exited", "probe" => probe, "status" => code) if probe
        end
      rescue Errno::ECHILD
        nil
      end

      # bleed is gone or asks the server to stop: what still runs of the probes would run for no
      # one, so their process groups go too.
      def shut_down
        @children.each_key do |pid|
          Process.kill("KILL", -pid)
        rescue SystemCallError
          nil
        end
        FileUtils.remove_entry(@scratch) if @scratch
        $stderr.puts "bleed: the socket closed, so the warm server stops"
        # RSpec, unwinding, would announce that it found no examples: it never loaded any here.
        STDOUT.reopen(File::NULL)
        exit 0
      end

      def adopt_process_group
        Process.setpgid(0, 0)
        %w[CHLD TERM HUP].each { |signal| trap(signal, "DEFAULT") }
        trap("INT") { RSpec::Core::Runner.handle_interrupt }
        STDIN.reopen(File::NULL)
      end

      # The child: one probe, run as a cold probe runs it, then gone without the parent's exit
      # handlers.
      def run_child(probe)
        adopt_process_group
        [@socket, @wake, @waker].each(&:close)
        log = File.open(probe["log"], "w")
        STDOUT.reopen(log)
        STDERR.reopen(log)
        # reopen takes the log's buffering; a cold run's stderr is unbuffered.
        STDERR.sync = true
        log.close
        $stdout = STDOUT
        $stderr = STDERR
        ENV.update(probe["env"] || {})
        Bleed.after_fork_hooks.each(&:call)
        finish(run_examples(probe))
      rescue SystemExit => e
        finish(e.status)
      rescue Exception => e # rubocop:disable Lint/RescueException
        $stderr.puts e.full_message
        finish(1)
      end

      # What `rspec` does after its boot, with the replay's formatters writing the probe's report:
      # the order comes from bleed's ordering helper as in a cold probe, or for a hunt from the
      # seed.
      def run_examples(probe)
        if probe["order"]
          @config.add_formatter("json", probe["report"])
          ids = File.join(@scratch, "probe-#{probe['probe']}.txt")
          File.write(ids, probe["order"].map { |id| "#{id}\n" }.join)
          ENV["BLEED_TESTS_FILE"] = ids
          require ORDER_HELPER
        else
          take_hunt_options(probe["seed"], probe["report"])
        end
        # Failures then show the backtrace a cold run shows, without the server's frames.
        @config.backtrace_exclusion_patterns << Regexp.new(Regexp.escape(__FILE__))
        @load_spec_files.call
        runner = RSpec::Core::Runner.new(nil)
        world = RSpec.world
        world.announce_filters
        return @config.reporter.exit_early(runner.exit_code) if world.wants_to_quit

        runner.run_specs(world.ordered_example_groups).tap { runner.send(:persist_example_statuses) }
      end

      # The hunt's paths, formatters and --fail-fast, and RSpec's random order under `seed`:
      # what `rspec --seed <seed>` of the hunt command has that the replay command has not.
      def take_hunt_options(seed, report)
        words = HUNT_ARGS.map { |word| word.gsub("<seed>", seed.to_s).gsub("<report>", report) }
        options = RSpec::Core::ConfigurationOptions.new(words).options
        @config.files_or_directories_to_run = suite_paths
        @config.force(fail_fast: options[:fail_fast]) if options.key?(:fail_fast)
        # The replay's --order defined was forced at boot, which makes RSpec ignore any later
        # order; the registry takes the random ordering directly.
        @config.force(order: "rand:#{seed}")
        Kernel.srand(seed) if SEEDS_RUBY
        @config.ordering_registry.register(:global, @config.ordering_registry.fetch(:random))
        @config.reset_reporter
        options.fetch(:formatters, [["progress"]]).each { |formatter| @config.add_formatter(*formatter) }
      end

      # exit! skips Ruby's flushing of buffered output along with the exit handlers.
      def finish(code)
        ObjectSpace.each_object(IO) do |io|
          io.flush unless io.closed?
        rescue IOError, SystemCallError
          nil
        end
        exit!(code)
      end
    end

    # Where a cold run would load the spec files, the server takes over.
    module Takeover
      def load_spec_files
        Bleed::Warm.serve(self) { super() }
      end
    end
  end
end

# A boot that ends before the server takes over (spec_helper raised, a --require is missing)
# still tells bleed, which would otherwise wait for a ready that never comes.
at_exit do
  Bleed::Warm.fail_to_boot("rspec stopped while booting, before loading the spec files (the log says why)") unless Bleed::Warm.told
end
RSpec.configuration.singleton_class.prepend(Bleed::Warm::Takeover)
