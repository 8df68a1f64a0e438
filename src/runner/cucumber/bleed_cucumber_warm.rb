# bleed's warm server for cucumber-ruby 2.4 (docs/warm.md, docs/runners/cucumber.md).
#
#   ruby bleed_cucumber_warm.rb PROGRAM N REPLAY_ARGS... (N HUNT_ARGS... | -)
#
# PROGRAM is the cucumber the replay command runs (`cucumber`, `bin/cucumber`). The server loads
# it as that command would (its bundler setup, its requires), takes over where it hands ARGV to
# cucumber, and boots once: the configuration, then the support code and step definitions. Then
# it connects to $BLEED_WARM_SOCKET and forks a child per probe, which runs the probe's scenarios
# through cucumber's own Cli::Main with that booted runtime: AfterConfiguration, Before/After
# hooks, World creation, formatters and the exit code, as a cold run has them.
#
# REPLAY_ARGS run an order (`<tests>` stands for its locations); HUNT_ARGS run the hunt's own
# order under `<seed>`, or are `-` when the hunt command is not one bleed can split.

# Registered by the suite's support code (`Bleed.after_fork { ... } if defined?(Bleed)`), run in
# each child before its scenarios: what the boot opened (database connections, threads) is shared
# with every child and must be reopened there.
module Bleed
  @after_fork = []

  def self.after_fork(&hook)
    raise ArgumentError, 'Bleed.after_fork needs a block' unless hook

    @after_fork << hook
  end

  def self.run_after_fork_hooks
    @after_fork.each(&:call)
  end

  # Takes over Cucumber::Cli::Main#execute!, the call every cucumber program ends with: where a
  # cold run runs the features, the server boots and serves. A child hands its runtime back to
  # cucumber's own execute!.
  module Takeover
    def execute!(existing_runtime = nil)
      return super if existing_runtime

      CucumberServer.instance.serve(self)
    end
  end

  class CucumberServer
    KNOWN_VERSION = /\A2\.4\./.freeze
    SIGNALS = %w[TERM INT HUP].freeze

    class Refusal < StandardError; end

    class << self
      attr_reader :instance

      def start(argv)
        @instance = new(*read_argv(argv))
        @instance.load_program
      end

      private

      def read_argv(argv)
        program = argv.fetch(0)
        replay_count = Integer(argv.fetch(1))
        replay = argv[2, replay_count]
        rest = argv.drop(2 + replay_count)
        hunt = rest.first == '-' ? nil : rest.drop(1).take(Integer(rest.first))
        [program, replay, hunt]
      end
    end

    def initialize(program, replay, hunt)
      @program = program
      @replay = replay
      @hunt = hunt
      @children = {}
      # Taken out of the environment the suite's code and the probes see, as cold runs have it.
      @socket_path = ENV.delete('BLEED_WARM_SOCKET')
    end

    # The program as the replay command would run it, with ARGV the replay's arguments without
    # locations (the support code cucumber 2.4 loads does not depend on them).
    def load_program
      path = resolve(@program)
      boot_args = @replay.reject { |arg| arg == '<tests>' }
      ARGV.replace(substitute(boot_args, report: File::NULL, seed: 0, worker: ENV['BLEED_WORKER'] || '1'))
      $PROGRAM_NAME = path
      watch_for_cucumber
      load path
      give_up("#{@program} ended without handing its arguments to cucumber (Cucumber::Cli::Main#execute!)")
    rescue Exception => e # the suite's code may exit or raise anything
      give_up(e)
    end

    def serve(main)
      version = Cucumber::VERSION.strip
      unless KNOWN_VERSION.match?(version)
        give_up("bleed's warm server knows cucumber 2.4 only, and this is cucumber #{version}")
      end
      @runtime = boot(main)
      connect
      tell(event: 'ready', tests: @ids.size, version: "cucumber #{version}")
      listen
    rescue Exception => e
      give_up(e)
    end

    private

    def resolve(program)
      return program if program.include?('/')

      dirs = ENV.fetch('PATH', '').split(File::PATH_SEPARATOR)
      found = dirs.map { |dir| File.join(dir, program) }.find { |path| File.file?(path) && File.executable?(path) }
      found or raise "#{program} is not on PATH"
    end

    def watch_for_cucumber
      trace = TracePoint.new(:class) do |point|
        if point.self.is_a?(Class) && point.self.name == 'Cucumber::Cli::Main'
          point.self.prepend(Takeover)
          trace.disable
        end
      end
      trace.enable
    end

    # What a cold run does before its first scenario, short of the per-run steps (the
    # AfterConfiguration hooks, formatters): the configuration, the runtime, the code loaded.
    def boot(main)
      runtime = Cucumber::Runtime.new(main.configuration)
      runtime.send(:load_step_definitions)
      @ids = collect(runtime.configuration)
      runtime
    end

    # The ids a probe may name: each scenario and example row the replay's filters select.
    def collect(configuration)
      files = Cucumber::FileSpecs.new(configuration.feature_files).files
      documents = files.map do |path|
        Cucumber::Core::Gherkin::Document.new(path, Cucumber::Runtime::NormalisedEncodingFile.read(path))
      end
      collector = Collector.new
      filters = [
        Cucumber::Core::Test::TagFilter.new(configuration.tag_expressions),
        Cucumber::Core::Test::NameFilter.new(configuration.name_regexps)
      ]
      Object.new.extend(Cucumber::Core).compile(documents, collector, filters)
      collector.ids
    end

    class Collector
      attr_reader :ids

      def initialize
        @ids = {}
      end

      def test_case(test_case, *)
        @ids[test_case.location.to_s] = true
        self
      end

      def done
        self
      end
    end

    # json and socket are required only now, so that the suite's code loaded as it would cold.
    def connect
      require 'json'
      require 'socket'
      raise 'BLEED_WARM_SOCKET is not set: bleed starts this server' unless @socket_path

      @socket = UNIXSocket.new(@socket_path)
      @socket.sync = true
    end

    # bleed gone while the server wrote to it is bleed gone: the same end as reading EOF.
    def tell(event)
      @socket.write("#{JSON.generate(event)}\n")
    rescue Errno::EPIPE, Errno::ECONNRESET
      shut_down
    end

    # The server cannot go on, mostly because its boot failed: the reason goes to bleed in a line,
    # an exception's backtrace to the log. The suite's at_exit handlers stay unrun, as the server
    # ran no scenario.
    def give_up(error)
      message = error
      if error.is_a?(Exception)
        message = "#{error.message} (#{error.class})"
        warn message, *error.backtrace
      end
      begin
        connect unless @socket
        tell(event: 'error', message: message.lines.first.to_s.chomp)
      rescue StandardError => e
        warn "bleed: cannot tell bleed: #{e.message}"
      end
      STDERR.flush
      # Failing while serving (a bug of bleed's) leaves no probe behind either.
      kill_children
      exit!(2)
    end

    def listen
      @wake_reader, @wake_writer = IO.pipe
      @previous_traps = {}
      @previous_traps['CHLD'] = trap('CHLD') { @wake_writer.write_nonblock('.', exception: false) }
      SIGNALS.each { |signal| @previous_traps[signal] = trap(signal) { shut_down } }
      buffer = +''
      loop do
        readable, = IO.select([@socket, @wake_reader])
        @wake_reader.read_nonblock(4096, exception: false) if readable.include?(@wake_reader)
        buffer << receive if readable.include?(@socket)
        while (line = buffer.slice!(/\A[^\n]*\n/))
          handle(line)
        end
        reap
      end
    end

    def receive
      chunk = @socket.read_nonblock(65_536, exception: false)
      return '' if chunk == :wait_readable

      chunk or shut_down
    end

    # bleed closed the socket (it finished, or was killed): nothing of this server may outlive it.
    def shut_down
      kill_children
      exit!(0)
    end

    def kill_children
      @children.each_key do |pid|
        Process.kill('KILL', -pid)
      rescue Errno::ESRCH, Errno::EPERM
        nil
      end
      @children.each_key do |pid|
        Process.wait(pid)
      rescue Errno::ECHILD
        nil
      end
      @children.clear
    end

    def reap
      @children.keys.each do |pid|
        _, status = Process.wait2(pid, Process::WNOHANG)
        next unless status

        probe = @children.delete(pid)
        tell(event: 'exited', probe: probe, status: status.exitstatus || 128 + status.termsig)
      end
    end

    def handle(line)
      request = JSON.parse(line)
      probe = request['probe']
      begin
        args = probe_args(request)
      rescue Refusal => e
        return tell(event: 'refused', probe: probe, message: e.message)
      end
      STDOUT.flush
      STDERR.flush
      pid = fork { run_probe(request, args) }
      # Also set here, so that the group exists before bleed can signal it.
      begin
        Process.setpgid(pid, pid)
      rescue Errno::EACCES, Errno::ESRCH
        nil
      end
      @children[pid] = probe
      tell(event: 'forked', probe: probe, pid: pid)
    rescue JSON::ParserError => e
      warn "bleed: a probe that is not JSON: #{e.message}"
    end

    def probe_args(request)
      values = {
        report: request['report'],
        seed: request['seed'],
        worker: (request['env'] || {})['BLEED_WORKER']
      }
      order = request['order']
      if order.nil?
        raise Refusal, 'the hunt command is not one the warm server can run: a warm hunt needs a simple cucumber command' unless @hunt
        raise Refusal, 'a probe without an order needs a seed' if request['seed'].nil?

        return substitute(@hunt, **values)
      end
      unknown = order.find { |id| !@ids.key?(id) }
      raise Refusal, "no scenario #{unknown} was collected" if unknown

      args = @replay.flat_map { |arg| arg == '<tests>' ? order : [arg] }
      substitute(args, **values)
    end

    def substitute(args, report:, seed:, worker:)
      values = { '<report>' => report, '<seed>' => seed, '<worker>' => worker }
      args.map do |arg|
        arg.gsub(/<report>|<seed>|<worker>/) do |token|
          values[token] or raise Refusal, "the command uses #{token} and the probe gives it no value"
        end
      end
    end

    # The child: a process group of its own, the probe's log and environment, the after-fork
    # hooks, then cucumber's own run of `args` on the booted runtime, ending with cucumber's exit
    # code. It leaves through exit, not exit!: the at_exit handlers a cold run would run (the
    # suite's, and those that flush cucumber's report files) run here too. The server has none.
    def run_probe(request, args)
      Process.setpgid(0, 0)
      [@socket, @wake_reader, @wake_writer].each(&:close)
      @previous_traps.each { |signal, handler| trap(signal, handler || 'DEFAULT') }
      STDIN.reopen(File::NULL)
      STDOUT.reopen(request['log'], 'a')
      STDERR.reopen(STDOUT)
      (request['env'] || {}).each { |name, value| ENV[name] = value }
      begin
        Bleed.run_after_fork_hooks
      rescue Exception => e
        warn "bleed: an after-fork hook failed: #{e.message} (#{e.class})"
        warn e.backtrace.join("\n")
        exit 2
      end
      Cucumber::Cli::Main.new(args).execute!(booted_runtime)
    end

    # The runtime as booted, its code loaded once already. Its configuration is the probe's:
    # Runtime#configure replaces it, and with it the snippet generator the runtime's Ruby
    # language registered into the boot configuration.
    def booted_runtime
      runtime = @runtime
      def runtime.load_step_definitions; end

      def runtime.configure(configuration)
        super
        self.configuration.register_snippet_generator(Cucumber::RbSupport::Snippet::Generator.new)
      end
      runtime
    end
  end
end

Bleed::CucumberServer.start(ARGV.dup)
